/**
 * `hangar logs NAME --serial` and the engine log's trace with real processes: a machine whose
 * serial port is off says how to turn the serial log on (also `--follow` while it runs, at once); `hangar modify --serial console` turns it
 * on; a headless instance runs the Linux test guest on QEMU; `hangar logs --serial` prints the
 * guest's COM1 output (its boot markers, timestamped) over the control socket, `--follow --serial`
 * ends with the machine; the engine log has the state changes and the pause asked by
 * `hangar control`; serial.log is 0600.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { ensureGuestIso } from '../support/linux-guest.js';
import { hangarCli } from '../support/hangar-cli.js';
import { settled, until } from '../support/waiting.js';

const home = mkdtempSync(join(tmpdir(), 'hangar-logs-serial-'));
after(() => {
  killBackground();
  rmSync(home, { recursive: true, force: true });
});

const { hangar, background, killBackground } = hangarCli(home, { timeoutMs: 120_000, cwd: home });

test('hangar logs --serial prints the guest\'s COM1 output; the engine log traces state changes and control commands', async () => {
  const iso = ensureGuestIso();
  const created = await hangar('create', 'Talker', '--engine', 'qemu', '--memory', '256', '--cdrom', iso);
  assert.equal(created.code, 0, created.stderr);
  const id = /\(([0-9a-f-]{36})\)/.exec(created.stdout)?.[1];
  assert.ok(id, created.stdout);

  const off = await hangar('logs', 'Talker', '--serial');
  assert.equal(off.code, 0, off.stderr);
  assert.equal(off.stdout, '');
  assert.match(off.stderr, /No serial log for "Talker" yet .*serial port is off: turn it on with hangar modify "Talker" --serial console/);
  assert.equal((await hangar('modify', 'Talker', '--serial', 'loud')).code, 2, 'a bad --serial value is a usage error');
  // Running without a serial log, --follow --serial says so at once instead of waiting for nothing.
  const quiet = background('start', 'Talker', '--headless');
  await until(() => (quiet.output().includes('Running until') ? true : undefined), 'the headless instance without a serial log', 120_000);
  const nothing = await hangar('logs', 'Talker', '--serial', '--follow');
  assert.equal(nothing.code, 0, nothing.stderr);
  assert.match(nothing.stderr, /No serial log for "Talker" yet .*serial port is off/);
  assert.equal((await hangar('control', 'Talker', 'poweroff')).code, 0);
  assert.equal(await settled(quiet.exited, 'the first instance to end', 60_000), 0, quiet.output());
  const on = await hangar('modify', 'Talker', '--serial', 'console');
  assert.equal(on.code, 0, on.stderr);

  const instance = background('start', 'Talker', '--headless');
  await until(() => (instance.output().includes('Running until') ? true : undefined), 'the headless instance', 120_000);
  const follower = background('logs', 'Talker', '--serial', '--follow');
  const booted = await until(
    async () => {
      const run = await hangar('logs', 'Talker', '--serial');
      return /hangar-guest: ready/.test(run.stdout) ? run.stdout : undefined;
    },
    'the guest\'s ready marker in hangar logs --serial',
    300_000,
  );
  assert.match(booted, /^\S+Z \[hangar\] engine started: qemu, pid \d+\n/);
  assert.match(booted, /\n\S+Z hangar-guest: booted\n/);
  assert.equal(statSync(join(home, 'machines', id, 'logs', 'serial.log')).mode & 0o777, 0o600);
  await until(() => (follower.output().includes('hangar-guest: ready') ? true : undefined), '--follow --serial to print the ready marker', 30_000);

  assert.equal((await hangar('control', 'Talker', 'pause')).code, 0);
  // The state lines are the engine's word: the resume waits until the pause has shown.
  await until(async () => (/\[hangar\] command stop\n[^]*\[hangar\] state: paused\n/.test((await hangar('logs', 'Talker')).stdout) ? true : undefined), 'the pause in the engine log', 30_000);
  assert.equal((await hangar('control', 'Talker', 'resume')).code, 0);
  const engine = await until(
    async () => {
      const run = await hangar('logs', 'Talker');
      return /\[hangar\] command cont\n[^]*\[hangar\] state: running\n/.test(run.stdout) ? run.stdout : undefined;
    },
    'the pause and resume in the engine log',
    30_000,
  );
  assert.match(engine, /\[engine\] qemu: accelerator (tcg|kvm)/, 'the accelerator decision');
  assert.match(engine, /\[hangar\] state: running\n[^]*\[hangar\] command stop\n[^]*\[hangar\] state: paused\n[^]*\[hangar\] command cont\n/);
  assert.doesNotMatch(engine, /hangar-guest: ready/, 'the guest\'s output stays in the serial log');

  assert.equal((await hangar('control', 'Talker', 'poweroff')).code, 0);
  assert.equal(await settled(follower.exited, '--follow --serial to end with the machine', 30_000), 0, follower.output());
  assert.match(follower.output(), /\[hangar\] engine exited \(/);
  assert.equal(await settled(instance.exited, 'the headless instance to end', 60_000), 0, instance.output());
});
