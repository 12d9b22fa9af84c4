/**
 * The app API: what a shell (Electron preload, the web shell's WebSocket, the CLI) may ask the
 * app core, and the events the core pushes. One schema gives types, runtime validation (every
 * call is checked with `validate` before the core runs it) and docs, like the engine protocol.
 *
 * Results cross the boundary as `{ok: true, value} | {ok: false, error: {class, desc}}`.
 */
import type { ArgsOf, DataOf, ReturnOf } from '../definitions.js';
import { command, event } from '../definitions.js';
import { s } from '../schema.js';
import type { Infer } from '../schema.js';

/** The API's version (bumped when entries are added). */
export const apiProtocolVersion = '0.1';

/** Error classes an API call can answer with. */
export const apiErrorClasses = ['NotFound', 'InvalidArgument', 'Conflict', 'EngineFailed', 'Timeout', 'Unavailable', 'NotSupported'] as const;
export type ApiErrorClass = (typeof apiErrorClasses)[number];

/** An API error: a class from `apiErrorClasses` and a sentence for a person. */
export interface ApiError {
  class: ApiErrorClass;
  desc: string;
}
/** The result of every API call. */
export type ApiResult<T> = { ok: true; value: T } | { ok: false; error: ApiError };

const engineId = s.named('EngineId', s.enumeration(['v86', 'qemu'] as const, 'Which emulator backend runs a machine.'));
const bootDevice = s.enumeration(['cdrom', 'floppy', 'disk'] as const);
const machineState = s.named(
  'MachineState',
  s.enumeration(['stopped', 'starting', 'running', 'paused', 'shutdown', 'crashed', 'stopping'] as const, 'What the app knows about a machine\'s engine.'),
);
const slot = s.named('DriveSlot', s.enumeration(['cd0', 'fd0'] as const, 'A removable-media slot: the CD drive or the floppy drive.'));
const id = s.string({ minLength: 1, maxLength: 200, doc: 'A machine id (or, where accepted, its name).' });

/** A machine's editable configuration (all fields optional in updates). */
const machineConfigFields = {
  name: s.optional(s.string({ minLength: 1, maxLength: 100 }), 'Display name, unique in the library.'),
  osId: s.optional(s.string({ minLength: 1, maxLength: 300 }), 'osinfo OS id, or "other" / "grub".'),
  engine: s.optional(engineId),
  memoryMib: s.optional(s.integer({ min: 1, max: 1 << 20 })),
  cpus: s.optional(s.integer({ min: 1, max: 256 })),
  bootOrder: s.optional(s.array(bootDevice, { maxItems: 3 })),
  displayDevice: s.optional(s.enumeration(['std', 'virtio', 'vmware', 'cirrus'] as const)),
  clipboardMode: s.optional(s.enumeration(['off', 'host-to-guest', 'guest-to-host', 'bidirectional'] as const)),
  speedLimitMips: s.optional(s.integer({ min: 0 }), '0 or absent: no limit.'),
  forceTcg: s.optional(s.boolean()),
  serialEnabled: s.optional(s.boolean()),
  notes: s.optional(s.string({ maxLength: 10000 })),
} as const;

/** A machine as the API shows it: its stored configuration plus its run state. */
export const MachineView = s.named(
  'Machine',
  s.object(
    {
      id: s.required(s.string()),
      name: s.required(s.string()),
      osId: s.required(s.string()),
      engine: s.required(engineId),
      memoryMib: s.required(s.integer()),
      cpus: s.required(s.integer()),
      state: s.required(machineState),
      reason: s.optional(s.string(), 'Why the machine is crashed (or what it last reported).'),
      drives: s.optional(s.record(s.any())),
    },
    { allowUnknown: true },
  ),
);
const mediaView = s.named(
  'Media',
  s.object({ id: s.required(s.string()), path: s.required(s.string()), kind: s.required(s.string()) }, { allowUnknown: true }),
);
const empty = s.object({});
const byId = s.object({ id: s.required(id) });

export const apiCommands = {
  'machines.list': command({ doc: 'Lists every machine with its run state.', since: '0.1', args: empty, returns: s.array(MachineView) }),
  'machines.get': command({
    doc: 'One machine, by id or name.',
    since: '0.1',
    args: byId,
    returns: MachineView,
    errors: [{ class: 'NotFound', when: 'no machine has that id or name' }],
  }),
  'machines.create': command({
    doc: 'Creates a machine; name, engine and memory are required, the rest default from the OS. Media paths are added to the media library and put in the drives.',
    since: '0.1',
    args: s.object({
      ...machineConfigFields,
      name: s.required(s.string({ minLength: 1, maxLength: 100 })),
      engine: s.required(engineId),
      cdrom: s.optional(s.string({ minLength: 1 }), 'Path of an ISO to put in the CD drive.'),
      floppy: s.optional(s.string({ minLength: 1 }), 'Path of a floppy image to put in the floppy drive.'),
      diskMib: s.optional(s.integer({ min: 1, max: 16 << 20 }), 'Size of a new qcow2 hard disk to create and attach; none when absent.'),
    }),
    returns: MachineView,
    errors: [
      { class: 'Conflict', when: 'the name is taken' },
      { class: 'InvalidArgument', when: 'a value breaks the engine\'s limits or a media path is not a file' },
    ],
  }),
  'machines.update': command({
    doc: 'Changes a machine\'s configuration. A running machine keeps its old hardware until it is powered off.',
    since: '0.1',
    args: s.object({ id: s.required(id), patch: s.required(s.object(machineConfigFields)) }),
    returns: MachineView,
    errors: [{ class: 'NotFound', when: 'no such machine' }, { class: 'Conflict', when: 'the new name is taken' }],
  }),
  'machines.delete': command({
    doc: 'Deletes a machine (its disks too unless keepFiles). A running machine must be powered off first.',
    since: '0.1',
    args: s.object({ id: s.required(id), keepFiles: s.optional(s.boolean()) }),
    returns: s.object({ id: s.required(s.string()) }),
    errors: [{ class: 'NotFound', when: 'no such machine' }, { class: 'Conflict', when: 'the machine is running' }],
  }),
  'media.list': command({ doc: 'Lists the media library.', since: '0.1', args: empty, returns: s.array(mediaView) }),
  'media.add': command({
    doc: 'Adds a media file (ISO, floppy or disk image) to the library.',
    since: '0.1',
    args: s.object({ path: s.required(s.string({ minLength: 1 })) }),
    returns: mediaView,
    errors: [{ class: 'InvalidArgument', when: 'the path is not a readable media file' }],
  }),
  'os.detect': command({
    doc: 'Detects the OS on install media and proposes machine defaults.',
    since: '0.1',
    args: s.object({ path: s.required(s.string({ minLength: 1 })) }),
    returns: s.object({ detection: s.required(s.any()), proposal: s.required(s.any()) }),
  }),
  'os.list': command({
    doc: 'The OS catalog (osinfo plus Hangar\'s own entries) with recommended memory and disk.',
    since: '0.1',
    args: empty,
    returns: s.array(
      s.object(
        {
          id: s.required(s.string()),
          name: s.required(s.string()),
          family: s.required(s.string()),
          memory: s.required(s.object({ minimumMib: s.required(s.integer()), recommendedMib: s.required(s.integer()) })),
          disk: s.required(s.object({ minimumBytes: s.required(s.number()), recommendedBytes: s.required(s.number()) })),
        },
        { allowUnknown: true },
      ),
    ),
  }),
  'engines.query': command({
    doc: 'Which engines can run on this host.',
    since: '0.1',
    args: empty,
    returns: s.object({ v86Available: s.required(s.boolean()), qemuAvailable: s.required(s.boolean()), qemuPath: s.optional(s.string()) }),
  }),
  'vm.start': command({
    doc: 'Starts the machine\'s engine and runs the guest.',
    since: '0.1',
    args: byId,
    returns: MachineView,
    errors: [
      { class: 'Conflict', when: 'the machine is already running' },
      { class: 'EngineFailed', when: 'the engine could not start (the reason is in desc)' },
      { class: 'Timeout', when: 'the engine did not answer in time' },
    ],
  }),
  'vm.pause': command({ doc: 'Pauses the guest.', since: '0.1', args: byId, returns: empty }),
  'vm.resume': command({ doc: 'Resumes a paused guest.', since: '0.1', args: byId, returns: empty }),
  'vm.reset': command({ doc: 'Resets the guest (like the reset button).', since: '0.1', args: byId, returns: empty }),
  'vm.powerdown': command({ doc: 'Asks the guest to shut down (ACPI power button).', since: '0.1', args: byId, returns: empty }),
  'vm.poweroff': command({ doc: 'Stops the engine at once (pulling the plug).', since: '0.1', args: byId, returns: empty }),
  'vm.status': command({
    doc: 'The engine\'s run state (QEMU RunState) of a running machine.',
    since: '0.1',
    args: byId,
    returns: s.object({ status: s.required(s.string()), running: s.required(s.boolean()) }),
    errors: [{ class: 'Unavailable', when: 'the machine is not running' }],
  }),
  'vm.eject': command({
    doc: 'Ejects the media in a slot of a running machine.',
    since: '0.1',
    args: s.object({ id: s.required(id), slot: s.required(slot), force: s.optional(s.boolean()) }),
    returns: empty,
  }),
  'vm.insert': command({
    doc: 'Inserts a media file in a slot of a running machine.',
    since: '0.1',
    args: s.object({ id: s.required(id), slot: s.required(slot), path: s.required(s.string({ minLength: 1 })) }),
    returns: empty,
  }),
  'vm.send-keys': command({
    doc: 'Presses a key combination (QKeyCode names, e.g. ["ctrl","alt","delete"]).',
    since: '0.1',
    args: s.object({ id: s.required(id), keys: s.required(s.array(s.string({ minLength: 1 }), { maxItems: 16 })) }),
    returns: empty,
  }),
  'vm.type-text': command({
    doc: 'Types a string as keystrokes.',
    since: '0.1',
    args: s.object({ id: s.required(id), text: s.required(s.string({ maxLength: 65536 })) }),
    returns: s.any(),
  }),
  'vm.screenshot': command({
    doc: 'A PNG of the guest screen, base64.',
    since: '0.1',
    args: byId,
    returns: s.object({ png: s.required(s.string(), 'Base64 of the PNG.') }),
  }),
  'vm.execute': command({
    doc: 'Runs any engine protocol command on a running machine (QMP name and arguments).',
    since: '0.1',
    args: s.object({ id: s.required(id), command: s.required(s.string({ minLength: 1 })), arguments: s.optional(s.record(s.any())) }),
    returns: s.any(),
  }),
  'settings.get': command({
    doc: 'Reads an app setting.',
    since: '0.1',
    args: s.object({ key: s.required(s.string({ minLength: 1, maxLength: 200 })) }),
    returns: s.object({ key: s.required(s.string()), value: s.required(s.any()) }),
  }),
  'settings.set': command({
    doc: 'Writes an app setting (any JSON value).',
    since: '0.1',
    args: s.object({ key: s.required(s.string({ minLength: 1, maxLength: 200 })), value: s.required(s.any()) }),
    returns: empty,
  }),
} as const;

export const apiEvents = {
  MACHINE_STATE: event({
    doc: 'A machine\'s run state changed (started, paused, resumed, stopped, crashed with a reason).',
    since: '0.1',
    data: s.object({ id: s.required(s.string()), state: s.required(machineState), reason: s.optional(s.string()) }),
  }),
  LIBRARY_CHANGED: event({
    doc: 'A library row changed (machine, media, snapshot, setting).',
    since: '0.1',
    data: s.object({
      entity: s.required(s.string()),
      action: s.required(s.string()),
      id: s.optional(s.string()),
      machineId: s.optional(s.string()),
    }),
  }),
} as const;

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
