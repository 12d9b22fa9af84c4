/**
 * The device plan both engines launch from: a machine configuration checked once (memory, CPUs,
 * boot order, drives and their images) and turned into the devices to create. Each backend
 * maps the plan onto its own terms (QEMU arguments, v86 options) and adds nothing to the rules.
 */
import type { MachineConfig } from '../backend.js';
import { diskImageFormat } from '../disks/disk-format.js';
import { checkImageFile } from '../disks/file-disk.js';
import { checkRemovableMedium } from './medium.js';

/** A device the firmware can boot from. */
export type BootDevice = 'cdrom' | 'floppy' | 'disk';

/** The boot order when the configuration gives none (the library's default too). */
export const defaultBootOrder: readonly BootDevice[] = ['cdrom', 'disk', 'floppy'];

/** Memory a machine may have, in MiB. */
const memoryRange = { min: 1, max: 65_536 } as const;

/** What a machine is launched with. */
export interface DevicePlan {
  readonly memoryMib: number;
  readonly cpus: number;
  /** Devices to try, first first, each once. */
  readonly bootOrder: readonly BootDevice[];
  /** Image in the CD drive at launch (the drive always exists). */
  readonly cdrom?: string;
  /** Image in the floppy drive at launch (the drive always exists). */
  readonly floppy?: string;
  readonly disk?: { readonly path: string; readonly format: 'raw' | 'qcow2' };
}

/** The boot order a configuration asks for: each device once, in order; the default when none. */
export function bootOrderOf(order: MachineConfig['bootOrder']): readonly BootDevice[] {
  if (order === undefined || order.length === 0) return defaultBootOrder;
  for (const device of order) {
    if (!defaultBootOrder.includes(device)) throw new Error(`Unknown boot device ${JSON.stringify(device)}; use cdrom, floppy and disk.`);
  }
  return [...new Set(order)];
}

/**
 * Checks `config` and plans its devices. Throws an Error that names the setting and what to do
 * when the machine cannot be launched as configured (checked here so both engines refuse the
 * same configurations with the same words, before anything starts).
 */
export function planDevices(config: MachineConfig): DevicePlan {
  const { memoryMib } = config;
  if (!Number.isInteger(memoryMib) || memoryMib < memoryRange.min || memoryMib > memoryRange.max) {
    throw new Error(`Memory must be a whole number of MiB from ${memoryRange.min} to ${memoryRange.max}; the machine has ${memoryMib}. Change it in the machine's settings.`);
  }
  const cpus = config.cpus ?? 1;
  if (!Number.isInteger(cpus) || cpus < 1) throw new Error(`The number of CPUs must be a whole number of at least 1; the machine has ${cpus}.`);
  const plan: { -readonly [K in keyof DevicePlan]: DevicePlan[K] } = { memoryMib, cpus, bootOrder: bootOrderOf(config.bootOrder) };
  if (config.cdrom !== undefined) {
    checkRemovableMedium(config.cdrom, 'cd0');
    plan.cdrom = config.cdrom;
  }
  if (config.floppy !== undefined) {
    checkRemovableMedium(config.floppy, 'fd0');
    plan.floppy = config.floppy;
  }
  if (config.disk !== undefined) {
    checkImageFile(config.disk, 'disk');
    plan.disk = { path: config.disk, format: diskImageFormat(config.disk, config.diskFormat) };
  }
  return plan;
}
