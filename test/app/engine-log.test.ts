/**
 * Engine logs through the real supervisor and real engines: each run's output lands in the
 * machine's log file (0600, in a 0700 folder the supervisor creates) with a start line naming
 * the engine and pid, QEMU's command line, and an exit line; a SIGKILLed engine's exit line
 * says it crashed and why, and the crash reason names the log; an engine that fails while
 * starting leaves its reason in the log and the error names the log.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { Supervisor } from '../../src/main/supervisor/index.js';
import { until } from '../support/waiting.js';

const folder = mkdtempSync(join(tmpdir(), 'hangar-engine-log-app-'));
const runtimeDir = join(folder, 'run');
mkdirSync(runtimeDir, { mode: 0o700 });
const reports: string[] = [];
const supervisor = new Supervisor({ runtimeDir, log: (line) => reports.push(line), watchdogIntervalMs: 0 });
const cdrom = '/usr/lib/grub-rescue/grub-rescue-cdrom.iso';
const stamp = String.raw`\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z`;

after(async () => {
  await supervisor.shutdown();
  rmSync(folder, { recursive: true, force: true });
});

/** Whether this process (main) has `path` open. */
function holdsOpen(path: string): boolean {
  return readdirSync('/proc/self/fd').some((fd) => {
    try {
      return readlinkSync(`/proc/self/fd/${fd}`) === path;
    } catch {
      return false;
    }
  });
}

function read(path: string): string {
  return existsSync(path) ? readFileSync(path, 'utf8') : '';
}

test('a QEMU run is logged: start line, QEMU\'s command line; a SIGKILL appends the crash and the reason names the log', async () => {
  const logFile = join(folder, 'machines', 'vm-q', 'logs', 'engine.log');
  await supervisor.start('vm-q', { engine: 'qemu', memoryMib: 64, cdrom, options: { accelerator: 'tcg' }, logFile });
  const pid = supervisor.session('vm-q')?.channel.pid;
  assert.ok(pid !== undefined);
  const text = await until(() => (/\[engine\] qemu: \S*qemu-system-x86_64 .*-nodefaults/.test(read(logFile)) ? read(logFile) : undefined), 'QEMU\'s command line in the log', 30_000);
  assert.match(text, new RegExp(`^${stamp} \\[hangar\\] engine started: qemu, pid ${pid}\\n`), 'the first line says which engine started, with its pid');
  for (const line of text.trimEnd().split('\n')) assert.match(line, new RegExp(`^${stamp} `), `every line has a timestamp: ${line}`);
  assert.equal(statSync(logFile).mode & 0o777, 0o600, 'the log is private');
  assert.equal(statSync(join(folder, 'machines', 'vm-q', 'logs')).mode & 0o777, 0o700, 'its folder too');
  assert.ok(holdsOpen(logFile), 'main writes the log while the engine runs');

  process.kill(pid, 'SIGKILL');
  await supervisor.exited('vm-q');
  const status = supervisor.status('vm-q');
  assert.equal(status.state, 'crashed');
  assert.ok(status.reason?.endsWith(` (engine log: ${logFile})`), `the reason names the log: ${status.reason}`);
  const ended = await until(() => (read(logFile).includes('engine exited') ? read(logFile) : undefined), 'the exit line', 10_000);
  assert.match(ended, new RegExp(`${stamp} \\[hangar\\] engine exited \\(killed by signal SIGKILL\\); crashed: The engine ended unexpectedly \\(killed by signal SIGKILL\\)\\.`));
  assert.ok(!ended.includes('(engine log:'), 'the log does not point at itself');
  assert.equal(holdsOpen(logFile), false, 'the log file is closed once the engine has exited');
  assert.deepEqual(reports, []);
});

test('a v86 run that is stopped logs its start and a clean exit; the next run appends', async () => {
  const logFile = join(folder, 'machines', 'vm-v', 'logs', 'engine.log');
  for (let run = 1; run <= 2; run++) {
    await supervisor.start('vm-v', { engine: 'v86', memoryMib: 32, cdrom, logFile });
    await supervisor.stop('vm-v');
    assert.equal(supervisor.status('vm-v').state, 'stopped');
    const text = await until(() => (read(logFile).split('engine exited').length === run + 1 ? read(logFile) : undefined), `the exit line of run ${run}`, 10_000);
    assert.equal(text.split('[hangar] engine started: v86, pid ').length, run + 1, 'one start line per run');
  }
  assert.match(read(logFile), /\[hangar\] engine exited \((exit code 0|killed by signal SIGKILL)\)\n$/);
  assert.doesNotMatch(read(logFile), /crashed/);
});

test('an engine that fails while starting leaves its reason in the log, and the error names the log', async () => {
  const logFile = join(folder, 'machines', 'vm-bad', 'logs', 'engine.log');
  const missing = join(folder, 'no-such-disk.qcow2');
  const error = await supervisor.start('vm-bad', { engine: 'qemu', memoryMib: 64, disk: missing, diskFormat: 'qcow2', options: { accelerator: 'tcg' }, logFile }).then(
    () => undefined,
    (failure: Error) => failure,
  );
  assert.ok(error, 'the start failed');
  assert.ok(error.message.endsWith(` (engine log: ${logFile})`), error.message);
  assert.deepEqual(supervisor.status('vm-bad'), { state: 'crashed', reason: error.message });
  const text = await until(() => (read(logFile).includes('engine exited') ? read(logFile) : undefined), 'the exit line', 10_000);
  assert.ok(text.includes(missing), `the engine's own words name the disk:\n${text}`);
  assert.match(text, /\[hangar\] engine exited \([^)]*\); crashed: /);
});
