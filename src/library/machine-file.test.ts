// machine.json follows every change of a machine (settings, drives, disks, snapshots) and
// registering it back into an empty database restores the machine and its snapshot tree.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Library } from './library.js';
import { openDatabase } from './db.js';
import { machineFileName, registerMachineFiles, type MachineFile } from './machine-file.js';
import { LibraryLayout } from './paths.js';

const root = mkdtempSync(join(tmpdir(), 'hangar-machine-file-'));
after(() => rmSync(root, { recursive: true, force: true }));

describe('machine.json', () => {
  it('is rewritten on every change and registers the machine back into a new database', async () => {
    const folder = join(root, 'lib');
    const library = await Library.open(folder, { watch: false });
    const read = (id: string): MachineFile => JSON.parse(readFileSync(join(folder, 'machines', id, machineFileName), 'utf8')) as MachineFile;
    let id: string;
    try {
      const machine = await library.createMachine({ name: 'Filed', osId: 'other', engine: 'qemu' }, { newDisk: { format: 'raw', sizeBytes: 1 << 20 } });
      id = machine.id;
      assert.equal(read(id).machine.name, 'Filed', 'written by the create itself');
      assert.equal(read(id).disks[0]?.relative_path, 'disks/disk0.img');
      library.machines.update(id, { memoryMib: 300, name: 'Renamed' });
      assert.deepEqual([read(id).machine.name, read(id).machine.memory_mib], ['Renamed', 300]);
      const first = library.snapshots.take(id, { name: 'one', engine: 'qemu', engineVersion: '7.2', state: Buffer.from('1') });
      const second = library.snapshots.take(id, { name: 'two', engine: 'qemu', engineVersion: '7.2', state: Buffer.from('2') });
      assert.deepEqual(read(id).snapshots.map((row) => [row.id, row.parent_id]), [[first.id, null], [second.id, first.id]]);
      library.snapshots.setCurrent(id, first.id);
      assert.equal(read(id).machine.current_snapshot_id, first.id);
      library.snapshots.delete(second.id);
      assert.deepEqual(read(id).snapshots.map((row) => row.id), [first.id]);
      library.snapshots.take(id, { name: 'three', engine: 'qemu', engineVersion: '7.2', state: Buffer.from('3') });
    } finally {
      await library.close();
    }
    const expected = read(id);
    // A new, empty database: registering brings the machine back with the same rows.
    const layout = new LibraryLayout(folder);
    for (const suffix of ['', '-wal', '-shm']) rmSync(`${layout.database}${suffix}`, { force: true });
    const db = openDatabase(layout.database);
    const report = registerMachineFiles(db, layout);
    assert.deepEqual(report.machines.map((entry) => [entry.id, entry.name, entry.snapshots]), [[id, 'Renamed', 2]]);
    assert.deepEqual(registerMachineFiles(db, layout).machines, [], 'registering twice adds nothing');
    db.close();
    const reopened = await Library.open(folder, { watch: false });
    try {
      const machine = reopened.machines.get(id);
      assert.deepEqual([machine.name, machine.memoryMib, machine.currentSnapshotId, machine.disks.map((disk) => disk.path)], ['Renamed', 300, expected.machine.current_snapshot_id, [join(folder, 'machines', id, 'disks', 'disk0.img')]]);
      assert.deepEqual(reopened.snapshots.list(id).map((snapshot) => [snapshot.id, snapshot.parentId]), expected.snapshots.map((row) => [row.id, row.parent_id]));
    } finally {
      await reopened.close();
    }
  });
});
