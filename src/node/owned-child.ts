/**
 * Child processes that die with the process that started them, even when it is killed with
 * SIGKILL (which runs no handler). Every helper an engine starts (QEMU, a NAT QEMU, a 9P server)
 * and every engine main starts goes through here. It lives in src/node, the Node-only helpers the
 * engine, the library and main may all import (docs/architecture.md §3).
 *
 * How: the child is launched through util-linux's `setpriv --pdeathsig KILL`, which sets
 * PR_SET_PDEATHSIG and then execs; the kernel sends the signal when the thread that forked the
 * child exits. libuv forks on the thread that calls spawn, so call these from the main thread
 * (a worker thread's helpers would die with the worker). Between fork and prctl the parent could
 * already be gone, which the signal would then miss: a one-line `sh` step checks that the
 * parent is still the one that spawned it and exits otherwise. Both steps `exec`, so the child
 * keeps the pid the caller sees, and its `comm` ends up being the real program's.
 */
import { fork, spawn, type ChildProcess, type ForkOptions, type SpawnOptions } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

/** The Debian/Ubuntu package that provides the guard tool. */
export const guardPackage = 'util-linux';

/** Exit status of a child whose parent was gone before the guard was in place (it never ran). */
export const orphanedExitCode = 125;

/** Signals a child can get when its owner dies. */
export type DeathSignal = 'KILL' | 'TERM';

/** The guard tool is missing: nothing is started. */
export class GuardMissingError extends Error {
  constructor(searched: string) {
    super(
      `Cannot start helper processes safely: \`setpriv\` (package ${guardPackage}) was not found on PATH (${searched || 'empty'}). ` +
        `Hangar uses it so no helper outlives its owner. Install it (sudo apt install ${guardPackage}) and try again.`,
    );
    this.name = 'GuardMissingError';
  }
}

// $1: the pid that must still be the parent; the rest: the command. PPID is read once, at start.
const parentCheck = `[ "$PPID" = "$1" ] || exit ${orphanedExitCode}; shift; exec "$@"`;

const guardCache = new Map<string, string>();

/** Where `setpriv` is, searched on `path` (default: $PATH); throws GuardMissingError naming the package. */
export function findGuard(path: string = process.env.PATH ?? ''): string {
  const cached = guardCache.get(path);
  if (cached !== undefined) return cached;
  for (const folder of path.split(delimiter)) {
    if (folder === '') continue;
    const candidate = join(folder, 'setpriv');
    try {
      accessSync(candidate, constants.X_OK);
      guardCache.set(path, candidate);
      return candidate;
    } catch {
      // Not here.
    }
  }
  throw new GuardMissingError(path);
}

/** Options shared by spawnOwned and forkOwned. */
export interface OwnershipOptions {
  /** Signal the child gets when its owner dies (default KILL: no handler can delay it). */
  deathSignal?: DeathSignal;
  /** Where to look for the guard tool (default: $PATH). */
  guardSearchPath?: string;
}

/**
 * The guarded command line: `file` and `args` that run `command args…` so it dies with this
 * process. Exposed for launchers that take a command line (and for tests).
 */
export function ownedCommandLine(command: string, args: readonly string[], options: OwnershipOptions = {}): { file: string; args: string[] } {
  const guard = findGuard(options.guardSearchPath);
  const signal = options.deathSignal ?? 'KILL';
  return { file: guard, args: ['--pdeathsig', signal, '--', '/bin/sh', '-c', parentCheck, 'hangar-owned-child', String(process.pid), command, ...args] };
}

/**
 * `child_process.spawn` whose child dies with this process (see the file comment). With
 * `detached: true` the child also leads a new process group (and session): kill the whole tree
 * it starts with `killTree`.
 */
export function spawnOwned(command: string, args: readonly string[], options: SpawnOptions & OwnershipOptions = {}): ChildProcess {
  const { deathSignal, guardSearchPath, ...spawnOptions } = options;
  const line = ownedCommandLine(command, args, { ...(deathSignal ? { deathSignal } : {}), ...(guardSearchPath !== undefined ? { guardSearchPath } : {}) });
  return spawn(line.file, line.args, spawnOptions);
}

/**
 * `child_process.fork` (a Node module with an IPC channel) whose child dies with this process.
 * The guard execs Node with the channel descriptor and environment unchanged.
 */
export function forkOwned(modulePath: string, args: readonly string[], options: ForkOptions & OwnershipOptions = {}): ChildProcess {
  const { deathSignal, guardSearchPath, execArgv, execPath, ...forkOptions } = options;
  const line = ownedCommandLine(execPath ?? process.execPath, execArgv ?? process.execArgv, {
    ...(deathSignal ? { deathSignal } : {}),
    ...(guardSearchPath !== undefined ? { guardSearchPath } : {}),
  });
  // fork runs `execPath ...execArgv modulePath ...args`: the guard takes Node's place.
  return fork(modulePath, [...args], { ...forkOptions, execPath: line.file, execArgv: line.args });
}

/**
 * Sends `signal` to every process in the group `pgid`; false when there is no such group. Use
 * it after the leader exited to end helpers it left behind.
 */
export function killGroup(pgid: number | undefined, signal: NodeJS.Signals = 'SIGKILL'): boolean {
  if (pgid === undefined || pgid <= 1) return false;
  try {
    process.kill(-pgid, signal);
    return true;
  } catch {
    return false;
  }
}

/**
 * Sends `signal` to the process group led by `pid` (a child started with `detached: true`), or
 * to `pid` alone when it leads none. Never throws: a group that is gone needs no signal.
 */
export function killTree(pid: number | undefined, signal: NodeJS.Signals = 'SIGKILL'): void {
  if (pid === undefined || pid <= 1) return;
  if (killGroup(pid, signal)) return;
  try {
    process.kill(pid, signal);
  } catch {
    // Already gone.
  }
}
