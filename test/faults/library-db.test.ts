// Faults of the library database (issue 12, B.8 and D.15): a 0-byte, missing, emptied or
// corrupted library.db is refused (nothing on disk is touched, the message names the restore
// command), kill -9 of the process holding the library during writes never damages it,
// backups exist and `hangar library restore` brings machines back, and `hangar library
// rebuild` recovers machines and their snapshot lists from machine.json when no backup exists.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, type ChildProcess } from 'node:child_process';
import { spawnOwned } from '../../src/node/owned-child.js';
import { existsSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, statSync, truncateSync, writeSync, closeSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { Library, LibraryError, type MachineFile } from '../../src/library/index.js';
import { migrate } from '../../src/library/migrations.js';
import { assertIntegrity } from '../support/library-health.js';

const bin = fileURLToPath(new URL('../../bin/hangar.js', import.meta.url));
const writerScript = fileURLToPath(new URL('../library/crash-child.ts', import.meta.url));
const holderScript = fileURLToPath(new URL('../library/lock-holder.ts', import.meta.url));
const cdrom = '/usr/lib/grub-rescue/grub-rescue-cdrom.iso';
const root = mkdtempSync(join(tmpdir(), 'hangar-fault-db-'));
const children: ChildProcess[] = [];
after(() => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  rmSync(root, { recursive: true, force: true });
});

function hangar(home: string, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const env: NodeJS.ProcessEnv = { ...process.env, HANGAR_HOME: home };
  delete env.HANGAR_CRASH_AT;
  return new Promise((resolve) => {
    execFile(process.execPath, [bin, ...args], { env, timeout: 120_000, killSignal: 'SIGKILL' }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
    });
  });
}

/** Every path under the library's machines folder with its size: "untouched" means equal listings. */
function machinesTree(home: string): string[] {
  const out: string[] = [];
  const walk = (folder: string): void => {
    for (const entry of readdirSync(folder, { withFileTypes: true })) {
      const path = join(folder, entry.name);
      if (entry.isDirectory()) walk(path);
      out.push(`${relative(home, path)} ${entry.isDirectory() ? 'dir' : statSync(path).size}`);
    }
  };
  walk(join(home, 'machines'));
  return out.sort();
}

interface MachineState {
  id: string;
  name: string;
  disks: string[];
  cd0: string | null;
  current: string | null;
  snapshots: string[];
}

/** What a rebuild or restore must bring back: machines, disks, CD path, snapshot tree. */
function state(library: Library): MachineState[] {
  return library.machines
    .list()
    .map(({ id }) => {
      const machine = library.machines.get(id);
      return {
        id,
        name: machine.name,
        disks: machine.disks.map((disk) => disk.path),
        cd0: machine.drives.cd0 ? library.media.get(machine.drives.cd0).path : null,
        current: machine.currentSnapshotId,
        snapshots: library.snapshots.list(id).map((snapshot) => `${snapshot.id} ${snapshot.name} parent=${snapshot.parentId ?? '-'}`),
      };
    })
    .sort((a, b) => a.name.localeCompare(b.name));
}

/** A library with a machine with a disk and a CD, and one with a snapshot tree (s1 → s2, s1 → s3, current s3). */
async function buildLibrary(home: string): Promise<MachineState[]> {
  const library = await Library.open(home, { watch: false });
  try {
    const cd = library.media.add(cdrom);
    await library.createMachine({ name: 'Alpha', osId: 'other', engine: 'qemu', memoryMib: 64 }, { drives: { cd0: cd.id }, newDisk: { format: 'raw', sizeBytes: 1 << 20 } });
    const beta = await library.createMachine({ name: 'Beta', osId: 'other', engine: 'v86', memoryMib: 32 }, { newDisk: { format: 'qcow2', sizeBytes: 16 << 20 } });
    const take = (name: string): string => library.snapshots.take(beta.id, { name, engine: 'v86', engineVersion: 'test', state: Buffer.from(`state of ${name}`) }).id;
    const s1 = take('s1');
    take('s2');
    library.snapshots.setCurrent(beta.id, s1);
    take('s3');
    library.settings.set('theme', 'dark');
    return state(library);
  } finally {
    await library.close();
  }
}

function refusal(error: unknown): LibraryError {
  assert.ok(error instanceof LibraryError, `a LibraryError, got ${String(error)}`);
  assert.equal(error.class, 'Corrupt');
  return error;
}

describe('library database faults', () => {
  it('a 0-byte library.db is refused with the restore command; folders untouched; restore brings every machine back', { timeout: 5 * 60_000 }, async () => {
    const home = join(root, 'zero');
    await buildLibrary(home);
    const backedUp = await hangar(home, 'library', 'backup');
    assert.equal(backedUp.code, 0, backedUp.stderr);
    // A machine made after the backup: restore registers it again from its machine.json.
    const later = await Library.open(home, { watch: false });
    const gamma = await later.createMachine({ name: 'Gamma', osId: 'other', engine: 'v86', memoryMib: 32 });
    later.snapshots.take(gamma.id, { name: 'g1', engine: 'v86', engineVersion: 'test', state: Buffer.from('g1') });
    const expected = state(later);
    await later.close();

    truncateSync(join(home, 'library.db'), 0);
    const before = machinesTree(home);
    const error = await Library.open(home, { watch: false }).then(
      () => assert.fail('a 0-byte database was opened'),
      (caught: unknown) => refusal(caught),
    );
    assert.match(error.message, /is empty \(no tables\) while machine folders/);
    const command = /hangar library restore (\S+)/.exec(error.message);
    assert.ok(command?.[1], `the message names the restore command: ${error.message}`);
    assert.ok(existsSync(command[1]), `the backup it names exists: ${command[1]}`);
    assert.deepEqual(machinesTree(home), before, 'no machine folder was touched');
    assert.ok(!existsSync(join(home, 'lost+found')), 'nothing went to lost+found');
    assert.equal(statSync(join(home, 'library.db')).size, 0, 'the refused file was not written to');
    const listed = await hangar(home, 'list');
    assert.equal(listed.code, 1);
    assert.match(listed.stderr, /hangar library restore /);

    const restored = await hangar(home, 'library', 'restore', command[1]);
    assert.equal(restored.code, 0, restored.stderr);
    assert.match(restored.stdout, /Registered machine "Gamma" with 1 snapshot/);
    const library = await Library.open(home, { watch: false });
    try {
      assert.deepEqual(state(library), expected, 'every machine, disk, CD and snapshot is back');
      assert.equal(library.settings.get('theme', null), 'dark', 'settings come back with the backup');
      assert.ok(!library.reconcileReport.issues.some((issue) => issue.action === 'moved'), 'reconcile moved nothing after the restore');
    } finally {
      await library.close();
    }
    assertIntegrity(home, 'after the restore');
  });

  it('a corrupted middle page is refused at open (quick_check); folders untouched; check says so', { timeout: 5 * 60_000 }, async () => {
    const home = join(root, 'page');
    const library = await Library.open(home, { watch: false });
    // Long names: the name index spans several pages, and nothing a normal open reads touches them.
    for (let index = 0; index < 250; index++) library.machines.create({ name: `Machine ${index} `.padEnd(60, 'x'), osId: 'other', engine: 'qemu' });
    await library.close();
    const path = join(home, 'library.db');
    const stats = new Database(path, { readonly: true });
    const pageSize = stats.pragma('page_size', { simple: true }) as number;
    const indexPages = (stats.prepare("SELECT pageno FROM dbstat WHERE name = 'machines_name' AND pagetype = 'leaf' ORDER BY pageno").all() as { pageno: number }[]).map((row) => row.pageno);
    stats.close();
    assert.ok(indexPages.length >= 3, `the index has pages in the middle (${indexPages.join(', ')})`);
    const victim = indexPages[Math.floor(indexPages.length / 2)] as number;
    const fd = openSync(path, 'r+');
    writeSync(fd, Buffer.alloc(pageSize, 0xa5), 0, pageSize, (victim - 1) * pageSize);
    closeSync(fd);
    const before = machinesTree(home);
    const error = await Library.open(home, { watch: false }).then(
      () => assert.fail('a database with a damaged page was opened'),
      (caught: unknown) => refusal(caught),
    );
    assert.match(error.message, /quick_check/);
    assert.match(error.message, /hangar library restore \S+/);
    assert.deepEqual(machinesTree(home), before, 'no machine folder was touched');
    assert.ok(!existsSync(join(home, 'lost+found')));
    const check = await hangar(home, 'library', 'check');
    assert.equal(check.code, 1, check.stdout);
    assert.match(check.stdout, /not usable/);
  });

  it('reconcile moves nothing when the database has no machines but machine folders exist', { timeout: 5 * 60_000 }, async () => {
    const home = join(root, 'swapped');
    const expected = await buildLibrary(home);
    // Someone copies a fresh library's database over this one.
    const fresh = await Library.open(join(root, 'fresh'), { watch: false });
    await fresh.close();
    copyFileSync(join(root, 'fresh', 'library.db'), join(home, 'library.db'));
    const before = machinesTree(home);
    const library = await Library.open(home, { watch: false });
    try {
      const issue = library.reconcileReport.issues.find((entry) => entry.kind === 'database-integrity');
      assert.match(issue?.detail ?? '', /no machines while machine folders exist; nothing was moved/);
    } finally {
      await library.close();
    }
    assert.deepEqual(machinesTree(home), before, 'no machine folder was moved');
    assert.ok(!existsSync(join(home, 'lost+found')));
    const rebuilt = await hangar(home, 'library', 'rebuild');
    assert.equal(rebuilt.code, 0, rebuilt.stderr);
    const back = await Library.open(home, { watch: false });
    try {
      assert.deepEqual(state(back), expected);
    } finally {
      await back.close();
    }
  });

  it('rebuild restores machines and their snapshot lists from machine.json when no backup exists', { timeout: 5 * 60_000 }, async () => {
    const home = join(root, 'rebuild');
    const expected = await buildLibrary(home);
    for (const suffix of ['', '-wal', '-shm']) rmSync(join(home, `library.db${suffix}`), { force: true });
    rmSync(join(home, 'backups'), { recursive: true, force: true });
    const error = await Library.open(home, { watch: false }).then(
      () => assert.fail('a missing database was silently recreated'),
      (caught: unknown) => refusal(caught),
    );
    assert.match(error.message, /No backup exists .* hangar library rebuild/);
    const rebuilt = await hangar(home, 'library', 'rebuild');
    assert.equal(rebuilt.code, 0, rebuilt.stderr);
    assert.match(rebuilt.stdout, /Registered machine "Beta" with 3 snapshot/);
    const library = await Library.open(home, { watch: false });
    try {
      assert.deepEqual(state(library), expected, 'machines, disks, CD and the snapshot tree with its current mark are back');
      assert.deepEqual(library.reconcileReport.issues.filter((issue) => issue.action !== 'reported' || issue.kind !== 'media-presence-changed'), []);
    } finally {
      await library.close();
    }
    assertIntegrity(home, 'after the rebuild');
  });

  it('restore and rebuild refuse while another instance holds the library, naming it', { timeout: 5 * 60_000 }, async () => {
    const home = join(root, 'held');
    await buildLibrary(home);
    const holder = spawnOwned(process.execPath, ['--import', 'tsx', holderScript, home], { stdio: ['pipe', 'pipe', 'inherit'] });
    children.push(holder);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('lock holder not ready within 60 s')), 60_000);
      holder.stdout?.on('data', (data: Buffer) => {
        if (data.toString().includes('ready')) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
    try {
      const before = readFileSync(join(home, 'library.db'));
      const rebuild = await hangar(home, 'library', 'rebuild');
      assert.equal(rebuild.code, 1);
      assert.match(rebuild.stderr, new RegExp(`Cannot rebuild the library while the library is in use.*pid ${holder.pid}`));
      const backup = (await hangar(home, 'library', 'check')).stdout.match(/(\/\S+library-\S+\.db)/)?.[1];
      assert.ok(backup, 'check lists a backup while the holder runs');
      const restore = await hangar(home, 'library', 'restore', backup);
      assert.equal(restore.code, 1);
      assert.match(restore.stderr, /Cannot restore a backup while the library is in use/);
      assert.ok(readFileSync(join(home, 'library.db')).equals(before), 'the database was not replaced');
    } finally {
      holder.stdin?.end();
      await new Promise((resolve) => (holder.exitCode !== null ? resolve(null) : holder.once('exit', resolve)));
    }
  });

  it('backups: a private backups folder, a daily one at open and one before each migration', { timeout: 5 * 60_000 }, async () => {
    const home = join(root, 'backups');
    const library = await Library.open(home, { watch: false });
    await library.close();
    const folder = join(home, 'backups');
    assert.equal(statSync(folder).mode & 0o777, 0o700);
    const daily = readdirSync(folder).filter((name) => name.endsWith('-daily.db'));
    assert.equal(daily.length, 1, `one daily backup: ${readdirSync(folder).join(', ')}`);
    assert.equal(statSync(join(folder, daily[0] as string)).mode & 0o777, 0o600);
    await (await Library.open(home, { watch: false })).close();
    assert.equal(readdirSync(folder).filter((name) => name.endsWith('-daily.db')).length, 1, 'not more than one a day');

    // An older library (schema 2) is backed up before it is migrated.
    const old = join(root, 'old');
    await (await Library.open(old, { watch: false })).close();
    rmSync(join(old, 'library.db'));
    rmSync(join(old, 'backups'), { recursive: true });
    const db = new Database(join(old, 'library.db'));
    migrate(db, 2);
    db.close();
    await (await Library.open(old, { watch: false })).close();
    const preMigration = readdirSync(join(old, 'backups')).filter((name) => /-pre-migration-v\d+\.db$/.test(name));
    assert.equal(preMigration.length, 1, `a pre-migration backup: ${readdirSync(join(old, 'backups')).join(', ')}`);
    const copy = new Database(join(old, 'backups', preMigration[0] as string), { readonly: true });
    try {
      assert.equal(copy.pragma('user_version', { simple: true }), 2, 'the backup holds the database as it was before the migration');
    } finally {
      copy.close();
    }
  });

  it('survives kill -9 of the holder during library writes ×10: integrity ok, reopen works, machine.json matches the rows', { timeout: 10 * 60_000 }, async () => {
    const home = join(root, 'kill');
    for (let round = 1; round <= 10; round++) {
      const child = spawnOwned(process.execPath, ['--import', 'tsx', writerScript, home], { stdio: ['ignore', 'pipe', 'pipe'] });
      children.push(child);
      let stderr = '';
      child.stderr?.on('data', (data: Buffer) => (stderr += data.toString()));
      await new Promise<void>((resolve, reject) => {
        let done = 0;
        let killing = false;
        const timer = setTimeout(() => {
          child.kill('SIGKILL');
          reject(new Error(`round ${round}: the writer did not get going within 60 s; stderr: ${stderr}`));
        }, 60_000);
        child.stdout?.on('data', (data: Buffer) => {
          done += (data.toString().match(/^op /gm) ?? []).length;
          if (!killing && done >= 4 + round * 3) {
            killing = true;
            setTimeout(() => child.kill('SIGKILL'), (round * 29) % 20);
          }
        });
        child.once('exit', (_code, signal) => {
          clearTimeout(timer);
          if (signal === 'SIGKILL') resolve();
          else reject(new Error(`round ${round}: the writer exited by itself; stderr: ${stderr}`));
        });
      });
      assertIntegrity(home, `round ${round}, right after the kill`);
      const library = await Library.open(home, { watch: false });
      try {
        assert.ok(library.recoveredStaleLock, `round ${round}: the dead holder's lock was recovered`);
        for (const { id, name } of library.machines.list()) {
          const file = JSON.parse(readFileSync(join(home, 'machines', id, 'machine.json'), 'utf8')) as MachineFile;
          assert.equal(file.machine.name, name, `round ${round}: machine.json of ${name}`);
          assert.deepEqual(
            file.snapshots.map((row) => row.id),
            library.snapshots.list(id).map((snapshot) => snapshot.id),
            `round ${round}: the snapshot list in machine.json of ${name}`,
          );
        }
      } finally {
        await library.close();
      }
      const machinesFolder = readdirSync(join(home, 'machines'));
      assert.ok(!machinesFolder.some((name) => name.startsWith('.')), `round ${round}: no interrupted create or delete is left: ${machinesFolder.join(', ')}`);
      const lost = existsSync(join(home, 'lost+found')) ? readdirSync(join(home, 'lost+found')) : [];
      assert.ok(!lost.some((name) => /machine-/.test(name)), `round ${round}: no machine folder went to lost+found: ${lost.join(', ')}`);
      assertIntegrity(home, `round ${round}, after the reopen`);
    }
  });
});
