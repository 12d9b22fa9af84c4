/**
 * The app API: what a shell (Electron preload, the web shell's WebSocket, the CLI) may ask the
 * app core, and the events the core pushes. One schema gives types, runtime validation (every
 * call is checked with `validate` before the core runs it) and docs, like the engine protocol.
 *
 * Results cross the boundary as `{ok: true, value} | {ok: false, error: {class, desc}}`.
 */
import type { ArgsOf, DataOf, ReturnOf } from '../definitions.js';
import type { Infer } from '../schema.js';
import { machineStateNames } from '../enums.js';
import { apiEvents } from './events.js';
import { diskCommands } from './disk-commands.js';
import { libraryCommands } from './library-commands.js';
import { networkCommands } from './network-commands.js';
import { qemuCommands } from './qemu-commands.js';
import { sendFilesCommands } from './send-files-commands.js';
import { shareCommands } from './share-commands.js';
import { snapshotCommands } from './snapshot-commands.js';
import { vmCommands } from './vm-commands.js';
import { MachineView, SnapshotView } from './views.js';

/** The API's version (bumped when entries are added). */
export const apiProtocolVersion = '0.8';

/** Error classes an API call can answer with. */
export const apiErrorClasses = ['NotFound', 'InvalidArgument', 'Conflict', 'EngineFailed', 'Timeout', 'Unavailable', 'NotSupported', 'NoSpace'] as const;
export type ApiErrorClass = (typeof apiErrorClasses)[number];

/** An API error: a class from `apiErrorClasses` and a sentence for a person. */
export interface ApiError {
  class: ApiErrorClass;
  desc: string;
}
/** The result of every API call. */
export type ApiResult<T> = { ok: true; value: T } | { ok: false; error: ApiError };

export { machineStateNames };
export { MachineView, SnapshotView, apiEvents };

/** Every command of the app API (one module per group). */
export const apiCommands = { ...libraryCommands, ...vmCommands, ...networkCommands, ...shareCommands, ...sendFilesCommands, ...snapshotCommands, ...diskCommands, ...qemuCommands } as const;

export type ApiCommands = typeof apiCommands;
export type ApiEvents = typeof apiEvents;
export type ApiCommandName = keyof ApiCommands;
export type ApiEventName = keyof ApiEvents;
type ApiArgsMap = { [N in ApiCommandName]: ArgsOf<ApiCommands, N> };
type ApiReturnMap = { [N in ApiCommandName]: ReturnOf<ApiCommands, N> };
type ApiEventDataMap = { [N in ApiEventName]: DataOf<ApiEvents, N> };
export type ApiArgs<N extends ApiCommandName> = ApiArgsMap[N];
export type ApiReturn<N extends ApiCommandName> = ApiReturnMap[N];
export type ApiEventData<N extends ApiEventName> = ApiEventDataMap[N];
export type MachineViewValue = Infer<typeof MachineView>;
export type MachineStateName = MachineViewValue['state'];
/** A snapshot as the API returns it (parentId typed precisely). */
export type SnapshotViewValue = Omit<Infer<typeof SnapshotView>, 'parentId'> & { parentId: string | null };

/** Whether `name` is an API command. */
export function isApiCommand(name: unknown): name is ApiCommandName {
  return typeof name === 'string' && Object.hasOwn(apiCommands, name);
}

/** Messages of the API WebSocket: client → core `{id, call, args}`, core → client `{id, result}` or `{event, data}`. */
export interface ApiRequestMessage {
  id: number | string;
  call: string;
  args?: unknown;
}
export type ApiServerMessage = { id: number | string; result: ApiResult<unknown> } | { event: ApiEventName; data: unknown };

/** A failed result. */
export function apiFailure(errorClass: ApiErrorClass, desc: string): { ok: false; error: ApiError } {
  return { ok: false, error: { class: errorClass, desc } };
}

/** A successful result. */
export function apiSuccess<T>(value: T): { ok: true; value: T } {
  return { ok: true, value };
}
