/**
 * The engine protocol: every command and event, merged from the per-domain tables.
 * This is the single source of truth for types, validation, docs and the golden file.
 */
import type { ArgsOf, DataOf, ReturnOf } from '../definitions.js';
import { clipboardCommands, clipboardEvents } from './clipboard.js';
import { coreCommands, coreEvents } from './core.js';
import { jobCommands, jobEvents } from './jobs.js';
import { machineCommands, machineEvents } from './machine.js';
import { mediaCommands, mediaEvents } from './media.js';
import { networkCommands, networkEvents } from './network.js';
import { shareCommands } from './shares.js';

export * from './types.js';
export { BlockInfo } from './media.js';
export { JobStatus, SnapshotSummary, jobStatuses } from './jobs.js';

/** The protocol's version (bumped when entries are added). */
export const engineProtocolVersion = '0.1';

export const engineCommands = {
  ...coreCommands,
  ...mediaCommands,
  ...jobCommands,
  ...machineCommands,
  ...clipboardCommands,
  ...networkCommands,
  ...shareCommands,
} as const;

export const engineEvents = {
  ...coreEvents,
  ...mediaEvents,
  ...jobEvents,
  ...machineEvents,
  ...clipboardEvents,
  ...networkEvents,
} as const;

export type EngineCommands = typeof engineCommands;
export type EngineEvents = typeof engineEvents;
export type EngineCommandName = keyof EngineCommands;
export type EngineEventName = keyof EngineEvents;
// Resolved once as maps: indexing a map keeps generic call sites (emit, handlers) shallow
// enough for the type checker, where re-inferring per call hit its depth limit.
type EngineArgsMap = { [N in EngineCommandName]: ArgsOf<EngineCommands, N> };
type EngineReturnMap = { [N in EngineCommandName]: ReturnOf<EngineCommands, N> };
type EngineEventDataMap = { [N in EngineEventName]: DataOf<EngineEvents, N> };
export type EngineArgs<N extends EngineCommandName> = EngineArgsMap[N];
export type EngineReturn<N extends EngineCommandName> = EngineReturnMap[N];
export type EngineEventData<N extends EngineEventName> = EngineEventDataMap[N];
