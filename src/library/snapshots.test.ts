// Snapshot tree (files first, row last) and reconcile after hand-made damage.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { Library } from './library.js';
import { LibraryError } from './errors.js';

function thumbnail(): Buffer {
  const png = new PNG({ width: 4, height: 3 });
  png.data.fill(200);
  return PNG.sync.write(png);
}

describe('snapshots and reconcile', () => {
  let folder: string;
  let library: Library;
  let machineId: string;

  before(async () => {
    folder = mkdtempSync(join(tmpdir(), 'hangar-snapshots-'));
    library = await Library.open(folder, { watch: false });
    machineId = library.machines.create({ name: 'Snappy', osId: 'other', engine: 'v86' }).id;
  });
  after(async () => {
    await library.close();
    rmSync(folder, { recursive: true, force: true });
  });

  it('builds a tree: parent defaults to the current snapshot; thumbnail and config are kept', () => {
    const first = library.snapshots.take(machineId, { name: 'clean install', engine: 'v86', engineVersion: '0.5.462', state: Buffer.from('state one'), thumbnailPng: thumbnail() });
    assert.equal(first.parentId, null);
    assert.equal(first.isCurrent, true);
    assert.equal(first.stateSize, 9);
    assert.equal(first.config.name, 'Snappy');
    assert.deepEqual(Object.keys(first.config).sort(), ['bootOrder', 'clipboardMode', 'cpus', 'displayDevice', 'engine', 'forceTcg', 'memoryMib', 'name', 'notes', 'osId', 'osName', 'serialEnabled', 'speedLimitMips']);
    assert.deepEqual(library.snapshots.thumbnail(first.id), thumbnail());
    const second = library.snapshots.take(machineId, { name: 'updated', engine: 'v86', engineVersion: '0.5.462', state: Buffer.from('state two') });
    assert.equal(second.parentId, first.id);
    assert.equal(library.snapshots.get(first.id).isCurrent, false);
    assert.equal(library.machines.get(machineId).currentSnapshotId, second.id);
    // Restore the first, branch from it.
    library.snapshots.setCurrent(machineId, first.id);
    const branch = library.snapshots.take(machineId, { name: 'branch', engine: 'v86', engineVersion: '0.5.462', state: Buffer.from('state three') });
    assert.equal(branch.parentId, first.id);
    assert.deepEqual(
      library.snapshots.list(machineId).map((snapshot) => [snapshot.name, snapshot.parentId === null ? null : library.snapshots.get(snapshot.parentId).name]),
      [
        ['clean install', null],
        ['updated', 'clean install'],
        ['branch', 'clean install'],
      ],
    );
  });

  it('commit refuses missing, empty or escaping files and writes no row', () => {
    const before = library.snapshots.list(machineId).length;
    const pending = library.snapshots.begin(machineId);
    assert.throws(() => library.snapshots.commit(pending, { name: 'x', stateFile: 'state.bin', engine: 'v86', engineVersion: '1' }), /does not exist; write the file before committing/);
    writeFileSync(join(pending.folder, 'empty.bin'), '');
    assert.throws(() => library.snapshots.commit(pending, { name: 'x', stateFile: 'empty.bin', engine: 'v86', engineVersion: '1' }), /is empty/);
    writeFileSync(join(pending.folder, 'state.bin'), 'data');
    assert.throws(() => library.snapshots.commit(pending, { name: 'x', stateFile: '../../../../library.db', engine: 'v86', engineVersion: '1' }), /outside/);
    assert.throws(() => library.snapshots.commit(pending, { name: '', stateFile: 'state.bin', engine: 'v86', engineVersion: '1' }), /snapshot.name/);
    assert.throws(() => library.snapshots.commit(pending, { name: 'x', stateFile: 'state.bin', engine: 'v86', engineVersion: '1', thumbnailPng: Buffer.from('GIF89a..') }), /not a PNG/);
    assert.equal(library.snapshots.list(machineId).length, before);
    library.snapshots.abandon(pending);
    assert.ok(!existsSync(pending.folder));
  });

  it('delete moves children and the current mark up to the parent, then removes the files', () => {
    const [root, updated, branch] = library.snapshots.list(machineId);
    assert.ok(root && updated && branch);
    const folderOfRoot = join(folder, 'machines', machineId, 'snapshots', root.id);
    library.snapshots.setCurrent(machineId, root.id);
    library.snapshots.delete(root.id);
    assert.ok(!existsSync(folderOfRoot));
    assert.equal(library.snapshots.get(updated.id).parentId, null);
    assert.equal(library.snapshots.get(branch.id).parentId, null);
    assert.equal(library.machines.get(machineId).currentSnapshotId, null);
    assert.throws(() => library.snapshots.get(root.id), (error: unknown) => error instanceof LibraryError && error.class === 'NotFound');
  });

  it('reconcile marks a snapshot whose state file was deleted or truncated by hand, keeping the row', async () => {
    const victim = library.snapshots.take(machineId, { name: 'victim', engine: 'v86', engineVersion: '1', state: Buffer.alloc(1000, 7) });
    const shortened = library.snapshots.take(machineId, { name: 'shortened', engine: 'v86', engineVersion: '1', state: Buffer.alloc(1000, 8) });
    rmSync(library.snapshots.stateFilePath(victim));
    truncateSync(library.snapshots.stateFilePath(shortened), 10);
    await library.close();
    library = await Library.open(folder, { watch: false });
    const kinds = library.reconcileReport.issues.map((issue) => [issue.kind, issue.id, issue.action]);
    assert.deepEqual(kinds, [
      ['snapshot-file-missing', victim.id, 'marked'],
      ['snapshot-file-truncated', shortened.id, 'marked'],
    ]);
    assert.equal(library.snapshots.get(victim.id).intact, false);
    assert.equal(library.snapshots.get(shortened.id).intact, false);
    assert.ok(library.snapshots.list(machineId).some((snapshot) => snapshot.intact), 'undamaged snapshots stay intact');
  });

  it('reconcile moves orphan folders and disk files to lost+found and removes temp leftovers', async () => {
    const orphanSnapshot = join(folder, 'machines', machineId, 'snapshots', '99999999-9999-4999-8999-999999999999');
    mkdirSync(orphanSnapshot);
    writeFileSync(join(orphanSnapshot, 'state.bin'), 'precious');
    const orphanDisk = join(folder, 'machines', machineId, 'disks', 'copied-in.qcow2');
    writeFileSync(orphanDisk, 'disk bytes');
    const orphanMachine = join(folder, 'machines', 'not-a-machine');
    mkdirSync(orphanMachine);
    const leftover = join(folder, 'machines', machineId, 'disks', 'new.qcow2.hangar-tmp-abcd1234');
    writeFileSync(leftover, 'partial');
    const interrupted = join(folder, 'machines', machineId, 'snapshots', '88888888-8888-4888-8888-888888888888');
    mkdirSync(interrupted);
    writeFileSync(join(interrupted, 'state.bin.hangar-tmp-00000000'), 'half');
    const dryRun = library.reconcile({ repair: false });
    assert.equal(dryRun.issues.length, 5 + 2, 'report mode finds the orphans and the earlier damage');
    assert.ok(existsSync(orphanSnapshot) && existsSync(leftover) && existsSync(interrupted), 'report mode changes nothing');

    await library.close();
    library = await Library.open(folder, { watch: false });
    const interruptedIssue = library.reconcileReport.issues.find((issue) => issue.path === interrupted);
    assert.equal(interruptedIssue?.action, 'removed', 'a snapshot folder with only partial writes is removed');
    assert.ok(!existsSync(interrupted));
    const byKind = new Map(library.reconcileReport.issues.filter((issue) => issue !== interruptedIssue).map((issue) => [issue.kind, issue]));
    assert.equal(byKind.get('orphan-snapshot-folder')?.action, 'moved');
    assert.equal(byKind.get('orphan-disk-file')?.action, 'moved');
    assert.equal(byKind.get('orphan-machine-folder')?.action, 'moved');
    assert.equal(byKind.get('temp-file')?.action, 'removed');
    assert.ok(!existsSync(orphanSnapshot) && !existsSync(orphanDisk) && !existsSync(orphanMachine) && !existsSync(leftover));
    const movedTo = byKind.get('orphan-snapshot-folder')?.movedTo;
    assert.ok(movedTo && existsSync(join(movedTo, 'state.bin')), 'the orphan snapshot data is kept in lost+found');
    assert.equal(readdirSync(join(folder, 'lost+found')).length, 3);

    await library.close();
    library = await Library.open(folder, { watch: false });
    assert.deepEqual(
      library.reconcileReport.issues.map((issue) => issue.kind),
      ['snapshot-file-missing', 'snapshot-file-truncated'],
      'a second open finds only the damage it cannot repair (reported again)',
    );
  });

  it('reconcile recreates a missing machine folder and reports a missing disk', async () => {
    const machine = library.machines.create({ name: 'Foldered', osId: 'other', engine: 'qemu' });
    const disk = await library.createDisk(machine.id, { format: 'raw', sizeBytes: 1 << 20 });
    rmSync(join(folder, 'machines', machine.id), { recursive: true });
    const report = library.reconcile();
    const kinds = report.issues.filter((issue) => issue.id === machine.id || issue.id === disk.id).map((issue) => [issue.kind, issue.action]);
    assert.deepEqual(kinds, [
      ['machine-folder-missing', 'created'],
      ['disk-missing', 'reported'],
    ]);
    assert.ok(existsSync(join(folder, 'machines', machine.id, 'disks')));
    assert.equal(library.machines.get(machine.id).disks.length, 1, 'the disk row is kept');
  });

  it('records disk overlays in the chain; reconcile treats them as owned and notices a missing one', () => {
    const pending = library.snapshots.begin(machineId);
    writeFileSync(join(pending.folder, 'state.bin'), 'with overlay');
    const overlay = join(folder, 'machines', machineId, 'disks', 'overlay-1.qcow2');
    writeFileSync(overlay, 'overlay bytes');
    const snapshot = library.snapshots.commit(pending, { name: 'with disk', stateFile: 'state.bin', diskChain: [overlay], engine: 'qemu', engineVersion: '7.2' });
    assert.deepEqual(snapshot.diskChain, ['disks/overlay-1.qcow2']);
    assert.ok(!library.reconcile().issues.some((issue) => issue.path === overlay), 'an overlay in a chain is not an orphan');
    assert.ok(existsSync(overlay));
    rmSync(overlay);
    const report = library.reconcile();
    assert.ok(report.issues.some((issue) => issue.kind === 'snapshot-file-missing' && issue.id === snapshot.id && issue.path === overlay));
    assert.equal(library.snapshots.get(snapshot.id).intact, false);
    const outside = library.snapshots.begin(machineId);
    writeFileSync(join(outside.folder, 'state.bin'), 'x');
    assert.throws(() => library.snapshots.commit(outside, { name: 'bad chain', stateFile: 'state.bin', diskChain: ['/etc/passwd'], engine: 'qemu', engineVersion: '7.2' }), /outside/);
    library.snapshots.abandon(outside);
  });
});

