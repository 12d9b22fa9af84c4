/**
 * Chooses QEMU's accelerator: KVM only when /dev/kvm is usable, this host has not been
 * remembered as "KVM unusable" (for this QEMU binary and kernel), and a short probe guest runs
 * correctly and fast under it; TCG otherwise. In src/node because both the engine (at launch)
 * and main ("Try KVM again", qemu.recheck) choose.
 */
import { accessSync, constants, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnOwned } from './owned-child.js';
import { forgetKvmUnusable, hostFingerprint, readHostState, writeHostState } from './qemu-host-state.js';

/** QEMU's accelerators Hangar uses. */
export type Accelerator = 'kvm' | 'tcg';

/** The outcome of choosing: the accelerator and, when TCG was chosen over KVM, why. */
export interface AcceleratorChoice {
  readonly accelerator: Accelerator;
  readonly reason?: string;
}

/** A boot sector that counts down 16M iterations, then writes 0x21 to isa-debug-exit (exit code 67). */
function probeBootSector(): Buffer {
  const sector = Buffer.alloc(512);
  Buffer.from([
    0x66, 0xb9, 0x00, 0x00, 0x00, 0x01, // mov ecx, 0x01000000
    0x66, 0x49, // dec ecx
    0x75, 0xfc, // jnz dec
    0xb0, 0x21, // mov al, 0x21
    0xe6, 0xf4, // out 0xf4, al
    0xf4, // hlt
    0xeb, 0xfd, // jmp hlt
  ]).copy(sector);
  sector[510] = 0x55;
  sector[511] = 0xaa;
  return sector;
}

/** Runs the probe guest; resolves how long it took, or why it failed. */
export async function runProbe(binary: string, accelerator: Accelerator, timeoutMs: number): Promise<{ ok: true; ms: number } | { ok: false; reason: string }> {
  const folder = mkdtempSync(join(tmpdir(), 'hangar-kvm-probe-'));
  try {
    const image = join(folder, 'probe.img');
    const floppy = Buffer.alloc(1474560);
    probeBootSector().copy(floppy);
    writeFileSync(image, floppy);
    const started = Date.now();
    const child = spawnOwned(binary, [
      '-no-user-config', '-nodefaults', '-display', 'none', '-machine', 'pc', '-accel', accelerator, '-cpu', 'qemu64', '-m', '16',
      '-drive', `if=floppy,format=raw,file=${image}`, '-boot', 'order=a', '-device', 'isa-debug-exit,iobase=0xf4,iosize=1',
    ], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr = (stderr + chunk).slice(-2000)));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) => child.on('exit', (c, s) => resolve([c, s])));
    clearTimeout(timer);
    const ms = Date.now() - started;
    if (code === 67) return { ok: true, ms };
    if (signal === 'SIGKILL') return { ok: false, reason: `a probe guest did not finish within ${timeoutMs} ms under ${accelerator} (too slow)` };
    return { ok: false, reason: `a probe guest failed under ${accelerator} (exit ${code ?? signal}): ${stderr.trim().split('\n').slice(-2).join(' ')}` };
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}

/** True when the current user can open /dev/kvm for reading and writing. */
export function kvmDeviceUsable(path = '/dev/kvm'): boolean {
  try {
    accessSync(path, constants.R_OK | constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Picks the accelerator for a launch. `requested` is MachineConfig.options.accelerator:
 * 'tcg' forces TCG, 'kvm' insists on KVM (no probe), anything else probes once per host and
 * remembers a failure in `statePath` (for this binary and kernel: a remembered failure is dropped
 * once either changes). `kvmDevice` is the KVM device to check (tests point it at a stand-in so
 * the fallback paths run on hosts without /dev/kvm).
 */
export async function chooseAccelerator(binary: string, requested: unknown, statePath: string, kvmDevice = '/dev/kvm'): Promise<AcceleratorChoice> {
  if (requested === 'tcg') return { accelerator: 'tcg', reason: 'TCG was chosen in the machine settings' };
  if (requested === 'kvm') return { accelerator: 'kvm' };
  if (!kvmDeviceUsable(kvmDevice)) return { accelerator: 'tcg', reason: '/dev/kvm is missing or not accessible to this user (add it to the kvm group)' };
  const state = readHostState(statePath, hostFingerprint(binary));
  if (state.kvmUnusable !== undefined) return { accelerator: 'tcg', reason: `KVM was found unusable on this host: ${state.kvmUnusable.reason}` };
  const kvm = await runProbe(binary, 'kvm', 8000);
  if (!kvm.ok) {
    rememberKvmUnusable(statePath, kvm.reason, binary);
    return { accelerator: 'tcg', reason: `KVM is unusable on this host: ${kvm.reason}` };
  }
  // BIOS-era code can crawl under a broken KVM; compare with TCG on the same guest.
  const tcg = await runProbe(binary, 'tcg', 20000);
  if (tcg.ok && kvm.ms > tcg.ms * 3) {
    const reason = `KVM ran a probe guest in ${kvm.ms} ms against ${tcg.ms} ms under TCG`;
    rememberKvmUnusable(statePath, reason, binary);
    return { accelerator: 'tcg', reason: `KVM is slower than TCG on this host: ${reason}` };
  }
  return { accelerator: 'kvm' };
}

/** Records that KVM failed on this host (with `binary` and the running kernel) so later launches go straight to TCG. */
export function rememberKvmUnusable(statePath: string, reason: string, binary: string): void {
  const state = readHostState(statePath);
  writeHostState(statePath, { ...state, kvmUnusable: { reason, at: new Date().toISOString(), fingerprint: hostFingerprint(binary) } });
}

/** The outcome of "Try KVM again": the fresh choice, and the failure that was forgotten for it. */
export interface KvmRecheck extends AcceleratorChoice {
  readonly forgotten?: string;
}

/**
 * "Try KVM again": forgets a remembered KVM failure and chooses again now (the probe runs when
 * /dev/kvm is usable, and a new failure is remembered as before). Running machines keep their
 * accelerator; the next start uses the new choice.
 */
export async function recheckKvm(binary: string, statePath: string, kvmDevice = '/dev/kvm'): Promise<KvmRecheck> {
  const forgotten = forgetKvmUnusable(statePath);
  const choice = await chooseAccelerator(binary, 'auto', statePath, kvmDevice);
  return { ...choice, ...(forgotten ? { forgotten: forgotten.reason } : {}) };
}
