/**
 * Rules about a guest OS that the library's proposal (os.detect) and the renderer's wizard share,
 * so both recommend the same engine for the same reason: which engine fits a guest's
 * architecture and size given what is installed, the memory to give an unknown OS, and the
 * warning below an OS's minimum memory.
 */

/** An engine id (the protocol's EngineId). */
export type GuestEngine = 'v86' | 'qemu';

/**
 * Memory for an OS nobody could name. A current 32-bit Linux kernel panics at 128 MiB while
 * unpacking its installer; 512 MiB boots every common installer and DOS-era systems alike.
 */
export const unknownOsMemoryMib = 512;
/** Below this, an unknown OS gets a warning (DOS-era systems are fine; Linux installers are not). */
export const unknownOsMinimumMib = 256;
/** Up to this recommended memory, v86 runs a 32-bit guest at a usable speed. */
const v86ComfortMib = 512;

/** 64 or 32 for x86 architectures (osinfo names), null otherwise or when unknown. */
export function archBits(arch: string | null | undefined): 32 | 64 | null {
  if (arch === 'x86_64') return 64;
  if (typeof arch === 'string' && /^i[3-6]86$/.test(arch)) return 32;
  return null;
}

/** True for an architecture neither engine can run (ARM, PowerPC, …); false for x86 or unknown. */
export function isForeignArch(arch: string | null | undefined): boolean {
  return typeof arch === 'string' && arch.length > 0 && archBits(arch) === null;
}

/** An architecture in words: "64-bit x86 (x86_64)", "32-bit x86 (i686)", "ARM 64-bit (aarch64)". */
export function archLabel(arch: string): string {
  const bits = archBits(arch);
  if (bits) return `${bits}-bit x86 (${arch})`;
  const names: Record<string, string> = { aarch64: 'ARM 64-bit', armv7l: 'ARM 32-bit', ppc64le: 'POWER little-endian', ppc64: 'POWER 64-bit', ppc: 'PowerPC', s390x: 'IBM Z', riscv64: 'RISC-V 64-bit' };
  return `${names[arch] ?? arch} (${arch})`;
}

/** What the engine choice looks at. */
export interface GuestFacts {
  /** The OS name to put in the reason. */
  readonly name: string;
  /** osinfo architecture name, or null when unknown. */
  readonly arch: string | null;
  /** 16 for DOS-era systems when known from the OS itself; otherwise derived from `arch`. */
  readonly bits?: 16 | 32 | 64 | undefined;
  /** osinfo family (winnt, linux, …), when known. */
  readonly family?: string | null | undefined;
  readonly recommendedMemoryMib: number;
}

/** The engine to propose and why, in a sentence that is true for this guest and host. */
export interface EngineRecommendation {
  readonly engine: GuestEngine;
  readonly reason: string;
}

/** Word size of a guest: from its architecture, else what the OS says. */
export function guestBits(guest: Pick<GuestFacts, 'arch' | 'bits'>): 16 | 32 | 64 | null {
  return archBits(guest.arch) ?? guest.bits ?? null;
}

/**
 * The engine for a guest given whether QEMU is installed. 64-bit guests need QEMU (v86 emulates
 * a 32-bit CPU); 16/32-bit guests run on both, and go to QEMU when it is installed and the guest
 * is large (it recommends more than 512 MiB) or Windows NT, where v86 is too slow.
 */
export function recommendEngine(guest: GuestFacts, installed: { readonly qemu: boolean }): EngineRecommendation {
  const { name } = guest;
  if (isForeignArch(guest.arch) && guest.arch) {
    return {
      engine: installed.qemu ? 'qemu' : 'v86',
      reason: `${name} is built for ${archLabel(guest.arch)}; both engines emulate an x86 PC, so it will not start. Use an x86 (i386 or amd64) medium.`,
    };
  }
  const bits = guestBits(guest);
  if (bits === 64) {
    return installed.qemu
      ? { engine: 'qemu', reason: `QEMU: ${name} is a 64-bit guest (${guest.arch ?? 'x86_64'}), and 64-bit guests cannot run on v86, which emulates a 32-bit CPU.` }
      : { engine: 'qemu', reason: `${name} is a 64-bit guest and needs QEMU, which is not installed (install qemu-system-x86); 64-bit guests cannot run on v86.` };
  }
  const what = bits === 16 ? `a 16-bit (DOS-era) system` : bits === 32 ? `a 32-bit guest (${guest.arch ?? 'x86'})` : 'of unknown architecture';
  const large = guest.recommendedMemoryMib > v86ComfortMib;
  const windows = guest.family === 'winnt';
  if (installed.qemu && (large || windows)) {
    const because = windows ? 'Windows runs far faster on QEMU' : `it recommends ${guest.recommendedMemoryMib} MiB, and QEMU runs a guest that size far faster`;
    return { engine: 'qemu', reason: `QEMU: ${name} is ${what}, which both engines run; ${because}.` };
  }
  if (!installed.qemu) {
    return { engine: 'v86', reason: `v86: ${name} is ${what}, and QEMU is not installed; v86 runs 32-bit guests with nothing else installed (slower than QEMU).` };
  }
  if (bits === null) {
    return { engine: 'v86', reason: `v86: the medium does not say whether ${name} is 32- or 64-bit; v86 runs small 32-bit guests. Choose QEMU if it is 64-bit.` };
  }
  return { engine: 'v86', reason: `v86: ${name} is ${what} and small enough for v86, which runs it with nothing else installed.` };
}

/**
 * A warning when `memoryMib` is below what the OS needs, or undefined. `os` undefined: an
 * unknown OS, warned below 256 MiB.
 */
export function memoryWarning(memoryMib: number, os: { readonly name: string; readonly minimumMib?: number | undefined } | undefined): string | undefined {
  if (!Number.isFinite(memoryMib)) return undefined;
  if (os?.minimumMib !== undefined && os.minimumMib > 0) {
    return memoryMib < os.minimumMib ? `${os.name} needs at least ${os.minimumMib} MiB; with less its installer or kernel fails to start.` : undefined;
  }
  if (os === undefined || os.minimumMib === undefined) {
    return memoryMib < unknownOsMinimumMib
      ? `Less than ${unknownOsMinimumMib} MiB is too little for current Linux installers (at 128 MiB the kernel panics); only DOS-era systems run in this little memory.`
      : undefined;
  }
  return undefined;
}
