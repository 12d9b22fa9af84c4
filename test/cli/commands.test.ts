/**
 * The `hangar` commands on a library no instance holds (the command opens it itself): modify,
 * disks, media and watched folders, snapshot and control of a stopped machine, names with
 * `../` refused; bad input and exit codes (2 usage, 3 not found, 1 failed with what to do).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { hangarCli } from '../support/hangar-cli.js';

const home = mkdtempSync(join(tmpdir(), 'hangar-cmds-'));
const cdrom = '/usr/lib/grub-rescue/grub-rescue-cdrom.iso';
after(() => rmSync(home, { recursive: true, force: true }));

const { hangar } = hangarCli(home, { timeoutMs: 60_000 });

test('modify, disks, media, folders and snapshots of a stopped machine, with exit codes', async () => {
  const created = await hangar('create', 'Disky', '--engine', 'v86', '--memory', '32', '--disk', '16M', '--os', 'other');
  assert.equal(created.code, 0, created.stderr);
  const shown = JSON.parse((await hangar('show', 'Disky', '--json')).stdout) as { disks: { sizeBytes: number; format: string }[] };
  assert.deepEqual(shown.disks.map((disk) => [disk.sizeBytes, disk.format]), [[16 << 20, 'qcow2']]);
  assert.equal((await hangar('create', 'Bad', '--engine', 'v86', '--memory', '32', '--disk', 'lots')).code, 2);

  const modified = await hangar('modify', 'Disky', '--memory', '48', '--boot', 'disk,cdrom', '--name', 'Disky2', '--speed-limit', '100');
  assert.equal(modified.code, 0, modified.stderr);
  const after = JSON.parse((await hangar('show', 'Disky2', '--json')).stdout) as { memoryMib: number; bootOrder: string[]; speedLimitMips: number };
  assert.deepEqual([after.memoryMib, after.bootOrder, after.speedLimitMips], [48, ['disk', 'cdrom'], 100]);
  assert.equal((await hangar('modify', 'Disky2')).code, 2, 'nothing to change');
  assert.equal((await hangar('modify', 'Disky2', '--engine', 'bochs')).code, 2);
  assert.equal((await hangar('modify', 'Disky2', '--boot', 'net')).code, 2);
  assert.equal((await hangar('modify', 'Nobody', '--memory', '64')).code, 3);
  const tooBig = await hangar('modify', 'Disky2', '--memory', '999999');
  assert.equal(tooBig.code, 1, 'beyond the engine limit');
  assert.match(tooBig.stderr, /memory/i);

  // Stopped machines: control and snapshot take say what to do.
  const paused = await hangar('control', 'Disky2', 'pause');
  assert.equal(paused.code, 1);
  assert.match(paused.stderr, /is not running; start it first/);
  assert.match((await hangar('snapshot', 'Disky2', 'list')).stdout, /No snapshots/);
  const take = await hangar('snapshot', 'Disky2', 'take', 'x');
  assert.equal(take.code, 1);
  assert.match(take.stderr, /start it first/);
  assert.equal((await hangar('snapshot', 'Disky2', 'inspect', 'nope')).code, 3);
  assert.equal((await hangar('snapshot', 'Disky2', 'frobnicate')).code, 2);

  // Media and watched folders.
  assert.equal((await hangar('media', 'add', cdrom)).code, 0);
  const media = JSON.parse((await hangar('media', 'list', '--json')).stdout) as { path: string; kind: string }[];
  assert.ok(media.some((entry) => entry.path === cdrom && entry.kind === 'iso'));
  const folder = mkdtempSync(join(home, 'watched-'));
  assert.equal((await hangar('media', 'watch', folder)).code, 0);
  assert.ok((JSON.parse((await hangar('media', 'folders', '--json')).stdout) as { path: string }[]).some((entry) => entry.path === folder));
  assert.equal((await hangar('media', 'watch', join(home, 'no-such-folder'))).code, 3);
  assert.equal((await hangar('media', 'remove', cdrom)).code, 0);
  assert.ok(!(JSON.parse((await hangar('media', 'list', '--json')).stdout) as { path: string }[]).some((entry) => entry.path === cdrom));
  assert.equal((await hangar('media', 'remove', 'no-such-id')).code, 3);
  assert.equal((await hangar('media', 'bogus')).code, 2);

  // A name with ../ is refused (the shared name rule, src/shared/names.ts; test/cli/names.test.ts
  // has every case), and looking one up never becomes a path.
  const escape = await hangar('create', '../escape', '--engine', 'v86', '--memory', '32');
  assert.equal(escape.code, 2, escape.stderr);
  assert.match(escape.stderr, /cannot contain \//);
  assert.equal(readdirSync(join(home, '..')).includes('escape'), false);
  assert.equal((await hangar('show', '../escape')).code, 3);
  assert.equal((await hangar('show', '../../etc/passwd')).code, 3);
  assert.equal((await hangar('delete', 'Disky2')).code, 0);
});
