/**
 * Library permissions (issue 12, C.11) on a real library, with the process umask at the common
 * 0o022, so only the explicit modes can make the files private: after creating a v86 machine
 * with a qcow2 disk (qemu-img) and a raw disk, running it (overlays, engine state), taking a
 * snapshot (state file, thumbnail in the database) and a backup, every folder under the library
 * is 0700 and every file 0600: library.db and its -wal/-shm, backups, machine folder, disks,
 * overlays, snapshot state files, logs folder, control socket. Then a library made readable by
 * hand is tightened when it opens, with a warning saying what was fixed.
 */
import assert from 'node:assert/strict';
import { chmodSync, lstatSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { after, before, test } from 'node:test';
import { HangarCore } from '../../src/main/core/hangar-core.js';
import type { SnapshotViewValue } from '../../src/shared/protocol/api/index.js';
import { Library } from '../../src/library/index.js';
import { coreCalls } from '../support/core-calls.js';
import { grubCdrom, menuEntry, waitForScreen } from '../support/grub-screen.js';

const home = mkdtempSync(join(tmpdir(), 'hangar-perm-'));
const previousUmask = process.umask(0o022);
let core: HangarCore | undefined;
const { ok } = coreCalls(() => core as HangarCore);

before(async () => {
  core = await HangarCore.open({ folder: home });
});
after(async () => {
  await core?.close();
  process.umask(previousUmask);
  rmSync(home, { recursive: true, force: true });
});

/** Every entry under `root` with its permission bits and kind. */
function walk(root: string): { path: string; mode: number; kind: 'folder' | 'file' | 'socket' | 'link' }[] {
  const entries: { path: string; mode: number; kind: 'folder' | 'file' | 'socket' | 'link' }[] = [];
  const visit = (path: string): void => {
    const stat = lstatSync(path);
    const kind = stat.isSymbolicLink() ? 'link' : stat.isDirectory() ? 'folder' : stat.isSocket() ? 'socket' : 'file';
    entries.push({ path: relative(root, path) || '.', mode: stat.mode & 0o777, kind });
    if (kind === 'folder') for (const name of readdirSync(path)) visit(join(path, name));
  };
  visit(root);
  return entries;
}

function assertPrivate(root: string, what: string): ReturnType<typeof walk> {
  const entries = walk(root);
  const open = entries.filter((entry) => entry.kind !== 'link' && entry.mode !== (entry.kind === 'folder' ? 0o700 : 0o600));
  assert.deepEqual(open.map((entry) => `${entry.path} ${entry.kind} ${entry.mode.toString(8)}`), [], `${what}: everything under the library is private`);
  return entries;
}

test('every kind of library file is created private', async () => {
  // A new library has nothing to tighten: every file was created private, including the lock.
  assert.deepEqual((await ok<{ warnings: string[] }>('library.status', {})).warnings, [], 'opening a new library reports nothing');
  const machine = await ok<{ id: string }>('machines.create', { name: 'private', engine: 'v86', memoryMib: 32, cdrom: grubCdrom, osId: 'grub', diskMib: 8 });
  await core?.library.createDisk(machine.id, { name: 'raw', format: 'raw', sizeBytes: 1 << 20 });
  await ok('vm.start', { id: 'private' });
  await waitForScreen(core as HangarCore, 'private', menuEntry.first, 'the GRUB menu');
  const snapshot = await ok<SnapshotViewValue>('snapshots.take', { id: 'private', name: 'kept' });
  assert.ok(snapshot.hasThumbnail, 'the thumbnail is stored (in the database)');
  await core?.library.backup();

  const entries = assertPrivate(home, 'while running');
  const paths = entries.map((entry) => entry.path);
  const has = (pattern: RegExp, what: string): void => assert.ok(paths.some((path) => pattern.test(path)), `${what} exists: ${paths.join(', ')}`);
  has(/^library\.db$/, 'the database');
  has(/^library\.db-wal$/, 'its WAL');
  has(/^library\.db-shm$/, 'its shared memory file');
  has(/^backups\/.+\.db$/, 'a backup');
  has(new RegExp(`^machines/${machine.id}$`), 'the machine folder');
  has(/\/disks\/.+\.qcow2$/, 'the qcow2 disk qemu-img created');
  has(/\/disks\/raw\.img$/, 'the raw disk');
  has(/\/logs$/, 'the logs folder');
  has(/\/engine\/.*\.ovl$/, 'a v86 disk overlay');
  has(/\/engine\/snapshots\/.+\.hsnap$/, 'the engine\'s snapshot state file');
  has(/\/snapshots\/[^/]+\/state\.hsnap$/, 'the library\'s snapshot state file');
  assert.ok(entries.some((entry) => entry.kind === 'socket' && entry.path === 'control.sock'), 'the control socket');
  await ok('vm.poweroff', { id: 'private' });
  assertPrivate(home, 'after power off');
});

test('a library made readable by hand is tightened when it opens, with a warning', async () => {
  await core?.close();
  core = undefined;
  for (const entry of walk(home)) {
    if (entry.kind === 'link' || entry.kind === 'socket') continue;
    chmodSync(join(home, entry.path), entry.kind === 'folder' ? 0o755 : 0o644);
  }
  const library = await Library.open(home);
  try {
    const warning = library.openWarnings.find((line) => line.startsWith('Tightened the permissions'));
    assert.ok(warning, `a warning says what was fixed: ${JSON.stringify(library.openWarnings)}`);
    assert.match(warning, /library\.db 644→600|755→700/);
    assertPrivate(home, 'after reopening');
  } finally {
    await library.close();
  }
  core = await HangarCore.open({ folder: home });
});
