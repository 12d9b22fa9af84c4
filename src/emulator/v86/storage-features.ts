/**
 * Installs the storage-side features of a v86 machine: file-backed drives and media commands,
 * snapshots with RAM, the speed limit and the serial console.
 */
import type { V86Machine } from './machine.js';
import { installSerial } from './serial.js';
import type { SerialConsole } from './serial.js';
import { installSnapshots } from './snapshots.js';
import type { V86Snapshots } from './snapshots.js';
import { installSpeedLimit } from './speed-limit.js';
import type { SpeedLimit } from './speed-limit.js';
import { installStorage } from './storage.js';
import type { V86Storage } from './storage.js';

/** The features one machine got (tests and benchmarks reach into them). */
export interface StorageFeatures {
  readonly storage: V86Storage;
  readonly snapshots: V86Snapshots;
  readonly speedLimit: SpeedLimit;
  readonly serial: SerialConsole;
}

const features = new WeakMap<V86Machine, StorageFeatures>();

/** Installs every feature on `machine` (a V86Module). */
export function installStorageFeatures(machine: V86Machine): void {
  const storage = installStorage(machine);
  const snapshots = installSnapshots(machine, storage);
  const speedLimit = installSpeedLimit(machine);
  const serial = installSerial(machine);
  features.set(machine, { storage, snapshots, speedLimit, serial });
}

/** The features installed on `machine`, if any. */
export function storageFeaturesOf(machine: V86Machine): StorageFeatures | undefined {
  return features.get(machine);
}
