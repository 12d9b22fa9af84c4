/**
 * The renderer's view of app-API data. These mirror what the app API (issue 7,
 * src/shared/protocol/api) returns; once that schema lands these become aliases of its
 * Infer<> types, and only src/renderer/platform changes.
 */

/** Which emulator backend runs a guest. */
export type EngineKind = 'v86' | 'qemu';

/** When the guest clipboard may be read or written. Off by default. */
export type ClipboardMode = 'off' | 'host-to-guest' | 'guest-to-host' | 'bidirectional';

/** The run state of a machine, as QEMU names it (plus `stopped` when no engine runs). */
export type MachineState = 'stopped' | 'prelaunch' | 'running' | 'paused' | 'shutdown' | 'internal-error' | 'io-error' | 'save-vm' | 'restore-vm';

/** Boot devices in order. */
export type BootDevice = 'disk' | 'cdrom' | 'floppy' | 'network';

/** A removable or fixed drive of a machine. */
export interface DriveConfig {
  readonly id: string;
  readonly kind: 'disk' | 'cdrom' | 'floppy';
  /** For disks, the image file; for CD/floppy, the inserted medium (undefined = empty). */
  readonly path?: string;
  readonly sizeMiB?: number;
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
  /** Guest instructions per second cap in percent of full speed; 0 = unlimited. */
  readonly speedLimitPercent: number;
  readonly displayDevice: 'std' | 'cirrus' | 'virtio' | 'qxl' | 'vmware';
  readonly scaling: 'fit' | 'native' | 'integer';
  readonly drives: readonly DriveConfig[];
  readonly serial: 'off' | 'console';
  readonly clipboard: ClipboardMode;
}

/** A machine as the manager lists it. */
export interface MachineSummary {
  readonly id: string;
  readonly config: MachineConfig;
  readonly state: MachineState;
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
}

/** An operating system the wizard can pick, with its recommendations (from osinfo). */
export interface OsChoice {
  readonly id: string;
  readonly name: string;
  /** 16 for DOS-era, 32 or 64; decides the engine. */
  readonly bits: 16 | 32 | 64;
  readonly recommendedMemoryMiB: number;
  readonly recommendedDiskMiB: number;
}

/** An item of the media library. */
export interface MediaItem {
  readonly id: string;
  readonly path: string;
  readonly kind: 'cdrom' | 'floppy' | 'disk';
  readonly sizeBytes: number;
  readonly present: boolean;
  readonly osId?: string;
}
