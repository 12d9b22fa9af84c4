// The Library as a whole: open/close, change events, backup, Result-shaped open, proposals.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Library, proposeMachine, osCatalog, type LibraryChange } from './index.js';
import { latestVersion } from './migrations.js';

const root = mkdtempSync(join(tmpdir(), 'hangar-library-'));
after(() => rmSync(root, { recursive: true, force: true }));

describe('Library', () => {
  it('creates the folder layout and a 0700 runtime folder', async () => {
    const folder = join(root, 'layout');
    const library = await Library.open(folder, { watch: false });
    try {
      for (const name of ['library.db', 'library.lock', 'media', 'machines']) assert.ok(existsSync(join(folder, name)), name);
      const run = library.layout.ensureRuntimeFolder();
      assert.equal(statSync(run).mode & 0o777, 0o700);
    } finally {
      await library.close();
    }
    assert.ok(!existsSync(join(folder, 'library.lock.json')), 'close releases the lock');
  });

  it('opens $HANGAR_HOME by default', async () => {
    const folder = join(root, 'home');
    const saved = process.env.HANGAR_HOME;
    process.env.HANGAR_HOME = folder;
    try {
      const library = await Library.open(undefined, { watch: false });
      assert.equal(library.folder, folder);
      await library.close();
    } finally {
      if (saved === undefined) delete process.env.HANGAR_HOME;
      else process.env.HANGAR_HOME = saved;
    }
  });

  it('emits change events for machines, snapshots, media and settings', async () => {
    const library = await Library.open(join(root, 'events'), { watch: false });
    try {
      const changes: LibraryChange[] = [];
      library.on('change', (change) => changes.push(change));
      const machine = library.machines.create({ name: 'Evented', osId: 'other', engine: 'v86' });
      library.machines.update(machine.id, { memoryMib: 64 });
      const snapshot = library.snapshots.take(machine.id, { name: 's', engine: 'v86', engineVersion: '1', state: Buffer.from('x') });
      const iso = join(root, 'events.iso');
      copyFileSync('/usr/lib/grub-rescue/grub-rescue-cdrom.iso', iso);
      const media = library.media.add(iso);
      library.settings.set('k', 1);
      library.machines.delete(machine.id);
      assert.deepEqual(
        changes.map((change) => `${change.entity} ${change.action}`),
        ['machine added', 'machine updated', 'snapshot added', 'media added', 'setting updated', 'machine removed'],
      );
      assert.equal(changes[2]?.id, snapshot.id);
      assert.equal(changes[2]?.machineId, machine.id);
      assert.equal(changes[3]?.id, media.id);
    } finally {
      await library.close();
    }
  });

  it('backs up the open database with the online backup API', async () => {
    const library = await Library.open(join(root, 'backup'), { watch: false });
    try {
      for (let index = 0; index < 50; index++) library.machines.create({ name: `M${index}`, osId: 'other', engine: 'qemu' });
      const progress: number[] = [];
      const path = await library.backup(undefined, (fraction) => progress.push(fraction));
      assert.ok(path.startsWith(join(root, 'backup', 'backups')));
      assert.equal(progress.at(-1), 1);
      const copy = new Database(path, { readonly: true });
      try {
        assert.equal(copy.pragma('integrity_check', { simple: true }), 'ok');
        assert.deepEqual(copy.prepare('SELECT COUNT(*) AS n FROM machines').get(), { n: 50 });
        assert.equal(copy.pragma('user_version', { simple: true }), latestVersion);
      } finally {
        copy.close();
      }
      const explicit = await library.backup(join(root, 'explicit.db'));
      assert.equal(explicit, join(root, 'explicit.db'));
      await assert.rejects(library.backup(join(root, 'backup', 'library.db')), /onto itself/);
    } finally {
      await library.close();
    }
  });

  it('tryOpen returns a Result with a class and description', async () => {
    const file = join(root, 'not-a-folder');
    writeFileSync(file, 'x');
    const result = await Library.tryOpen(file, { watch: false });
    assert.equal(result.ok, false);
    assert.ok(!result.ok && result.error.class === 'IoError' && /Cannot create the library folder/.test(result.error.desc));
  });

  it('refuses a database that is not SQLite with Corrupt, and releases the lock', async () => {
    const folder = join(root, 'corrupt');
    const first = await Library.open(folder, { watch: false });
    await first.close();
    writeFileSync(join(folder, 'library.db'), Buffer.alloc(8192, 0x41));
    rmSync(join(folder, 'library.db-wal'), { force: true });
    rmSync(join(folder, 'library.db-shm'), { force: true });
    const result = await Library.tryOpen(folder, { watch: false });
    assert.equal(result.ok, false);
    assert.ok(!result.ok && result.error.class === 'Corrupt', JSON.stringify(result));
    assert.ok(!result.ok && result.error.desc.includes(join(folder, 'library.db')));
    assert.ok(!existsSync(join(folder, 'library.lock.json')), 'a failed open leaves no lock behind');
  });

  it('proposes wizard defaults within engine limits', () => {
    const catalog = osCatalog();
    const debian = catalog.get('http://debian.org/debian/11');
    assert.ok(debian);
    const qemu = proposeMachine(debian);
    assert.equal(qemu.machine.engine, 'qemu');
    assert.equal(qemu.machine.memoryMib, 1024);
    assert.equal(qemu.diskBytes, 20 * 1024 ** 3);
    const forcedV86 = proposeMachine({ ...debian, memory: { minimumMib: 1024, recommendedMib: 4096 } }, 'v86');
    assert.equal(forcedV86.machine.memoryMib, 2048);
    assert.match(forcedV86.notes.join(' '), /capped at 2048 MiB/);
    const grub = catalog.get('grub');
    assert.ok(grub);
    assert.deepEqual([proposeMachine(grub).machine.engine, proposeMachine(grub).diskBytes], ['v86', 0]);
  });
});
