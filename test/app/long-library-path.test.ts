/**
 * A library at a long path still runs QEMU machines: UNIX socket paths end at ~107 bytes, so
 * the engine sockets move to a private per-user folder under /tmp instead of `<library>/run`
 * (QEMU refused to start with "UNIX socket path … is too long" before).
 */
import assert from 'node:assert/strict';
import { lstatSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { HangarCore } from '../../src/main/core/hangar-core.js';
import { coreCalls } from '../support/core-calls.js';
import { until } from '../support/waiting.js';

const cdrom = '/usr/lib/grub-rescue/grub-rescue-cdrom.iso';
const work = mkdtempSync(join(tmpdir(), 'hangar-long-path-'));
const folder = join(work, 'a-library-folder-with-a-rather-long-name-as-people-make-them', 'and-another-level-of-folders-below-it');
let core: HangarCore;

before(async () => {
  mkdirSync(folder, { recursive: true });
  core = await HangarCore.open({ folder });
});
after(async () => {
  await core?.close();
  rmSync(work, { recursive: true, force: true });
});

const { ok } = coreCalls(() => core);

test('a QEMU machine starts from a library whose path is too long for sockets inside it', { timeout: 300_000 }, async () => {
  assert.ok(join(folder, 'run', 'x'.repeat(18), 'qemu-serial.sock').length > 107, 'the library path is long enough to matter');
  const machine = await ok('machines.create', { name: 'Long path', engine: 'qemu', memoryMib: 64, cdrom, osId: 'grub', forceTcg: true, network: { mode: 'none' } });
  await ok('vm.start', { id: machine.id });
  await until(
    async () => {
      const result = await core.call('vm.execute', { id: machine.id, command: 'query-screen-text' });
      return result.ok && (result.value as { lines: string[] }).lines.join('\n').includes('GNU GRUB') ? true : undefined;
    },
    'GRUB on the machine in the long-path library',
    120_000,
  );
  const uid = process.getuid?.() ?? 0;
  const parent = lstatSync(`/tmp/hangar-${uid}`);
  assert.ok(parent.isDirectory() && parent.uid === uid && (parent.mode & 0o777) === 0o700, 'the socket folder is private');
  await ok('vm.poweroff', { id: machine.id });
});
