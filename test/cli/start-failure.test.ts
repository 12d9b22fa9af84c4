/**
 * `hangar start NAME` against a running instance (over its control socket) when the machine's
 * engine fails at once: its QEMU disk is held by another process. The command must not say
 * "Started": it exits 1 with QEMU's reason (not its command line), the machine shows crashed
 * with that reason, and once the disk is free the same command starts it. Real processes, real
 * QEMU and v86, real sockets.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, test } from 'node:test';
import { killTree, spawnOwned } from '../../src/node/owned-child.js';
import { until } from '../support/waiting.js';
import { hangarCli } from '../support/hangar-cli.js';

const bin = fileURLToPath(new URL('../../bin/hangar.js', import.meta.url));
const home = mkdtempSync(join(tmpdir(), 'hangar-startfail-'));
const cdrom = '/usr/lib/grub-rescue/grub-rescue-cdrom.iso';
const children: ChildProcess[] = [];
after(() => {
  for (const child of children) killTree(child.pid);
  rmSync(home, { recursive: true, force: true });
});


const { hangar, expectOk } = hangarCli(home, { timeoutMs: 180_000, cwd: home });


test('start over the control socket reports an engine that fails at once, with the reason, and exits 1', async () => {
  await expectOk('create', 'holder', '--engine', 'v86', '--memory', '32', '--cdrom', cdrom);
  await expectOk('create', 'locked', '--engine', 'qemu', '--memory', '64', '--disk', '32M');
  const disk = (JSON.parse((await expectOk('show', 'locked', '--json')).stdout) as { disks: { path: string }[] }).disks[0]?.path;
  assert.ok(disk && existsSync(disk), 'the machine has a qcow2 disk');

  // An instance holding the library: the next commands go over its control socket.
  const instance = spawn(process.execPath, [bin, 'start', 'holder', '--headless'], { cwd: home, env: { ...process.env, HANGAR_HOME: home }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(instance);
  let output = '';
  instance.stdout?.setEncoding('utf8').on('data', (text: string) => (output += text));
  instance.stderr?.setEncoding('utf8').on('data', (text: string) => (output += text));
  const exited = new Promise<number | null>((resolve) => instance.once('exit', (code) => resolve(code)));
  await until(() => (output.includes('Running until') ? true : undefined), 'the headless instance', 90_000);

  const qmp = join(home, 'holder-qmp.sock');
  const holder = spawnOwned('qemu-system-x86_64', ['-S', '-display', 'none', '-nodefaults', '-qmp', `unix:${qmp},server=on,wait=off`, '-drive', `file=${disk},format=qcow2,if=none,id=holder`], { stdio: 'ignore' });
  children.push(holder);
  await until(() => (existsSync(qmp) ? true : undefined), 'the QEMU holding the disk', 30_000);

  const failed = await hangar('start', 'locked');
  assert.equal(failed.code, 1, `exit 1 when the engine fails at once:\n${failed.stdout}\n${failed.stderr}`);
  assert.doesNotMatch(failed.stdout, /Started/);
  assert.match(failed.stderr, /Failed to get "write" lock\. Is another process using the image/);
  assert.ok(!failed.stderr.includes('-nodefaults'), `the reason is not QEMU's command line: ${failed.stderr}`);
  const shown = JSON.parse((await expectOk('show', 'locked', '--json')).stdout) as { state: string; reason?: string };
  assert.equal(shown.state, 'crashed');
  assert.match(shown.reason ?? '', /"write" lock/);

  killTree(holder.pid);
  await until(() => (holder.exitCode !== null || holder.signalCode !== null ? true : undefined), 'the holder to exit', 10_000);
  const started = await expectOk('start', 'locked');
  assert.match(started.stdout, /Started "locked" in the running Hangar instance/);
  assert.equal((JSON.parse((await expectOk('show', 'locked', '--json')).stdout) as { state: string }).state, 'running');
  await expectOk('control', 'locked', 'poweroff');

  instance.kill('SIGTERM');
  assert.equal(await exited, 0);
});
