/**
 * Cleans what an earlier run left in the runtime folder for one VM before it starts again: when
 * main or an engine was killed, its folder (QMP/VNC/serial sockets) stays, and a process that
 * still uses it (an engine, or a QEMU from before engines guarded their helpers) may still hold
 * the VM's disk write lock, so the new start would fail. Such processes are found by their
 * command line naming the folder (Linux /proc), stopped with SIGKILL, and the folder removed.
 */
import { readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';

/** How long a killed leftover may take to go away. */
const exitWaitMs = 5000;

interface LeftoverProcess {
  readonly pid: number;
  readonly name: string;
}

/** Processes (other than this one) whose command line mentions something inside `folder`. */
function processesUsing(folder: string): LeftoverProcess[] {
  const needle = `${folder}/`;
  const found: LeftoverProcess[] = [];
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return found;
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const commandLine = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      if (!commandLine.includes(needle)) continue;
      found.push({ pid: Number(entry), name: readFileSync(`/proc/${entry}/comm`, 'utf8').trim() });
    } catch {
      // Gone meanwhile, or not ours to read.
    }
  }
  return found;
}

/** True while `pid` exists and is not a zombie (a zombie holds no files or locks any more). */
function running(pid: number): boolean {
  try {
    return !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return false;
  }
}

/**
 * Removes the runtime folders in `runtimeDir` named `<prefix>-…` except those in `keep`, after
 * stopping every process still using them. Resolves with one sentence per thing cleaned (empty
 * when there was nothing); a process it may not stop is reported, never ignored.
 */
export async function cleanStaleRuntime(runtimeDir: string, prefix: string, keep: ReadonlySet<string>): Promise<string[]> {
  const cleaned: string[] = [];
  let names: string[];
  try {
    names = readdirSync(runtimeDir);
  } catch {
    return cleaned;
  }
  for (const name of names) {
    const folder = join(runtimeDir, name);
    if (!name.startsWith(`${prefix}-`) || keep.has(folder)) continue;
    const leftovers = processesUsing(folder);
    for (const leftover of leftovers) {
      try {
        process.kill(leftover.pid, 'SIGKILL');
      } catch (error) {
        cleaned.push(`could not stop leftover process ${leftover.pid} (${leftover.name}) using ${folder}: ${(error as Error).message}; stop it yourself if the machine does not start`);
      }
    }
    const deadline = Date.now() + exitWaitMs;
    while (leftovers.some((leftover) => running(leftover.pid)) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    for (const leftover of leftovers) {
      if (!running(leftover.pid)) cleaned.push(`stopped leftover process ${leftover.pid} (${leftover.name}) from an earlier run that still used ${folder}`);
    }
    let contents: string[] = [];
    try {
      contents = readdirSync(folder);
    } catch {
      // Not a folder, or already gone.
    }
    rmSync(folder, { recursive: true, force: true });
    cleaned.push(`removed the stale runtime folder ${folder}${contents.length > 0 ? ` (${contents.join(', ')})` : ''}`);
  }
  return cleaned;
}
