/**
 * The wizard's proposal for a new machine from a detected OS: engine, memory, CPUs, disk size
 * and boot order, within the chosen engine's limits.
 */
import { recommendEngine } from '../shared/guest-os.js';
import type { OsDetection, OsInfo } from './osinfo.js';
import type { EngineId, MachineInput } from './types.js';
import { engineLimits } from './validate.js';

/** A machine proposal plus the disk the wizard should offer to create (0 = none). */
export interface MachineProposal {
  machine: Omit<MachineInput, 'name'> & Required<Pick<MachineInput, 'memoryMib' | 'cpus' | 'bootOrder'>>;
  diskBytes: number;
  /** Why the engine was chosen, or what had to be clamped; for the review page. */
  notes: string[];
}

/** The engines this host has besides the built-in v86. */
export interface InstalledEngines {
  qemu: boolean;
}

/**
 * Proposes settings for an OS. Without `engine`, the engine comes from the shared rule
 * (src/shared/guest-os.ts: architecture, size and what is installed) and its reason is the
 * first note; memory is the OS's recommendation (at least its minimum), within the engine.
 */
export function proposeMachine(os: OsInfo | OsDetection, engine?: EngineId, installed: InstalledEngines = { qemu: true }): MachineProposal {
  const notes: string[] = [];
  const arch = 'arch' in os ? os.arch : null;
  let chosen = engine;
  if (!chosen) {
    const recommendation = recommendEngine({ name: os.name, arch, bits: os.family === 'msdos' ? 16 : undefined, family: os.family, recommendedMemoryMib: os.memory.recommendedMib }, installed);
    chosen = recommendation.engine;
    notes.push(recommendation.reason);
  }
  if ('bootProblem' in os && os.bootProblem) notes.push(os.bootProblem);
  const limits = engineLimits[chosen];
  let memoryMib = Math.max(os.memory.recommendedMib, os.memory.minimumMib);
  if (memoryMib > limits.memoryMib.max) {
    notes.push(`Memory capped at ${limits.memoryMib.max} MiB (the ${chosen} maximum); ${os.name} recommends ${memoryMib} MiB.`);
    memoryMib = limits.memoryMib.max;
  }
  memoryMib = Math.max(memoryMib, limits.memoryMib.min);
  const cpus = Math.min(limits.cpus.max, chosen === 'qemu' ? 2 : 1);
  return {
    machine: { osId: os.id, engine: chosen, memoryMib, cpus, bootOrder: ['cdrom', 'disk', 'floppy'], displayDevice: 'std' },
    diskBytes: os.disk.recommendedBytes,
    notes,
  };
}
