/** The settings editor's rules: validation per field and which changes need a power cycle. */
import { guestBits } from '../../../shared/guest-os.js';
import type { MachineConfig, OsChoice } from '../../platform/models.js';
import { engineLimits, nameProblem, recommendedEngine } from '../wizard/validation.js';
import { networkProblem } from './network-model.js';

/** Field → message, only for fields with a problem. */
export type SettingsErrors = Partial<Record<keyof MachineConfig, string>>;

/**
 * Settings that apply to a running guest without restarting it (the speed limit through
 * `set-speed-limit`, CD/floppy media through `machines.set-drive`; hard disks change through the
 * Storage page's own `disks.*` calls, never through a save).
 */
const liveFields: ReadonlySet<keyof MachineConfig> = new Set(['name', 'scaling', 'clipboard', 'speedLimitMips', 'drives']);

/** The highest speed limit the editor accepts, in MIPS (far above what either engine reaches). */
export const SPEED_LIMIT_MAX_MIPS = 100_000;

/** One changed field and whether it takes effect only after the guest is powered off and on. */
export interface SettingsChange {
  readonly field: keyof MachineConfig;
  readonly needsPowerCycle: boolean;
}

/**
 * Whether a network change needs a power cycle: forwards and the cable reach a running engine
 * at once (vm.forward-add/remove, vm.set-link); the card itself (mode, model, MAC) does not change
 * under a running guest.
 */
function networkNeedsPowerCycle(before: MachineConfig['network'], after: MachineConfig['network']): boolean {
  return before.mode !== after.mode || before.model !== after.model || before.mac !== after.mac;
}

/**
 * Whether the CD and floppy drives hold the same media. Hard disks are left out: the Storage
 * page changes them at once through the `disks.*` calls, so a disk added or removed there is
 * not an unsaved change of the editor (its draft still lists the disks it opened with).
 */
function sameRemovableDrives(before: MachineConfig['drives'], after: MachineConfig['drives']): boolean {
  const removable = (drives: MachineConfig['drives']): string => JSON.stringify(drives.filter((drive) => drive.kind !== 'disk'));
  return removable(before) === removable(after);
}

/**
 * Whether a clipboard change needs a power cycle: QEMU gets its clipboard agent channel
 * (vdagent) only at start, so turning sharing on or off waits for the next start; a new
 * direction with sharing on is a filter in main and applies at once. v86 has no agent at all.
 */
function clipboardNeedsPowerCycle(before: MachineConfig, after: MachineConfig): boolean {
  return after.engine === 'qemu' && before.engine === 'qemu' && (before.clipboard === 'off') !== (after.clipboard === 'off');
}

/** Whether changing `field` from `before` to `after` takes effect only after a power cycle. */
function needsPowerCycle(field: keyof MachineConfig, before: MachineConfig, after: MachineConfig): boolean {
  if (field === 'network') return networkNeedsPowerCycle(before.network, after.network);
  if (field === 'clipboard') return clipboardNeedsPowerCycle(before, after);
  return !liveFields.has(field);
}

/** The fields that differ between `before` and `after`. */
export function changedSettings(before: MachineConfig, after: MachineConfig): SettingsChange[] {
  const changes: SettingsChange[] = [];
  for (const field of Object.keys(after) as (keyof MachineConfig)[]) {
    if (field === 'drives' ? sameRemovableDrives(before.drives, after.drives) : JSON.stringify(before[field]) === JSON.stringify(after[field])) continue;
    changes.push({ field, needsPowerCycle: needsPowerCycle(field, before, after) });
  }
  return changes;
}

/** Validates a configuration; an empty object means it can be saved. */
export function validateSettings(config: MachineConfig, otherNames: readonly string[], qemuAvailable: boolean): SettingsErrors {
  const errors: SettingsErrors = {};
  const name = nameProblem(config.name, otherNames);
  if (name) errors.name = name;
  if (config.engine === 'qemu' && !qemuAvailable) errors.engine = 'QEMU is not installed. Install qemu-system-x86 or choose the v86 engine.';
  const limits = engineLimits[config.engine];
  if (!Number.isInteger(config.memoryMiB) || config.memoryMiB < limits.memoryMiB.min || config.memoryMiB > limits.memoryMiB.max) {
    errors.memoryMiB = `The ${config.engine} engine supports ${limits.memoryMiB.min}–${limits.memoryMiB.max} MiB of memory.`;
  }
  if (!Number.isInteger(config.cpus) || config.cpus < limits.cpus.min || config.cpus > limits.cpus.max) {
    errors.cpus = limits.cpus.max === 1 ? `The ${config.engine} engine runs exactly 1 CPU.` : `The ${config.engine} engine supports ${limits.cpus.min}–${limits.cpus.max} CPUs.`;
  }
  if (config.bootOrder.length === 0) errors.bootOrder = 'Choose at least one boot device.';
  else if (new Set(config.bootOrder).size !== config.bootOrder.length) errors.bootOrder = 'Each boot device may appear once.';
  if (config.engine === 'v86' && config.forceTcg) errors.forceTcg = 'Forcing TCG applies to QEMU only.';
  if (!Number.isInteger(config.speedLimitMips) || config.speedLimitMips < 0 || config.speedLimitMips > SPEED_LIMIT_MAX_MIPS) {
    errors.speedLimitMips = `Enter a speed limit in MIPS from 0 (unlimited) to ${SPEED_LIMIT_MAX_MIPS}.`;
  }
  if (config.engine === 'v86' && !['std', 'cirrus'].includes(config.displayDevice)) {
    errors.displayDevice = 'v86 emulates a standard VGA adapter only; choose "Standard VGA".';
  }
  const network = networkProblem(config.network, config.engine);
  if (network) errors.network = network;
  if (config.drives.filter((drive) => drive.kind === 'floppy').length > 2) errors.drives = 'A PC has at most two floppy drives.';
  if (config.drives.filter((drive) => drive.kind !== 'floppy').length > 4) errors.drives = 'IDE has room for at most four disks and CD drives.';
  return errors;
}

/**
 * A warning (not an error: the OS entry may be wrong about the medium) when the chosen engine
 * cannot run the machine's OS: a 64-bit guest on v86. The sentence is the engine rule's own
 * (src/shared/guest-os.ts), so the wizard and the editor give the same reason.
 */
export function engineWarning(engine: MachineConfig['engine'], os: OsChoice | undefined, qemuAvailable: boolean): string | undefined {
  if (engine !== 'v86' || os === undefined || guestBits({ arch: os.arch ?? null, bits: os.bits }) !== 64) return undefined;
  return `${os.name} is a 64-bit guest and will not start on v86. ${recommendedEngine(os, qemuAvailable).reason}`;
}
