/**
 * Per-host memory of facts learnt the hard way, such as "KVM does not work on this host",
 * kept in a small JSON file so later launches skip a broken accelerator.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';

/** What Hangar remembers about this host's QEMU. */
export interface QemuHostState {
  /** Set when KVM failed here: why, and when. */
  kvmUnusable?: { readonly reason: string; readonly at: string };
}

/** The file the state lives in: `<hostStateDir>/qemu-host.json`, else the XDG cache folder. */
export function hostStatePath(hostStateDir?: unknown): string {
  const folder =
    typeof hostStateDir === 'string' && hostStateDir.length > 0
      ? hostStateDir
      : join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'hangar');
  return join(folder, 'qemu-host.json');
}

/** Reads the state; a missing or damaged file reads as empty. */
export function readHostState(path: string): QemuHostState {
  try {
    const value = JSON.parse(readFileSync(path, 'utf8')) as unknown;
    return typeof value === 'object' && value !== null ? (value as QemuHostState) : {};
  } catch {
    return {};
  }
}

/** Writes the state atomically (temp file + rename). */
export function writeHostState(path: string, state: QemuHostState): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const temp = `${path}.${process.pid}.tmp`;
  writeFileSync(temp, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
  renameSync(temp, path);
}
