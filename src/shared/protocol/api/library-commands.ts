/**
 * The app API's library commands: machines, media, watched folders, OS detection, engines, settings and the library's own status.
 */
import { command } from '../definitions.js';
import { s } from '../schema.js';
import { diskFormats } from '../enums.js';
import { byId, empty, engineId, folderView, id, machineConfigFields, MachineView, mediaView, slot } from './views.js';

export const libraryCommands = {
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
    doc: 'Detects the OS on install media and proposes machine defaults. detection: the osinfo entry (id, name, family, memory, disk) with match (exact, similar, builtin, none), arch (x86_64, i686, … or null) and archSource {from: volume-id | disk-info | boot-files | el-torito | osinfo, evidence}, and closestKnown {id, name} when the medium is a release newer than the OS database (name is then the medium\'s own, e.g. "Debian 12"). proposal: machine (engine, memoryMib, cpus, …), diskBytes, notes (the first says why that engine, given the architecture and whether QEMU is installed).',
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
    doc: 'The end of a machine\'s engine log (`machines/<id>/logs/engine.log`: the engine\'s output with a timestamp per line, QEMU\'s command line, stderr and the accelerator chosen with why, a line when the engine started and when it exited with why, each run state change, engine event (media, reset, power, jobs, I/O errors), command that changes the machine and command the engine refused), or with `log: "serial"` of its serial log (`logs/serial.log`: the guest\'s COM1 output with a timestamp per line, kept while the machine\'s serial port setting is "console"). The current file only (at most its last MiB); each is rotated at 1 MiB into NAME.log.1 … NAME.log.3. A crash reason names the engine log. CLI `hangar logs NAME [--lines N] [--follow] [--serial]`.',
    since: '0.4',
    args: s.object({
      id: s.required(id),
      lines: s.optional(s.integer({ min: 1, max: 100_000 }), 'Only the last N lines; the whole current file when absent.'),
      log: s.optional(s.enumeration(['engine', 'serial'] as const), 'Which log: the engine log (default) or the serial log.', '0.7'),
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
