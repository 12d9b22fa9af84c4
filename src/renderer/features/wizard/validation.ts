/**
 * New-VM wizard rules as plain functions: engine limits, name rules, recommended engine and
 * hardware, memory warnings. The wizard shows these messages next to the fields; the app core
 * validates again. The engine rule is the one os.detect uses (src/shared/guest-os.ts).
 */
import { memoryWarning as sharedMemoryWarning, recommendEngine, unknownOsMemoryMib, type EngineRecommendation } from '../../../shared/guest-os.js';
import { NAME_MAX_LENGTH as SHARED_NAME_MAX_LENGTH, checkName } from '../../../shared/names.js';
import type { EngineKind, OsChoice } from '../../platform/models.js';

/** An inclusive range. */
export interface Range {
  readonly min: number;
  readonly max: number;
}

/** What each engine can run. */
export const engineLimits: Readonly<Record<EngineKind, { memoryMiB: Range; cpus: Range; diskMiB: Range }>> = {
  // v86 emulates one 32-bit CPU; IDE with 28-bit LBA addresses at most 128 GiB.
  v86: { memoryMiB: { min: 8, max: 2048 }, cpus: { min: 1, max: 1 }, diskMiB: { min: 1, max: 131072 } },
  qemu: { memoryMiB: { min: 16, max: 65536 }, cpus: { min: 1, max: 64 }, diskMiB: { min: 1, max: 16 * 1024 * 1024 } },
};

/** The longest machine name. */
export const NAME_MAX_LENGTH = SHARED_NAME_MAX_LENGTH.machine;

/** The hardware the wizard is about to create. */
export interface HardwareDraft {
  readonly name: string;
  readonly engine: EngineKind;
  readonly memoryMiB: number;
  readonly cpus: number;
  /** 0 creates no disk (live media only). */
  readonly diskMiB: number;
}

/** Field → message, only for fields with a problem. */
export type HardwareErrors = Partial<Record<keyof HardwareDraft, string>>;

/** Facts the rules depend on. */
export interface WizardContext {
  readonly existingNames: readonly string[];
  readonly qemuAvailable: boolean;
  /** Bits of the chosen OS, when one is chosen. */
  readonly osBits?: 16 | 32 | 64;
}

/** The problem with a machine name, or undefined when it is fine: the shared rule, then uniqueness. */
export function nameProblem(name: string, existingNames: readonly string[] = []): string | undefined {
  const checked = checkName(name, 'machine');
  if (!checked.ok) return checked.error;
  const lower = checked.value.toLowerCase();
  if (existingNames.some((existing) => existing.trim().toLowerCase() === lower)) return `A machine named "${checked.value}" already exists.`;
  return undefined;
}

function rangeProblem(value: number, range: Range, what: string, unit: string, engine: EngineKind): string | undefined {
  if (!Number.isInteger(value)) return `Enter ${what} as a whole number${unit ? ` of ${unit}` : ''}.`;
  if (value < range.min || value > range.max) {
    return range.min === range.max
      ? `The ${engine} engine supports exactly ${range.min}${unit ? ` ${unit}` : ''} ${what}.`
      : `The ${engine} engine supports ${range.min}–${range.max}${unit ? ` ${unit}` : ''} of ${what}.`;
  }
  return undefined;
}

/** Validates the whole draft; an empty object means it can be created. */
export function validateHardware(draft: HardwareDraft, context: WizardContext): HardwareErrors {
  const errors: HardwareErrors = {};
  const name = nameProblem(draft.name, context.existingNames);
  if (name) errors.name = name;
  if (draft.engine === 'qemu' && !context.qemuAvailable) {
    errors.engine = context.osBits === 64
      ? 'QEMU is not installed, and this 64-bit OS cannot run on v86 (a 32-bit CPU). Install qemu-system-x86.'
      : 'QEMU is not installed. Install qemu-system-x86 or choose the v86 engine.';
  } else if (draft.engine === 'v86' && context.osBits === 64) {
    errors.engine = 'This operating system is 64-bit; v86 runs 32-bit guests only. Choose QEMU.';
  }
  const limits = engineLimits[draft.engine];
  const memory = rangeProblem(draft.memoryMiB, limits.memoryMiB, 'memory', 'MiB', draft.engine);
  if (memory) errors.memoryMiB = memory;
  const cpus = draft.cpus === 1 && limits.cpus.max === 1 ? undefined : rangeProblem(draft.cpus, limits.cpus, 'CPUs', '', draft.engine);
  if (cpus) errors.cpus = cpus;
  if (draft.diskMiB !== 0) {
    const disk = rangeProblem(draft.diskMiB, limits.diskMiB, 'disk', 'MiB', draft.engine);
    if (disk) errors.diskMiB = disk;
  }
  return errors;
}

/**
 * The engine to propose for an OS (undefined: unknown) and why: 64-bit guests need QEMU; 16/32-bit
 * ones go to v86 unless QEMU is installed and they are large or Windows (the shared rule).
 */
export function recommendedEngine(os: OsChoice | undefined, qemuAvailable: boolean): EngineRecommendation {
  return recommendEngine(
    { name: os?.name ?? 'this OS', arch: os?.arch ?? null, bits: os?.bits, family: os?.family ?? null, recommendedMemoryMib: os?.recommendedMemoryMiB ?? unknownOsMemoryMib },
    { qemu: qemuAvailable },
  );
}

/** A warning (not an error: the user may know better) when memory is below what the OS needs. */
export function memoryWarning(memoryMiB: number, os: OsChoice | undefined): string | undefined {
  return sharedMemoryWarning(memoryMiB, os && os.id !== 'other' ? { name: os.name, minimumMib: os.minimumMemoryMiB } : undefined);
}

/** Clamps `value` into `range`. */
export function clamp(value: number, range: Range): number {
  return Math.min(range.max, Math.max(range.min, Math.round(value)));
}

/** Recommended hardware for an OS on an engine: the OS's recommendations clamped to the engine. */
export function recommendedHardware(os: OsChoice | undefined, engine: EngineKind): Pick<HardwareDraft, 'memoryMiB' | 'cpus' | 'diskMiB'> {
  const limits = engineLimits[engine];
  // An unknown OS gets enough for a current Linux installer (128 MiB makes its kernel panic).
  const memory = os?.recommendedMemoryMiB ?? (engine === 'v86' ? unknownOsMemoryMib : 1024);
  const disk = os?.recommendedDiskMiB ?? (engine === 'v86' ? 512 : 20480);
  return {
    memoryMiB: clamp(memory, limits.memoryMiB),
    cpus: engine === 'qemu' ? clamp(2, limits.cpus) : 1,
    diskMiB: clamp(disk, limits.diskMiB),
  };
}

/** Wizard steps in order. */
export const wizardSteps = ['Install media', 'Operating system', 'Hardware', 'Review'] as const;
