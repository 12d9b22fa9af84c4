/**
 * The wizard's proposal for a new machine from a detected OS: engine, memory, CPUs, disk size
 * and boot order, within the chosen engine's limits.
 */
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

const thirtyTwoBit = new Set(['i386', 'i486', 'i586', 'i686']);

/**
 * Proposes settings for an OS. Without `engine`, v86 is chosen for 32-bit or unknown-arch guests
 * that recommend at most 512 MiB (and are not Windows NT), QEMU otherwise.
 */
export function proposeMachine(os: OsInfo | OsDetection, engine?: EngineId): MachineProposal {
  const notes: string[] = [];
  const arch = 'arch' in os ? os.arch : null;
  let chosen = engine;
  if (!chosen) {
    const fitsV86 = (arch === null || thirtyTwoBit.has(arch)) && os.memory.minimumMib <= engineLimits.v86.memoryMib.max && os.family !== 'winnt';
    // v86 emulates a Pentium-class PC at modest speed: fine for small 32-bit guests only.
    chosen = fitsV86 && os.memory.recommendedMib <= 512 ? 'v86' : 'qemu';
    notes.push(chosen === 'v86' ? 'v86 runs this 32-bit guest without QEMU.' : 'QEMU: the guest needs 64-bit or more memory than v86 offers.');
  }
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
