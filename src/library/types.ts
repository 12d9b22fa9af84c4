/**
 * Types of the VM library: machine configuration, drives, disks, media, snapshots, settings.
 * Plain data; every repository function takes and returns these shapes. The closed name sets
 * (engines, slots, devices, modes, formats) are the protocol's, defined once in
 * src/shared/protocol/enums.ts.
 */
import { bootDevices, clipboardModes, diskFormats, displayDevices, driveSlots, engineKinds } from '../shared/protocol/enums.js';
import type { NetworkInput, NetworkSettings } from '../shared/network-settings.js';
import type { ShareInput, ShareSetting } from '../shared/share-settings.js';
import type { BootDeviceName, ClipboardModeName, DiskFormatName, DisplayDeviceName, DriveSlotName, EngineKindName } from '../shared/protocol/enums.js';

/** Which emulator backend runs a machine. */
export type EngineId = EngineKindName;
export const engineIds: readonly EngineId[] = engineKinds;

/** A device the firmware may boot from. */
export type BootDevice = BootDeviceName;
export { bootDevices };

/** Emulated graphics adapter. */
export type DisplayDevice = DisplayDeviceName;
export { displayDevices };

/** Direction(s) in which clipboard contents flow between host and guest. */
export type ClipboardMode = ClipboardModeName;
export { clipboardModes };

/** Disk image format. */
export type DiskFormat = DiskFormatName;
export { diskFormats };

/** Bus a hard disk is attached to. */
export type DiskBus = 'ide' | 'virtio' | 'sata' | 'scsi';
export const diskBuses: readonly DiskBus[] = ['ide', 'virtio', 'sata', 'scsi'];

/** Removable-media slots. */
export type DriveSlot = DriveSlotName;
export { driveSlots };

/** The editable hardware and behaviour settings of a machine. */
export interface MachineConfig {
  /** Display name, unique in the library (1–100 characters, trimmed). */
  name: string;
  /** osinfo OS id (e.g. "http://debian.org/debian/11"), or one of Hangar's own: "other", "grub". */
  osId: string;
  /**
   * The OS's own name when it is a release newer than the OS database knows ("Debian 12", kept
   * with Debian 11's osId and defaults); null: the database's name for osId applies.
   */
  osName: string | null;
  engine: EngineId;
  memoryMib: number;
  cpus: number;
  bootOrder: BootDevice[];
  displayDevice: DisplayDevice;
  clipboardMode: ClipboardMode;
  /** Instruction-rate cap in MIPS; null means no limit. */
  speedLimitMips: number | null;
  /** QEMU only: use TCG even when KVM is available. */
  forceTcg: boolean;
  serialEnabled: boolean;
  notes: string;
  /** Network card and port forwards; the MAC is generated once at create and kept. */
  network: NetworkSettings;
  /** Host folders served to the guest over 9P; the first one's mount tag is host9p. */
  shares: ShareSetting[];
}

/** Input to create a machine: name, osId and engine are required, the rest default sensibly. */
export type MachineInput = Pick<MachineConfig, 'name' | 'osId' | 'engine'> & Omit<Partial<MachineConfig>, 'network' | 'shares'> & { network?: NetworkInput; shares?: ShareInput[] };

/** A partial update of a machine's configuration. */
export type MachinePatch = Omit<Partial<MachineConfig>, 'network' | 'shares'> & { network?: NetworkInput; shares?: ShareInput[] };

/** A hard disk attached to a machine. */
export interface Disk {
  id: string;
  machineId: string;
  /** Absolute path of the image (inside machines/<id>/disks/ for disks the library created). */
  path: string;
  format: DiskFormat;
  /** Virtual size in bytes. */
  sizeBytes: number;
  bus: DiskBus;
  /** Order on the bus, 0-based. */
  position: number;
}

/** Input to attach a disk. */
export interface DiskInput {
  path: string;
  format: DiskFormat;
  sizeBytes: number;
  bus?: DiskBus;
}

/** Removable drives: each slot holds a media id or is empty. */
export type Drives = Record<DriveSlot, string | null>;

/** A machine as stored. */
export interface Machine extends MachineConfig {
  id: string;
  createdAt: string;
  updatedAt: string;
  drives: Drives;
  disks: Disk[];
  /** Id of the snapshot the machine's current state descends from, or null. */
  currentSnapshotId: string | null;
}

/** A short row for lists (no drives/disks joined). */
export interface MachineSummary {
  id: string;
  name: string;
  osId: string;
  /** As MachineConfig.osName. */
  osName: string | null;
  engine: EngineId;
  memoryMib: number;
  cpus: number;
  updatedAt: string;
}

/** Kind of a media file. */
export type MediaKind = 'iso' | 'floppy' | 'disk';

/** A registered media file. */
export interface Media {
  id: string;
  path: string;
  kind: MediaKind;
  sizeBytes: number;
  volumeLabel: string | null;
  /** Detected OS id ("other" when unknown), null when detection has not run. */
  osId: string | null;
  osName: string | null;
  present: boolean;
  /** Watched folder it was found in, or null when added by hand. */
  folderId: string | null;
  addedAt: string;
  lastSeenAt: string | null;
}

/** A folder whose media files are tracked automatically. */
export interface WatchedFolder {
  id: string;
  path: string;
  /** The library's own media folder; cannot be removed. */
  isDefault: boolean;
}

/** A snapshot in a machine's snapshot tree. */
export interface Snapshot {
  id: string;
  machineId: string;
  parentId: string | null;
  name: string;
  description: string;
  createdAt: string;
  /** Path of the state file relative to the machine folder. */
  stateFile: string;
  /** Size in bytes of the state file when committed (reconcile checks it). */
  stateSize: number;
  /** Disk overlay files, relative to the machine folder, base first. */
  diskChain: string[];
  engine: EngineId;
  engineVersion: string;
  /** The machine configuration the snapshot was taken with. */
  config: MachineConfig;
  /** True when this is the machine's current snapshot. */
  isCurrent: boolean;
  /** False after reconcile found the state file missing or truncated. */
  intact: boolean;
}

/** Change notification emitted by the Library. */
export interface LibraryChange {
  entity: 'machine' | 'media' | 'snapshot' | 'folder' | 'setting';
  action: 'added' | 'updated' | 'removed';
  id: string;
  /** The machine a snapshot belongs to. */
  machineId?: string;
}

/** Result across process boundaries. */
export type Result<T> = { ok: true; value: T } | { ok: false; error: { class: string; desc: string } };
