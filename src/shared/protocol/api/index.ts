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
import { bootDevices, clipboardModes, diskFormats, displayDevices, driveSlots, engineKinds, machineStateNames } from '../enums.js';

/** The API's version (bumped when entries are added). */
export const apiProtocolVersion = '0.4';

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

const engineId = s.named('EngineId', s.enumeration(engineKinds, 'Which emulator backend runs a machine.'));
const bootDevice = s.enumeration(bootDevices);
/** Every state the API reports for a machine (defined in ../enums.ts). */
export { machineStateNames };
const machineState = s.named('MachineState', s.enumeration(machineStateNames, 'What the app knows about a machine\'s engine.'));
const slot = s.named('DriveSlot', s.enumeration(driveSlots, 'A removable-media slot: the CD drive or the floppy drive.'));
const id = s.string({ minLength: 1, maxLength: 200, doc: 'A machine id (or, where accepted, its name).' });

/** A machine's editable configuration (all fields optional in updates). */
const machineConfigFields = {
  name: s.optional(s.string({ minLength: 1, maxLength: 100 }), 'Display name, unique in the library.'),
  osId: s.optional(s.string({ minLength: 1, maxLength: 300 }), 'osinfo OS id, or "other" / "grub".'),
  engine: s.optional(engineId),
  memoryMib: s.optional(s.integer({ min: 1, max: 1 << 20 })),
  cpus: s.optional(s.integer({ min: 1, max: 256 })),
  bootOrder: s.optional(s.array(bootDevice, { maxItems: 3 })),
  displayDevice: s.optional(s.enumeration(displayDevices)),
  clipboardMode: s.optional(s.enumeration(clipboardModes)),
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
      qmpSocket: s.optional(s.string(), 'Path of the running engine\'s QMP UNIX socket (for outside QMP tools).', '0.2'),
      currentSnapshotId: s.optional(s.any('Id of the snapshot the machine\'s state descends from, or null.')),
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
const snapshotId = s.string({ minLength: 1, maxLength: 200, doc: 'A snapshot id (or, where accepted, its name when that is unique for the machine).' });

/** A snapshot as the API shows it (one node of a machine's snapshot tree). */
export const SnapshotView = s.named(
  'Snapshot',
  s.object({
    id: s.required(s.string()),
    machineId: s.required(s.string()),
    parentId: s.required(s.any('The parent snapshot id, or null for a root.')),
    name: s.required(s.string()),
    description: s.required(s.string()),
    createdAt: s.required(s.string(), 'ISO 8601 time the snapshot was taken.'),
    hasThumbnail: s.required(s.boolean()),
    engine: s.required(engineId),
    sizeBytes: s.optional(s.integer({ min: 0 }), 'Bytes of saved state on disk, when known.'),
  }),
);
/** A watched media folder. */
const folderView = s.named('WatchedFolder', s.object({ path: s.required(s.string()), id: s.optional(s.string()), isDefault: s.optional(s.boolean()) }));
const png = s.object({ png: s.required(s.string(), 'Base64 of a PNG image.') });

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
      diskMib: s.optional(s.integer({ min: 1, max: 16 << 20 }), 'Size of a new qcow2 hard disk to create and attach; none when absent. Progress arrives as PROGRESS events (operation "disk-create").'),
      diskPath: s.optional(s.string({ minLength: 1 }), 'Path of an existing disk image (raw or qcow2) to attach instead of creating one.', '0.2'),
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
      { class: 'Unavailable', when: 'a hard disk is damaged or does not match its stored format; nothing is written to it and desc names the check to run (machines.check-disk)' },
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
    doc: 'Writes an app setting (any JSON value). The core acts on `app.quitAction`: "save" saves machines still running when the app closes, and their next vm.start resumes from there.',
    since: '0.1',
    args: s.object({ key: s.required(s.string({ minLength: 1, maxLength: 200 })), value: s.required(s.any()) }),
    returns: empty,
  }),
  'snapshots.list': command({
    doc: 'A machine\'s snapshot tree: every snapshot (build the tree from parentId) and the current one (the snapshot the running state descends from).',
    since: '0.2',
    args: byId,
    returns: s.object({ snapshots: s.required(s.array(SnapshotView)), currentId: s.required(s.any('Id of the current snapshot, or null.')) }),
    errors: [{ class: 'NotFound', when: 'no such machine' }],
  }),
  'snapshots.take': command({
    doc: 'Takes a snapshot with RAM of a running machine (the guest pauses briefly), with a thumbnail of the screen. PROGRESS events (operation "snapshot-take") report how far it is.',
    since: '0.2',
    args: s.object({ id: s.required(id), name: s.required(s.string({ minLength: 1, maxLength: 200 })), description: s.optional(s.string({ maxLength: 10000 })) }),
    returns: SnapshotView,
    errors: [
      { class: 'Unavailable', when: 'the machine is not running (start it first)' },
      { class: 'EngineFailed', when: 'the engine could not save (the reason is in desc)' },
      { class: 'NoSpace', when: 'the library\'s file system is full (desc names the folder, the free space and what to do; nothing is half-written)' },
      { class: 'Unavailable', when: 'the library\'s own files cannot be written (desc has the I/O error)' },
      { class: 'Conflict', when: 'another snapshot operation on this machine is under way' },
    ],
  }),
  'snapshots.restore': command({
    doc: 'Restores a snapshot: the guest returns to the saved screen, memory and disk. A stopped machine is started from the snapshot. The snapshot becomes current.',
    since: '0.2',
    args: s.object({ id: s.required(id), snapshotId: s.required(snapshotId) }),
    returns: empty,
    errors: [
      { class: 'NotFound', when: 'no such machine or snapshot' },
      { class: 'EngineFailed', when: 'the engine could not load it (the guest is stopped; restore another snapshot or reset)' },
      { class: 'NoSpace', when: 'the library\'s file system is full (desc names the folder, the free space and what to do)' },
      { class: 'Conflict', when: 'another snapshot operation on this machine is under way' },
    ],
  }),
  'snapshots.delete': command({
    doc: 'Deletes a snapshot; its children move up to its parent. The row goes first, then the files.',
    since: '0.2',
    args: s.object({ id: s.required(id), snapshotId: s.required(snapshotId) }),
    returns: empty,
    errors: [{ class: 'NotFound', when: 'no such machine or snapshot' }, { class: 'Conflict', when: 'the engine is using the snapshot' }],
  }),
  'snapshots.inspect': command({
    doc: 'Describes what a snapshot holds without loading it: engine and version, configuration, sections and sizes, and whether this machine can load it (and if not, why).',
    since: '0.2',
    args: s.object({ id: s.required(id), snapshotId: s.required(snapshotId) }),
    returns: s.object(
      {
        id: s.required(s.string()),
        name: s.required(s.string()),
        engine: s.required(s.string()),
        engineVersion: s.optional(s.string()),
        sizeBytes: s.optional(s.integer({ min: 0 })),
        formatVersion: s.optional(s.integer()),
        sections: s.optional(s.array(s.object({ name: s.required(s.string()), size: s.required(s.integer()), rawSize: s.optional(s.integer()) }))),
        configuration: s.optional(s.any()),
        loadable: s.required(s.boolean()),
        reason: s.optional(s.string(), 'Why it cannot be loaded.'),
      },
      { allowUnknown: true },
    ),
    errors: [{ class: 'NotFound', when: 'no such machine or snapshot' }],
  }),
  'snapshots.update': command({
    doc: 'Renames a snapshot or changes its description.',
    since: '0.2',
    args: s.object({
      id: s.required(id),
      snapshotId: s.required(snapshotId),
      name: s.optional(s.string({ minLength: 1, maxLength: 200 })),
      description: s.optional(s.string({ maxLength: 10000 })),
    }),
    returns: SnapshotView,
    errors: [{ class: 'NotFound', when: 'no such machine or snapshot' }],
  }),
  'snapshots.thumbnail': command({
    doc: 'The screen thumbnail stored with a snapshot.',
    since: '0.2',
    args: s.object({ id: s.required(id), snapshotId: s.required(snapshotId) }),
    returns: png,
    errors: [{ class: 'NotFound', when: 'no such snapshot, or it has no thumbnail' }],
  }),
  'media.remove': command({
    doc: 'Removes a media file from the library (the file itself stays). Drives holding it become empty.',
    since: '0.2',
    args: byId,
    returns: empty,
    errors: [{ class: 'NotFound', when: 'no media has that id (or path)' }],
  }),
  'folders.list': command({ doc: 'The watched media folders.', since: '0.2', args: empty, returns: s.array(folderView) }),
  'folders.add': command({
    doc: 'Watches a folder: media files in it join the library and follow the disk (added, removed, renamed).',
    since: '0.2',
    args: s.object({ path: s.required(s.string({ minLength: 1 })) }),
    returns: folderView,
    errors: [{ class: 'InvalidArgument', when: 'the path is not a folder' }],
  }),
  'folders.remove': command({
    doc: 'Stops watching a folder (its media stay in the library).',
    since: '0.2',
    args: s.object({ path: s.required(s.string({ minLength: 1 })) }),
    returns: empty,
    errors: [{ class: 'NotFound', when: 'the folder is not watched' }, { class: 'InvalidArgument', when: 'it is the library\'s own media folder' }],
  }),
  'vm.speed-limit': command({
    doc: 'Caps the guest\'s speed in MIPS (0: no limit) and stores it in the machine\'s configuration; applied at once when running.',
    since: '0.2',
    args: s.object({ id: s.required(id), mips: s.required(s.integer({ min: 0, max: 100000 })) }),
    returns: empty,
  }),
  'vm.clipboard-mode': command({
    doc: 'Sets the machine\'s clipboard sharing mode (stored; a running QEMU machine picks up on/off at its next start).',
    since: '0.2',
    args: s.object({ id: s.required(id), mode: s.required(s.enumeration(clipboardModes)) }),
    returns: empty,
  }),
  'vm.thumbnail': command({
    doc: 'A small PNG of the guest screen (for a live thumbnail).',
    since: '0.2',
    args: s.object({ id: s.required(id), maxWidth: s.optional(s.integer({ min: 16, max: 4096 }), 'Widest thumbnail wanted; default 160.') }),
    returns: png,
    errors: [{ class: 'Unavailable', when: 'the machine is not running' }],
  }),
  'vm.serial-write': command({
    doc: 'Sends bytes to a running machine\'s serial port COM1 (what the guest reads from its serial console).',
    since: '0.3',
    args: s.object({
      id: s.required(id),
      data: s.required(s.string({ maxLength: 1 << 20 })),
      format: s.optional(s.enumeration(['utf8', 'base64'] as const), 'Encoding of `data`; default utf8.'),
    }),
    returns: s.object({ written: s.required(s.integer({ min: 0 }), 'Bytes sent.') }),
    errors: [
      { class: 'Unavailable', when: 'the machine is not running' },
      { class: 'InvalidArgument', when: 'data is not valid base64 (format "base64")' },
    ],
  }),
  'vm.serial-backlog': command({
    doc: 'The recent output of a machine\'s serial port COM1 (the last 64 KiB since its engine started), so a console opened later shows it; SERIAL_OUTPUT events carry what follows. Empty for a machine that never ran in this app session.',
    since: '0.3',
    args: byId,
    returns: s.object({ data: s.required(s.string(), 'Base64 of the bytes.') }),
    errors: [{ class: 'NotFound', when: 'no such machine' }],
  }),
  'machines.set-drive': command({
    doc: 'Puts media in a machine\'s CD or floppy drive, or empties it (path null). The drive row is stored; on a running machine the engine also changes (or ejects) the medium at once, so it is one call for both. `path` is a file path (added to the media library) or a media id.',
    since: '0.3',
    args: s.object({
      id: s.required(id),
      slot: s.required(slot),
      path: s.required(s.any('A media file path or media id, or null to empty the drive.')),
    }),
    returns: MachineView,
    errors: [
      { class: 'NotFound', when: 'no such machine' },
      { class: 'InvalidArgument', when: 'the file is missing, a directory, empty, or not the kind of image the drive takes' },
      { class: 'EngineFailed', when: 'the running engine refused the change (the stored drive is left as it was)' },
    ],
  }),
  'machines.check-disk': command({
    doc: 'Checks a machine\'s hard disks: the header against the stored format, then `qemu-img check` for qcow2; with `repair`, `qemu-img check -r leaks` (free leaked clusters) or `-r all` (also fix errors; back the image up first). A machine whose disk is damaged refuses to start and names this check (CLI `hangar disk check NAME [--repair]`). A running machine\'s disks are checked read-only and cannot be repaired.',
    since: '0.4',
    args: s.object({
      id: s.required(id),
      drive: s.optional(s.string({ minLength: 1, maxLength: 200 }), 'Which disk: hd0, hd1… or a disk id; all of them when absent.'),
      repair: s.optional(s.enumeration(['leaks', 'all'] as const), 'Repair what qemu-img can: leaked clusters, or everything.'),
    }),
    returns: s.object({
      id: s.required(s.string(), 'The machine id.'),
      disks: s.required(
        s.array(
          s.object({
            drive: s.required(s.string(), 'hd0, hd1…'),
            diskId: s.required(s.string()),
            path: s.required(s.string()),
            format: s.required(s.enumeration(diskFormats), 'The format the library stores for the disk (never guessed).'),
            ok: s.required(s.boolean(), 'True when the disk can be used: a sound header and no errors (leaked clusters are harmless).'),
            checked: s.required(s.boolean(), 'False when only the header could be checked (raw images, or qemu-img missing).'),
            corruptions: s.required(s.integer({ min: 0 }), 'Errors qemu-img found (after the repair, with `repair`).'),
            leaks: s.required(s.integer({ min: 0 }), 'Leaked clusters left: wasted space, no harm to data.'),
            headerProblem: s.optional(s.string(), 'What is wrong with a damaged header; qemu-img cannot repair it.'),
            leaksFixed: s.optional(s.integer({ min: 0 })),
            corruptionsFixed: s.optional(s.integer({ min: 0 })),
            detail: s.required(s.string(), 'qemu-img\'s findings, shortened.'),
            advice: s.required(s.string(), 'What to do next.'),
          }),
        ),
      ),
    }),
    errors: [
      { class: 'NotFound', when: 'no such machine or disk' },
      { class: 'Conflict', when: 'repair was asked for a running machine, or another QEMU holds the disk\'s lock' },
      { class: 'NotSupported', when: 'repair was asked for a disk whose header is damaged (nothing is changed)' },
    ],
  }),
  'machines.logs': command({
    doc: 'The end of a machine\'s engine log (`machines/<id>/logs/engine.log`: the engine\'s output with a timestamp per line, QEMU\'s command line and errors, a line when the engine started and when it exited with why). The current file only (at most its last MiB); it is rotated at 1 MiB into engine.log.1 … engine.log.3. A crash reason names this file. CLI `hangar logs NAME [--lines N] [--follow]`.',
    since: '0.4',
    args: s.object({
      id: s.required(id),
      lines: s.optional(s.integer({ min: 1, max: 100_000 }), 'Only the last N lines; the whole current file when absent.'),
    }),
    returns: s.object({
      path: s.required(s.string(), 'The log file (it need not exist yet).'),
      text: s.required(s.string(), 'The log\'s text; empty when the machine has not run since logs were kept.'),
    }),
    errors: [
      { class: 'NotFound', when: 'no such machine' },
      { class: 'Unavailable', when: 'the log file exists but cannot be read' },
    ],
  }),
  'library.status': command({
    doc: 'The open library: its folder and what opening it fixed, undid or would not touch (permissions tightened, an interrupted create or delete cleaned, database findings). The same lines went to the core\'s stderr once at open.',
    since: '0.4',
    args: empty,
    returns: s.object({
      folder: s.required(s.string(), 'The library folder.'),
      warnings: s.required(s.array(s.string()), 'One sentence per finding; empty when open found nothing to report.'),
    }),
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
  PROGRESS: event({
    doc: 'How far a long operation is (snapshot take/restore, disk creation): fraction 0..1; done once at the end, with error when it failed.',
    since: '0.2',
    data: s.object({
      machineId: s.optional(s.string()),
      operation: s.required(s.string(), 'snapshot-take, snapshot-restore, snapshot-delete or disk-create.'),
      fraction: s.required(s.number({ min: 0, max: 1 })),
      done: s.required(s.boolean()),
      error: s.optional(s.string()),
    }),
  }),
  SERIAL_OUTPUT: event({
    doc: 'Bytes a running machine\'s guest wrote to its serial port COM1 (batched). vm.serial-backlog gives what came before.',
    since: '0.3',
    data: s.object({ id: s.required(s.string(), 'The machine id.'), data: s.required(s.string(), 'Base64 of the bytes.') }),
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
