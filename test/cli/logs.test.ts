/**
 * `hangar logs NAME [--lines N] [--follow]` with real processes: before the first run it says
 * there is no log yet; while a headless instance runs the machine it prints the engine log over
 * the control socket (start line with engine and pid), `--lines` cuts it, `--follow` prints new
 * lines and ends by itself when the machine is powered off (with the exit line); with no
 * instance it reads the library's file (0600) directly; bad arguments and unknown machines get
 * their exit codes.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { settled, until } from '../support/waiting.js';
import { hangarCli } from '../support/hangar-cli.js';

const home = mkdtempSync(join(tmpdir(), 'hangar-logs-'));
const cdrom = '/usr/lib/grub-rescue/grub-rescue-cdrom.iso';
after(() => {
  killBackground();
  rmSync(home, { recursive: true, force: true });
});

const { hangar, background, killBackground } = hangarCli(home, { timeoutMs: 120_000, cwd: home });

test('hangar logs prints the engine log over the control socket and from the file, and --follow ends with the machine', async () => {
  const created = await hangar('create', 'Logme', '--engine', 'v86', '--memory', '32', '--cdrom', cdrom);
  assert.equal(created.code, 0, created.stderr);
  const id = /\(([0-9a-f-]{36})\)/.exec(created.stdout)?.[1];
  assert.ok(id, created.stdout);
  const logFile = join(home, 'machines', id, 'logs', 'engine.log');

  const before = await hangar('logs', 'Logme');
  assert.equal(before.code, 0, before.stderr);
  assert.equal(before.stdout, '');
  assert.match(before.stderr, /No engine log for "Logme" yet/);

  const instance = background('start', 'Logme', '--headless');
  await until(() => (instance.output().includes('Running until') ? true : undefined), 'the headless instance', 120_000);

  const remote = await hangar('logs', 'Logme');
  assert.equal(remote.code, 0, remote.stderr);
  assert.match(remote.stdout, /^\S+Z \[hangar\] engine started: v86, pid \d+\n/);
  const oneLine = await hangar('logs', 'Logme', '--lines', '1');
  assert.equal(oneLine.code, 0, oneLine.stderr);
  assert.equal(oneLine.stdout.split('\n').length, 2, `one line: ${oneLine.stdout}`);
  assert.equal(statSync(logFile).mode & 0o777, 0o600);

  const follower = background('logs', 'Logme', '--follow');
  await until(() => (follower.output().includes('[hangar] engine started: v86') ? true : undefined), 'the follower to print the log', 60_000);
  const off = await hangar('control', 'Logme', 'poweroff');
  assert.equal(off.code, 0, off.stderr);
  assert.equal(await settled(follower.exited, '--follow to end when the machine stopped', 30_000), 0, follower.output());
  assert.match(follower.output(), /\[hangar\] engine exited \(/, 'the follower printed the exit line');
  assert.equal(await settled(instance.exited, 'the headless instance to end', 60_000), 0, instance.output());

  const local = await hangar('logs', 'Logme');
  assert.equal(local.code, 0, local.stderr);
  assert.match(local.stdout, /\[hangar\] engine started: v86, pid \d+\n[^]*\[hangar\] engine exited \([^)]*\)\n$/);
  const localFollow = await hangar('logs', 'Logme', '--follow', '--lines', '1');
  assert.equal(localFollow.code, 0, localFollow.stderr);
  assert.match(localFollow.stdout, /^\S+Z \[hangar\] engine exited \([^)]*\)\n$/);
  assert.match(localFollow.stderr, /is not running; nothing more to follow/);

  assert.equal((await hangar('logs', 'Nobody')).code, 3);
  assert.equal((await hangar('logs')).code, 2);
  assert.equal((await hangar('logs', 'Logme', '--lines', '0')).code, 2);
});
