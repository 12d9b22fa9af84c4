/**
 * Per-host memory of facts learnt the hard way, such as "KVM does not work on this host",
 * kept in a small JSON file so later launches skip a broken accelerator. A fact holds only for
 * the QEMU binary and kernel it was learnt with: each is stored with their fingerprint, and a
 * fact whose fingerprint no longer matches (QEMU upgraded, another kernel booted) is dropped.
 */
import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { homedir, release } from 'node:os';
import { dirname, join } from 'node:path';

/** What a remembered fact depends on: the QEMU binary (path, size, mtime) and the kernel release. */
export interface HostFingerprint {
  readonly binary: { readonly path: string; readonly size: number; readonly mtimeMs: number };
  readonly kernel: string;
}

/** A remembered KVM failure: why, when, and on which binary and kernel. */
export interface KvmUnusable {
  readonly reason: string;
  readonly at: string;
  /** Absent in files written before fingerprints existed: such a fact is treated as stale. */
  readonly fingerprint?: HostFingerprint;
}

/** What Hangar remembers about this host's QEMU. */
export interface QemuHostState {
  /** Set when KVM failed here. */
  kvmUnusable?: KvmUnusable;
}

/** The file the state lives in: `<hostStateDir>/qemu-host.json`, else the XDG cache folder. */
export function hostStatePath(hostStateDir?: unknown): string {
  const folder =
    typeof hostStateDir === 'string' && hostStateDir.length > 0
      ? hostStateDir
      : join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'hangar');
  return join(folder, 'qemu-host.json');
}

/** The fingerprint of `binary` (as found on disk now) and of the running kernel (or `kernel`). */
export function hostFingerprint(binary: string, kernel: string = release()): HostFingerprint {
  let size = -1;
  let mtimeMs = -1;
  try {
    const stat = statSync(binary);
    size = stat.size;
    mtimeMs = stat.mtimeMs;
  } catch {
    // A binary that cannot be read matches nothing remembered.
  }
  return { binary: { path: binary, size, mtimeMs }, kernel };
}

/** True when two fingerprints name the same binary and kernel. */
export function sameFingerprint(a: HostFingerprint | undefined, b: HostFingerprint): boolean {
  return a !== undefined && a.kernel === b.kernel && a.binary?.path === b.binary.path && a.binary.size === b.binary.size && a.binary.mtimeMs === b.binary.mtimeMs;
}

/**
 * Reads the state; a missing or damaged file reads as empty. With `current`, a remembered KVM
 * failure learnt with another binary or kernel (or without a fingerprint) is dropped, from the
 * answer and from the file.
 */
export function readHostState(path: string, current?: HostFingerprint): QemuHostState {
  let state: QemuHostState;
  try {
    const value = JSON.parse(readFileSync(path, 'utf8')) as unknown;
    state = typeof value === 'object' && value !== null ? (value as QemuHostState) : {};
  } catch {
    return {};
  }
  if (current !== undefined && state.kvmUnusable !== undefined && !sameFingerprint(state.kvmUnusable.fingerprint, current)) {
    const { kvmUnusable: _stale, ...rest } = state;
    writeHostState(path, rest);
    return rest;
  }
  return state;
}

/** Writes the state atomically (temp file + rename), 0600 in a 0700 folder. */
export function writeHostState(path: string, state: QemuHostState): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const temp = `${path}.${process.pid}.tmp`;
  writeFileSync(temp, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
  renameSync(temp, path);
}

/** Forgets a remembered KVM failure ("Try KVM again"); answers what was forgotten, if anything. */
export function forgetKvmUnusable(path: string): KvmUnusable | undefined {
  const state = readHostState(path);
  if (state.kvmUnusable === undefined) return undefined;
  const { kvmUnusable, ...rest } = state;
  writeHostState(path, rest);
  return kvmUnusable;
}
