/**
 * The renderer's view of app-API data (src/shared/protocol/api). The API's wire shapes are
 * mapped into these in platform/api-mapping.ts, so components never see the wire format. The
 * closed name sets are the protocol's own (src/shared/protocol/enums.ts).
 */
import type { ShareSetting } from '../../shared/share-settings.js';
import type { BootDeviceName, ClipboardModeName, DisplayDeviceName, DriveSlotName, EngineKindName, MachineStateName } from '../../shared/protocol/enums.js';

/** Which emulator backend runs a guest. */
export type EngineKind = EngineKindName;

/** When the guest clipboard may be read or written. Off by default. */
export type ClipboardMode = ClipboardModeName;

/** What the app knows about a machine's engine (the API's MachineState). */
export type MachineState = MachineStateName;

/** Boot devices in order. */
export type BootDevice = BootDeviceName;

/** A removable or fixed drive of a machine. */
export interface DriveConfig {
  /** `cd0` / `fd0` for the removable slots, the disk id for hard disks. */
  readonly id: string;
  readonly kind: 'disk' | 'cdrom' | 'floppy';
  /** For disks, the image file; for CD/floppy, the inserted medium (undefined = empty). */
  readonly path?: string;
  readonly sizeMiB?: number;
  /** The medium's library id (CD/floppy). */
  readonly mediaId?: string;
  /** False when the file is gone (shown as missing, never silently dropped). */
  readonly present?: boolean;
}

/** One port forward: connections to hostAddress:hostPort on the host reach the guest's guestPort. */
export interface PortForward {
  readonly protocol: 'tcp' | 'udp';
  /** 127.0.0.1 (this computer only) unless the user chose another address. */
  readonly hostAddress: string;
  readonly hostPort: number;
  readonly guestPort: number;
  readonly name?: string;
}

/** A machine's network card and port forwards (the API's `network`). */
export interface NetworkConfig {
  /** nat: outside network through the host; isolated: forwards only; none: no card. */
  readonly mode: 'nat' | 'isolated' | 'none';
  /** `auto` or one of the engine's NIC models. */
  readonly model: string;
  readonly mac: string;
  /** The cable. */
  readonly connected: boolean;
  readonly forwards: readonly PortForward[];
}

/** A forward as `vm.network` reports it: active or failed (with why) in the running engine, or only stored. */
export interface ForwardState extends PortForward {
  readonly status: 'active' | 'failed' | 'stored';
  readonly error?: string;
}

/** A machine's network as `vm.network` reports it (the engine's view while it runs). */
export interface NetworkStatus {
  readonly mode: NetworkConfig['mode'];
  readonly model: string;
  readonly mac: string;
  readonly connected: boolean;
  readonly running: boolean;
  readonly available: boolean;
  readonly reason?: string;
  readonly forwards: readonly ForwardState[];
  /** Frame counters of the running engine, when it counts them. */
  readonly rxFrames?: number;
  readonly txFrames?: number;
}

/** A machine's editable configuration. */
export interface MachineConfig {
  readonly name: string;
  readonly osId: string;
  readonly engine: EngineKind;
  readonly memoryMiB: number;
  readonly cpus: number;
  readonly bootOrder: readonly BootDevice[];
  readonly forceTcg: boolean;
  /** Guest instruction rate cap in MIPS; 0 = unlimited. */
  readonly speedLimitMips: number;
  readonly displayDevice: DisplayDeviceName;
  readonly scaling: 'fit' | 'native' | 'integer';
  readonly drives: readonly DriveConfig[];
  readonly serial: 'off' | 'console';
  readonly clipboard: ClipboardMode;
  readonly network: NetworkConfig;
  /** Host folders served to the guest over 9P (the first under the tag host9p). */
  readonly shares: readonly ShareSetting[];
}

/** What to create: the configuration, a new disk (0 = none) and the install media. */
export interface CreateMachineRequest {
  readonly config: MachineConfig;
  readonly diskMiB: number;
  readonly cdromPath?: string;
  readonly floppyPath?: string;
}

/** A machine as the manager lists it. */
export interface MachineSummary {
  readonly id: string;
  readonly config: MachineConfig;
  readonly state: MachineState;
  /** Why the machine crashed (or what it last reported). */
  readonly reason?: string;
  /** Display name of the OS, when known. */
  readonly osName?: string;
  /** Icon hint of the OS (distro or family), when known. */
  readonly osIcon?: string;
  /** Snapshot the current state descends from. */
  readonly currentSnapshotId?: string | null;
  /** PNG data URL of the last screen, when one exists. */
  readonly thumbnail?: string;
}

/** One row of the snapshot table. */
export interface SnapshotRow {
  readonly id: string;
  readonly parentId: string | null;
  readonly name: string;
  readonly description: string;
  /** Milliseconds since the epoch. */
  readonly createdAt: number;
  readonly thumbnail?: string;
  /** Whether this engine and configuration can load it, and why not. */
  readonly loadable: boolean;
  readonly problem?: string;
  readonly engine?: string;
  readonly sizeBytes?: number;
  readonly hasThumbnail?: boolean;
}

/** An operating system the wizard can pick, with its recommendations (from osinfo). */
export interface OsChoice {
  readonly id: string;
  readonly name: string;
  /** 16 for DOS-era, 32 or 64 when known; decides the engine. */
  readonly bits?: 16 | 32 | 64;
  /** osinfo architecture (x86_64, i686, aarch64, …) when a medium told it. */
  readonly arch?: string;
  readonly family?: string;
  /** Below this the OS fails to start (osinfo's minimum); the wizard warns. */
  readonly minimumMemoryMiB?: number;
  readonly recommendedMemoryMiB: number;
  readonly recommendedDiskMiB: number;
  /** For a release newer than the OS database: the known entry whose defaults apply. */
  readonly closestKnown?: string;
}

/** An item of the media library. */
export interface MediaItem {
  readonly id: string;
  readonly path: string;
  readonly kind: 'cdrom' | 'floppy' | 'disk';
  readonly sizeBytes: number;
  readonly present: boolean;
  readonly osId?: string;
  readonly osName?: string;
  readonly label?: string;
}

/** Progress of a long operation (disk creation, snapshot save/restore, typing). */
export interface Progress {
  readonly machineId?: string;
  readonly operation: string;
  readonly fraction: number;
  readonly done: boolean;
  readonly error?: string;
}

/** What the OS detection of a medium says, with the proposal for a new machine. */
export interface DetectedOs {
  readonly osId: string;
  readonly name: string;
  readonly bits?: 16 | 32 | 64;
  /** osinfo architecture of the medium, when known. */
  readonly arch?: string;
  /** Where the architecture was read, e.g. `the volume id "Debian 11.7.0 i386 n"`. */
  readonly archEvidence?: string;
  readonly family?: string;
  /** For a release newer than the OS database: the name of the known entry whose defaults apply. */
  readonly closestKnown?: string;
  readonly minimumMemoryMiB?: number;
  readonly recommendedMemoryMiB?: number;
  /** Why a machine will not boot from the disc (no boot record, UEFI only). */
  readonly bootProblem?: string;
  readonly engine: EngineKind;
  readonly memoryMiB: number;
  readonly cpus: number;
  readonly diskMiB: number;
  readonly notes: readonly string[];
}

/** A removable-media slot: the CD drive or the floppy drive. */
export type DriveSlot = DriveSlotName;

/** A folder whose media files join the library and follow the disk. */
export interface WatchedFolder {
  readonly path: string;
  /** The library's own media folder (cannot be removed). */
  readonly isDefault: boolean;
}
