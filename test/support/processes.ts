/**
 * Orphan checks for fault tests: which processes belong to a case, and that none is left.
 *
 * A process is identified by its pid *and* its start time (/proc/PID/stat field 22), so a pid
 * the kernel reuses after the process died is never mistaken for a survivor. Two ways to say
 * which processes belong to a case:
 *   - the tree under a pid, read before the kill (`processTree`), or remembered while the case
 *     runs (`ProcessTracker`: processes started and reparented mid-case are caught too);
 *   - a marker string in the command line or environment (`processesWithMarker`), e.g. the
 *     case's private library folder, which every engine and QEMU of the case names in its
 *     arguments. This finds processes that were reparented away from the tree (to init or a
 *     subreaper), which is exactly what an orphan is.
 *
 * API:
 *   readProcess(pid)                       // ProcessInfo | undefined (gone, or unreadable)
 *   listProcesses()                        // every process readable in /proc
 *   processTree(rootPid)                   // rootPid and all its descendants, now
 *   processesWithMarker(marker, options?)  // processes naming `marker` (not this test process or its ancestors)
 *   stillRunning(processes)                // those of `processes` still alive (zombies count as gone)
 *   await assertAllGone(processes, what, timeoutMs?)
 *   await assertNoProcessWithMarker(marker, what, timeoutMs?)
 *   const tracker = new ProcessTracker(rootPid); …; tracker.stop(); tracker.seen()
 *   describeProcesses(processes)           // one line each, for messages
 */
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';

/** One process as read from /proc. */
export interface ProcessInfo {
  pid: number;
  ppid: number;
  /** Start time in clock ticks after boot: with the pid, a process's identity. */
  startTime: number;
  /** One-letter state (R, S, D, Z, T, …). */
  state: string;
  /** The executable's short name (comm). */
  name: string;
  /** The command line, arguments joined with spaces (empty for kernel threads and zombies). */
  commandLine: string;
}

/** Reads one process, or undefined when it is gone or cannot be read. */
export function readProcess(pid: number): ProcessInfo | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // "PID (comm) S PPID …": comm may hold spaces and parentheses, so split after the last ')'.
  const open = stat.indexOf('(');
  const close = stat.lastIndexOf(')');
  if (open < 0 || close < open) return undefined;
  const fields = stat.slice(close + 2).split(' ');
  let commandLine = '';
  try {
    commandLine = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ');
  } catch {
    // Gone between the two reads: the stat line still says what it was.
  }
  return {
    pid,
    ppid: Number(fields[1]),
    // Field 22 of stat; fields[] starts at field 3.
    startTime: Number(fields[19]),
    state: fields[0] ?? '?',
    name: stat.slice(open + 1, close),
    commandLine,
  };
}

/** Every process readable in /proc. */
export function listProcesses(): ProcessInfo[] {
  const found: ProcessInfo[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const info = readProcess(Number(entry));
    if (info) found.push(info);
  }
  return found;
}

/** `rootPid` and every process below it, as they are now (empty when `rootPid` is gone). */
export function processTree(rootPid: number): ProcessInfo[] {
  const all = listProcesses();
  const root = all.find((info) => info.pid === rootPid);
  if (!root) return [];
  const tree = [root];
  for (let index = 0; index < tree.length; index++) {
    const parent = tree[index] as ProcessInfo;
    for (const info of all) if (info.ppid === parent.pid && info.pid !== parent.pid) tree.push(info);
  }
  return tree;
}

/** This process and its ancestors: they may carry a case's marker (e.g. in the environment) without belonging to it. */
function selfAndAncestors(): Set<number> {
  const pids = new Set<number>();
  let pid: number | undefined = process.pid;
  while (pid !== undefined && pid > 1 && !pids.has(pid)) {
    pids.add(pid);
    pid = readProcess(pid)?.ppid;
  }
  return pids;
}

function environmentHas(pid: number, marker: string): boolean {
  try {
    return readFileSync(`/proc/${pid}/environ`, 'utf8').includes(marker);
  } catch {
    return false;
  }
}

/**
 * Processes whose command line (and, with `environment: true`, environment) contains `marker`,
 * leaving out this test process and its ancestors. Zombies are left out: they hold no
 * resources and their parent reaps them.
 */
export function processesWithMarker(marker: string, options: { environment?: boolean } = {}): ProcessInfo[] {
  assert.ok(marker.length >= 8, `a marker as short as ${JSON.stringify(marker)} would match unrelated processes`);
  const excluded = selfAndAncestors();
  return listProcesses().filter(
    (info) => !excluded.has(info.pid) && info.state !== 'Z' && (info.commandLine.includes(marker) || (options.environment === true && environmentHas(info.pid, marker))),
  );
}

/** Those of `processes` that still run: same pid, same start time, not a zombie. */
export function stillRunning(processes: readonly ProcessInfo[]): ProcessInfo[] {
  return processes.filter((info) => {
    const now = readProcess(info.pid);
    return now !== undefined && now.startTime === info.startTime && now.state !== 'Z';
  });
}

/** One line per process: pid, name, state, parent and the start of the command line. */
export function describeProcesses(processes: readonly ProcessInfo[]): string {
  return processes.map((info) => `  pid ${info.pid} (${info.name}, state ${info.state}, parent ${info.ppid}): ${info.commandLine.slice(0, 240)}`).join('\n');
}

async function pollUntilEmpty(probe: () => ProcessInfo[], timeoutMs: number): Promise<ProcessInfo[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const left = probe();
    if (left.length === 0 || Date.now() >= deadline) return left;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Waits up to `timeoutMs` for every process in `processes` to end; fails naming the survivors. */
export async function assertAllGone(processes: readonly ProcessInfo[], what: string, timeoutMs = 10_000): Promise<void> {
  const left = await pollUntilEmpty(() => stillRunning(processes), timeoutMs);
  assert.equal(left.length, 0, `${what}: ${left.length} process(es) still running ${timeoutMs} ms later:\n${describeProcesses(left)}`);
}

/** Waits up to `timeoutMs` until no process names `marker`; fails naming the survivors. */
export async function assertNoProcessWithMarker(marker: string, what: string, timeoutMs = 10_000, options: { environment?: boolean } = {}): Promise<void> {
  const left = await pollUntilEmpty(() => processesWithMarker(marker, options), timeoutMs);
  assert.equal(left.length, 0, `${what}: ${left.length} process(es) naming ${marker} still running ${timeoutMs} ms later:\n${describeProcesses(left)}`);
}

/**
 * Remembers every process seen under a root pid, sampled every `intervalMs` from construction
 * until `stop()`: a child that was started (or relaunched) mid-case is remembered even if it is
 * reparented away from the root later.
 */
export class ProcessTracker {
  private readonly known = new Map<string, ProcessInfo>();
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly rootPid: number,
    intervalMs = 100,
  ) {
    this.sample();
    this.timer = setInterval(() => this.sample(), intervalMs);
    this.timer.unref();
  }

  /** Reads the tree now and remembers what it holds. */
  sample(): ProcessInfo[] {
    const tree = processTree(this.rootPid);
    for (const info of tree) this.known.set(`${info.pid}@${info.startTime}`, info);
    return tree;
  }

  /** Stops sampling (after one last sample); returns everything seen. */
  stop(): ProcessInfo[] {
    clearInterval(this.timer);
    this.sample();
    return this.seen();
  }

  /** Every process seen so far. */
  seen(): ProcessInfo[] {
    return [...this.known.values()];
  }
}
