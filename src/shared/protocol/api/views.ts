/**
 * Schema pieces the app API's commands and events share: the views of a machine, a medium, a
 * snapshot and a watched folder, and the common argument shapes.
 */
import { s } from '../schema.js';
import { bootDevices, clipboardModes, displayDevices, driveSlots, engineKinds, machineStateNames } from '../enums.js';

export const engineId = s.named('EngineId', s.enumeration(engineKinds, 'Which emulator backend runs a machine.'));
export const bootDevice = s.enumeration(bootDevices);
/** Every state the API reports for a machine (defined in ../enums.ts). */
export const machineState = s.named('MachineState', s.enumeration(machineStateNames, 'What the app knows about a machine\'s engine.'));
export const slot = s.named('DriveSlot', s.enumeration(driveSlots, 'A removable-media slot: the CD drive or the floppy drive.'));
export const id = s.string({ minLength: 1, maxLength: 200, doc: 'A machine id (or, where accepted, its name).' });

const forwardProtocol = s.enumeration(['tcp', 'udp'] as const, 'Transport protocol of the forward.');

/** One stored port forward (the library's ForwardSetting, src/shared/network-settings.ts). */
export const ForwardView = s.named(
  'PortForward',
  s.object({
    protocol: s.optional(forwardProtocol, 'Default tcp.'),
    hostAddress: s.optional(s.string({ maxLength: 64 }), 'IPv4 address the forward listens on; default 127.0.0.1 (this computer only).'),
    hostPort: s.required(s.integer({ min: 1, max: 65535 })),
    guestPort: s.required(s.integer({ min: 1, max: 65535 })),
    name: s.optional(s.string({ maxLength: 100 }), 'A label for people (ssh, web…).'),
  }),
);

/** A machine's network settings; in create and update every field is optional. */
export const networkSettingsFields = {
  mode: s.optional(s.enumeration(['nat', 'isolated', 'none'] as const), 'nat: outside network through the host; isolated: forwards only; none: no network card. Default nat.'),
  model: s.optional(s.string({ minLength: 1, maxLength: 40 }), 'auto, or a NIC model of the engine (QEMU: e1000, rtl8139, ne2k_pci, virtio-net-pci, pcnet; v86: ne2k, virtio).'),
  mac: s.optional(s.string({ maxLength: 17 }), 'Locally administered unicast MAC (aa:bb:cc:dd:ee:ff); generated once at create.'),
  connected: s.optional(s.boolean(), 'The cable; default true.'),
  forwards: s.optional(s.array(ForwardView, { maxItems: 256 }), 'Port forwards; each host address and port once. In an update, the whole list.'),
} as const;

/** One shared folder (the library's ShareSetting, src/shared/share-settings.ts). */
export const ShareView = s.named(
  'SharedFolder',
  s.object({
    hostPath: s.required(s.string({ minLength: 1, maxLength: 4096 }), 'Absolute path of the host folder; it must exist, be a folder and be readable.'),
    name: s.optional(s.string({ minLength: 1, maxLength: 31 }), 'Letters, digits, . _ - (1–31), unique in the machine; default the folder\'s own name. The mount tag of every share but the first (whose tag is host9p).'),
    readOnly: s.optional(s.boolean(), 'Default false; true: the guest\'s writes fail (EROFS).'),
  }),
);

/** A machine's editable configuration (all fields optional in updates). */
export const machineConfigFields = {
  name: s.optional(s.string({ minLength: 1, maxLength: 100 }), 'Display name, unique in the library.'),
  osId: s.optional(s.string({ minLength: 1, maxLength: 300 }), 'osinfo OS id, or "other" / "grub".'),
  osName: s.optional(
    s.string({ maxLength: 100 }),
    'The OS\'s own name when it is a release newer than the OS database knows (osId is then the closest known one); empty: the database\'s name. On create, taken from the CD when it names such a release; an update that changes osId without it drops it.',
    '0.8',
  ),
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
  network: s.optional(s.object(networkSettingsFields), 'Network card and port forwards (fields left out keep their value).', '0.5'),
  shares: s.optional(s.array(ShareView, { maxItems: 16 }), 'Shared folders, served to the guest over 9P (the first one as host9p). In an update, the whole list.', '0.6'),
} as const;

/** A machine as the API shows it: its stored configuration plus its run state. */
export const MachineView = s.named(
  'Machine',
  s.object(
    {
      id: s.required(s.string()),
      name: s.required(s.string()),
      osId: s.required(s.string()),
      osName: s.optional(s.string(), 'The OS\'s own name when the OS database only knows an older release ("Debian 12" with Debian 11\'s osId); absent: the database\'s name for osId.', '0.8'),
      engine: s.required(engineId),
      memoryMib: s.required(s.integer()),
      cpus: s.required(s.integer()),
      state: s.required(machineState),
      reason: s.optional(s.string(), 'Why the machine is crashed (or what it last reported).'),
      qmpSocket: s.optional(s.string(), 'Path of the running engine\'s QMP UNIX socket (for outside QMP tools).', '0.2'),
      currentSnapshotId: s.optional(s.any('Id of the snapshot the machine\'s state descends from, or null.')),
      drives: s.optional(s.record(s.any())),
      network: s.optional(
        s.object({
          mode: s.required(s.enumeration(['nat', 'isolated', 'none'] as const)),
          model: s.required(s.string(), 'auto or the chosen NIC model.'),
          mac: s.required(s.string()),
          connected: s.required(s.boolean(), 'The cable.'),
          forwards: s.required(s.array(ForwardView, { maxItems: 256 })),
        }),
        'The stored network settings.',
        '0.5',
      ),
      shares: s.optional(s.array(ShareView, { maxItems: 16 }), 'The stored shared folders (name and readOnly always present).', '0.6'),
    },
    { allowUnknown: true },
  ),
);
export const mediaView = s.named(
  'Media',
  s.object({ id: s.required(s.string()), path: s.required(s.string()), kind: s.required(s.string()) }, { allowUnknown: true }),
);
export const empty = s.object({});
export const snapshotId = s.string({ minLength: 1, maxLength: 200, doc: 'A snapshot id (or, where accepted, its name when that is unique for the machine).' });

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
export const folderView = s.named('WatchedFolder', s.object({ path: s.required(s.string()), id: s.optional(s.string()), isDefault: s.optional(s.boolean()) }));
export const png = s.object({ png: s.required(s.string(), 'Base64 of a PNG image.') });

export const byId = s.object({ id: s.required(id) });
