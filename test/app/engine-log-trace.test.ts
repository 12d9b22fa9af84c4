/**
 * The engine log as a trace of the run, through the real supervisor and real engines: state
 * changes, commands that change the machine (media named), the engine's events (the tray), a
 * command the engine refused (protocol error), QEMU's accelerator decision with its reason and
 * QEMU's own stderr, and the serial log of a Linux guest's COM1, each line with a timestamp.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { Supervisor } from '../../src/main/supervisor/index.js';
import { ensureGuestIso } from '../support/linux-guest.js';
import { until } from '../support/waiting.js';

const folder = mkdtempSync(join(tmpdir(), 'hangar-engine-trace-'));
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

function read(path: string): string {
  return existsSync(path) ? readFileSync(path, 'utf8') : '';
}

/** Asserts that `patterns` match lines of `text` in this order, each with a timestamp. */
function assertInOrder(text: string, patterns: readonly RegExp[]): void {
  const lines = text.split('\n');
  let at = 0;
  for (const pattern of patterns) {
    const found = lines.findIndex((line, index) => index >= at && pattern.test(line));
    assert.ok(found >= 0, `no line matching ${pattern} after line ${at} in:\n${text}`);
    assert.match(lines[found] ?? '', new RegExp(`^${stamp} `), 'a timestamp');
    at = found + 1;
  }
}

test('v86: state changes, media commands, the tray event and a refused command are traced in order', async () => {
  const logFile = join(folder, 'machines', 'vm-v', 'logs', 'engine.log');
  await supervisor.start('vm-v', { engine: 'v86', memoryMib: 32, cdrom, logFile });
  await supervisor.execute('vm-v', 'stop');
  await until(() => (supervisor.status('vm-v').state === 'paused' ? true : undefined), 'paused', 20_000);
  await supervisor.execute('vm-v', 'cont');
  await until(() => (supervisor.status('vm-v').state === 'running' ? true : undefined), 'running', 20_000);
  await supervisor.execute('vm-v', 'eject', { id: 'cd0', force: true });
  await supervisor.execute('vm-v', 'blockdev-change-medium', { id: 'cd0', filename: cdrom });
  const refused = await supervisor.execute('vm-v', 'eject', { id: 'nodrive', force: true }).then(
    () => undefined,
    (error: Error) => error,
  );
  assert.ok(refused, 'ejecting a drive that does not exist is refused');
  await supervisor.execute('vm-v', 'query-status');
  await supervisor.stop('vm-v');
  const text = await until(() => (read(logFile).includes('engine exited') ? read(logFile) : undefined), 'the exit line', 20_000);
  assertInOrder(text, [
    /\[hangar\] engine started: v86, pid \d+$/,
    /\[hangar\] state: running$/,
    /\[hangar\] command stop$/,
    /\[hangar\] state: paused$/,
    /\[hangar\] command cont$/,
    /\[hangar\] state: running$/,
    /\[hangar\] command eject: media: eject cd0 \(forced\)$/,
    /\[hangar\] event DEVICE_TRAY_MOVED: media: the tray of cd0 opened$/,
    new RegExp(`\\[hangar\\] command blockdev-change-medium: media: insert ${cdrom} into cd0$`),
    /\[hangar\] command eject: media: eject nodrive \(forced\)$/,
    new RegExp(`\\[hangar\\] protocol error: eject failed \\(${refused instanceof Error && 'errorClass' in refused ? String(refused.errorClass) : '\\w+'}\\): .*nodrive`),
    /\[hangar\] state: stopping$/,
    /\[hangar\] state: stopped$/,
    /\[hangar\] engine exited \(/,
  ]);
  assert.doesNotMatch(text, /command query-status/, 'queries are not traced');
  assert.deepEqual(reports, []);
});

test('QEMU: the accelerator decision with its reason, and QEMU\'s own stderr, are in the log', async () => {
  const logFile = join(folder, 'machines', 'vm-q', 'logs', 'engine.log');
  // A sound qcow2 header whose backing file is missing: only QEMU itself finds out, on stderr.
  const disk = join(folder, 'orphan.qcow2');
  execFileSync('qemu-img', ['create', '-q', '-f', 'qcow2', '-u', '-b', join(folder, 'missing-base.raw'), '-F', 'raw', disk, '64M']);
  const error = await supervisor.start('vm-q', { engine: 'qemu', memoryMib: 64, cdrom, disk, diskFormat: 'qcow2', options: { accelerator: 'tcg' }, logFile }).then(
    () => undefined,
    (failure: Error) => failure,
  );
  assert.ok(error, 'the start failed');
  const text = await until(() => (read(logFile).includes('engine exited') ? read(logFile) : undefined), 'the exit line', 30_000);
  assertInOrder(text, [
    /\[hangar\] engine started: qemu/,
    /\[engine\] qemu: accelerator tcg: TCG was chosen in the machine settings$/,
    /\[engine\] qemu: \S*qemu-system-x86_64 /,
    /\[engine\] qemu stderr: .*missing-base\.raw/,
    /\[hangar\] state: crashed: /,
    /\[hangar\] engine exited \(/,
  ]);
});

test('the serial log keeps a Linux guest\'s COM1 output with timestamps, 0600, between start and exit lines', async () => {
  const iso = ensureGuestIso();
  const logFile = join(folder, 'machines', 'vm-s', 'logs', 'engine.log');
  const serialLogFile = join(folder, 'machines', 'vm-s', 'logs', 'serial.log');
  await supervisor.start('vm-s', { engine: 'qemu', memoryMib: 256, cdrom: iso, options: { accelerator: 'tcg' }, logFile, serialLogFile });
  const booted = await until(() => (/hangar-guest: ready\n/.test(read(serialLogFile)) ? read(serialLogFile) : undefined), 'the guest\'s ready marker in the serial log', 240_000);
  assert.match(booted, new RegExp(`^${stamp} \\[hangar\\] engine started: qemu, pid \\d+\\n`));
  assert.match(booted, new RegExp(`\\n${stamp} hangar-guest: booted\\n`));
  assert.ok(!booted.includes('\r'), 'no terminal CRs');
  assert.equal(statSync(serialLogFile).mode & 0o777, 0o600);
  await supervisor.stop('vm-s');
  const ended = await until(() => (read(serialLogFile).includes('engine exited') ? read(serialLogFile) : undefined), 'the serial log\'s exit line', 20_000);
  assert.match(ended, /\[hangar\] engine exited \([^)]*\)\n$/);
  assert.doesNotMatch(read(logFile), /hangar-guest: ready/, 'the guest\'s output stays out of the engine log');
});
