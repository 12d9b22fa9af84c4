/**
 * The end-of-file leak check (issue 13, item 3). scripts/run-tests.js loads this into every test
 * file's process (`--import`, after tsx): once the file's tests and its own `after` hooks are
 * done, nothing the file started may still hold the process open — no socket, server, child
 * process, timer, watcher or pending request. A file that leaves one fails, with a message naming
 * what is left, instead of hanging the run (the runner has no `--test-force-exit`).
 *
 * What counts: `process.getActiveResourcesInfo()` (only referenced handles, i.e. what keeps the
 * event loop alive), minus what this process already had when it started (the runner's stdio
 * pipes). Resources that are closing (a socket's last write, a child's exit being reaped) get
 * `HANGAR_LEAK_SETTLE_MS` (default 5 s) to go away before they count.
 *
 * Order: `node:test` runs the root's `after` hooks in the order they were added, and this module
 * is evaluated before the test file, so its hook would run before the file's own (which close
 * what the file opened). The check is therefore added from inside that first hook with `t.after`,
 * which appends it behind every hook the file registered.
 */
import { after } from 'node:test';
import type { SuiteContext, TestContext } from 'node:test';

/** How long resources that are on their way out may take to go. */
const settleMs = Number(process.env.HANGAR_LEAK_SETTLE_MS ?? 5000);
/** After a failure, the time the reporter gets to pass it on before the leftovers are cut off. */
const reportGraceMs = 2000;

const baseline = countByKind(process.getActiveResourcesInfo());

/**
 * HANGAR_LEAK_TRACE=1: where each timer still running was created, printed with a failure (off
 * by default: a stack per setTimeout is costly).
 */
const timerOrigins = new Map<NodeJS.Timeout, string>();
if (process.env.HANGAR_LEAK_TRACE === '1') {
  for (const name of ['setTimeout', 'setInterval'] as const) {
    const original = globalThis[name];
    const traced = (...args: unknown[]): NodeJS.Timeout => {
      const timer = Reflect.apply(original, globalThis, args) as NodeJS.Timeout;
      timerOrigins.set(timer, `${name}(…, ${String(args[1])}) ${new Error().stack?.split('\n').slice(2, 8).join('\n') ?? ''}`);
      return timer;
    };
    // util.promisify(setTimeout) must keep working: it looks for this symbol.
    const promisified = Symbol.for('nodejs.util.promisify.custom');
    Object.defineProperty(traced, promisified, { value: (original as unknown as Record<symbol, unknown>)[promisified] });
    Object.assign(globalThis, { [name]: traced });
  }
}

/** Creation stacks of the traced timers that still hold the process. */
function liveTimerOrigins(): string[] {
  const live: string[] = [];
  for (const [timer, origin] of timerOrigins) {
    if ((timer as NodeJS.Timeout & { _destroyed?: boolean })._destroyed || !timer.hasRef()) timerOrigins.delete(timer);
    else live.push(origin);
  }
  return live;
}

/** Resources beyond the baseline, as "Kind ×n" phrases (empty when none). */
export function leftOpen(resources: readonly string[] = process.getActiveResourcesInfo()): string[] {
  const left: string[] = [];
  for (const [kind, count] of countByKind(resources)) {
    const extra = count - (baseline.get(kind) ?? 0);
    if (extra > 0) left.push(extra === 1 ? kind : `${kind} ×${extra}`);
  }
  return left;
}

function countByKind(resources: readonly string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const kind of resources) counts.set(kind, (counts.get(kind) ?? 0) + 1);
  return counts;
}

/** Polls until nothing is left beyond the baseline or `settleMs` has passed; returns what is left. */
async function settled(): Promise<string[]> {
  const deadline = Date.now() + settleMs;
  for (;;) {
    const left = leftOpen();
    if (left.length === 0 || Date.now() >= deadline) return left;
    // A referenced timer: were it unref'd and the last leftover went away meanwhile, the event
    // loop would end with this hook still pending. It has fired by the time leftOpen() looks.
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * Only in a test file's own process. Helpers a test forks (crash children, lock holders) inherit
 * this `--import` through execArgv; there a `node:test` hook would add a test report to their
 * output, and what they hold is their parent's business.
 */
const isTestFile = /\.test\.[cm]?[jt]sx?$/.test(process.argv[1] ?? '');

if (isTestFile) after(addCheck);

/** The first root `after` hook: appends the check behind the file's own hooks. */
function addCheck(root: TestContext | SuiteContext): void {
  // A root hook gets the root test's context, which has `after` (the types allow a suite's too).
  if (!('after' in root)) throw new Error('Leak check: node:test no longer passes the root test context to a root after hook; see test/support/leak-check.ts.');
  root.after(async () => {
    const left = await settled();
    if (left.length === 0) return;
    const message =
      `Leak check: this test file left ${left.join(', ')} open after its tests and after hooks (${settleMs} ms to close). ` +
      'Whatever started it must dispose of it (close the server or socket, clear the timer, stop the child, close the watcher or database) — see test/support/leak-check.ts. ' +
      (process.env.HANGAR_LEAK_TRACE === '1' ? '' : 'HANGAR_LEAK_TRACE=1 shows where leftover timers were created.');
    const origins = liveTimerOrigins();
    process.stderr.write(`\n${message}\n${origins.map((origin) => `  timer still running: ${origin}\n`).join('')}`);
    process.exitCode = 1;
    // The leftovers would keep this process alive for good; the runner has no force-exit. This
    // is the test harness ending a test process, not product code working around a leak.
    setTimeout(() => process.exit(1), reportGraceMs).unref();
    throw new Error(message);
  });
}
