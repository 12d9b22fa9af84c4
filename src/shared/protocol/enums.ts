/**
 * The small closed sets of names both protocols, the library, the core, the CLI and the
 * renderer share: defined once here so a spelling (`COM1` vs `com1`) cannot drift between them.
 * The schemas build their enumerations from these lists; the types are derived from them.
 */

/** Emulator backends that run a guest. */
export const engineKinds = ['v86', 'qemu'] as const;
export type EngineKindName = (typeof engineKinds)[number];

/** Removable-media slots: the CD drive and the floppy drive (engine block device ids too). */
export const driveSlots = ['cd0', 'fd0'] as const;
export type DriveSlotName = (typeof driveSlots)[number];

/** Every state the app reports for a machine (the supervisor's view of its engine). */
export const machineStateNames = ['stopped', 'starting', 'running', 'paused', 'shutdown', 'crashed', 'stopping'] as const;
export type MachineStateName = (typeof machineStateNames)[number];

/** Devices the firmware may boot from. */
export const bootDevices = ['cdrom', 'floppy', 'disk'] as const;
export type BootDeviceName = (typeof bootDevices)[number];

/** Emulated graphics adapters. */
export const displayDevices = ['std', 'virtio', 'vmware', 'cirrus'] as const;
export type DisplayDeviceName = (typeof displayDevices)[number];

/** Directions in which clipboard contents flow between host and guest. */
export const clipboardModes = ['off', 'host-to-guest', 'guest-to-host', 'bidirectional'] as const;
export type ClipboardModeName = (typeof clipboardModes)[number];

/** Disk image formats the library stores (never guessed from the file). */
export const diskFormats = ['raw', 'qcow2'] as const;
export type DiskFormatName = (typeof diskFormats)[number];

/**
 * Serial ports an engine emulates, named as QEMU names them in its documentation and as the
 * guest's firmware calls them (`SERIAL_OUTPUT.port`).
 */
export const serialPorts = ['COM1'] as const;
export type SerialPortName = (typeof serialPorts)[number];
/** The serial port the console uses. */
export const consoleSerialPort: SerialPortName = 'COM1';

/** Whether `value` is one of `names` (narrows it to that union). */
export function isOneOf<const T extends string>(names: readonly T[], value: unknown): value is T {
  return names.some((name) => name === value);
}
