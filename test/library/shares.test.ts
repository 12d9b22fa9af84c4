// Shared folders in the library: the text rules (names, paths, the CLI's HOSTPATH[:NAME][:ro]),
// the folder checks when saved (missing, a file, unreadable: refused with the reason, nothing
// saved), machine.json and a rebuild carrying them, and migration 5 from a version-4 library.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Library, LibraryError, rebuildLibrary } from '../../src/library/index.js';
import { migrate } from '../../src/library/migrations.js';
import { shareFolderProblem } from '../../src/library/share-folders.js';
import { checkShareSettings, defaultShareName, parseShareText, shareFlagText, shareMountCommand, shareTag } from '../../src/shared/share-settings.js';

const root = mkdtempSync(join(tmpdir(), 'hangar-shares-'));
// Readable by every user: one check runs as nobody.
chmodSync(root, 0o755);
after(() => rmSync(root, { recursive: true, force: true }));

function folder(name: string): string {
  const path = join(root, 'host', name);
  mkdirSync(path, { recursive: true, mode: 0o755 });
  return path;
}

function rejects(action: () => unknown, pattern: RegExp): void {
  assert.throws(action, (error: unknown) => {
    assert.ok(error instanceof LibraryError, `expected a LibraryError, got ${String(error)}`);
    assert.equal(error.class, 'InvalidInput');
    assert.match(error.message, pattern);
    return true;
  });
}

describe('share rules', () => {
  it('reads HOSTPATH[:NAME][:ro] from the right, so a path may hold colons when a name follows', () => {
    assert.deepEqual(parseShareText('/srv/data'), { hostPath: '/srv/data' });
    assert.deepEqual(parseShareText('/srv/data:ro'), { hostPath: '/srv/data', readOnly: true });
    assert.deepEqual(parseShareText('/srv/data:projects'), { hostPath: '/srv/data', name: 'projects' });
    assert.deepEqual(parseShareText('/srv/data:projects:ro'), { hostPath: '/srv/data', name: 'projects', readOnly: true });
    assert.deepEqual(parseShareText('/srv/a:b/c:x'), { hostPath: '/srv/a:b/c', name: 'x' });
    assert.deepEqual(parseShareText('relative/dir'), { hostPath: 'relative/dir' });
    assert.throws(() => parseShareText('/srv/a:b/c'), /share name "b\/c" is not 1 to 31 letters/);
    assert.throws(() => parseShareText(':ro'), /has no host folder/);
    assert.throws(() => parseShareText('/srv:..'), /only dots/);
    // The engine gets the name every time, so its own right-to-left reading cannot take a colon of the path for one.
    assert.equal(shareFlagText({ hostPath: '/srv/a:b', name: 'data', readOnly: true }), '/srv/a:b:data:ro');
    assert.equal(shareFlagText({ hostPath: '/srv/x', name: 'x', readOnly: false }), '/srv/x:x');
  });

  it('names shares after their folder and tags the first host9p', () => {
    assert.equal(defaultShareName('/home/me/My Projects (2024)/'), 'My_Projects__2024_');
    assert.equal(defaultShareName('/'), 'share');
    assert.equal(defaultShareName(`/${'x'.repeat(40)}`), 'x'.repeat(31));
    assert.equal(shareTag({ name: 'first' }, 0), 'host9p');
    assert.equal(shareTag({ name: 'second' }, 1), 'second');
    assert.equal(shareMountCommand('host9p', 0), 'mount -t 9p -o trans=virtio,version=9p2000.L host9p /mnt');
    assert.equal(shareMountCommand('docs', 1), 'mkdir -p /mnt/docs && mount -t 9p -o trans=virtio,version=9p2000.L docs /mnt/docs');
  });

  it('checks a whole list: defaults, normal paths, unique names, host9p only first', () => {
    const checked = checkShareSettings([{ hostPath: '/srv//data/./x/../' }, { hostPath: '/opt/b', name: 'b', readOnly: true }]);
    assert.deepEqual(checked, { ok: true, value: [{ hostPath: '/srv/data', name: 'data', readOnly: false }, { hostPath: '/opt/b', name: 'b', readOnly: true }] });
    const problem = (value: unknown): string => {
      const result = checkShareSettings(value);
      assert.ok(!result.ok, `expected ${JSON.stringify(value)} to be refused`);
      return result.error;
    };
    assert.match(problem([{ hostPath: '/a', name: 'Data' }, { hostPath: '/b', name: 'data' }]), /Two shared folders are called "Data"/);
    assert.match(problem([{ hostPath: 'rel' }]), /not absolute/);
    assert.match(problem([{ hostPath: '/a', name: 'has space' }]), /not 1 to 31 letters/);
    assert.match(problem([{ hostPath: '/a', name: 'x'.repeat(32) }]), /not 1 to 31 letters/);
    assert.match(problem([{ hostPath: '/a' }, { hostPath: '/b', name: 'host9p' }]), /Only the first shared folder may be called "host9p"/);
    assert.equal(checkShareSettings([{ hostPath: '/a', name: 'host9p' }, { hostPath: '/b' }]).ok, true);
    assert.match(problem([{ hostPath: '/a', readOnly: 'yes' }]), /read-only setting .* is true or false/);
    // The engine flag HOSTPATH:NAME:ro would read a share called ro as the read-only mark.
    assert.match(problem([{ hostPath: '/srv/x', name: 'ro' }]), /"ro" would read as the read-only mark/);
    assert.match(problem(Array.from({ length: 17 }, (_, index) => ({ hostPath: `/f${index}` }))), /at most 16/);
    assert.match(problem('nope'), /a list of/);
  });

  it('says why a folder cannot be shared: missing, a file, not readable', () => {
    const file = join(root, 'host', 'a-file');
    folder('.');
    writeFileSync(file, 'x');
    assert.match(shareFolderProblem({ hostPath: join(root, 'host', 'missing'), name: 'm' }) ?? '', /"m" \(.*missing\) does not exist; create the folder or choose another one/);
    assert.match(shareFolderProblem({ hostPath: file, name: 'f' }) ?? '', /is not a folder; share the folder that contains it instead/);
    assert.match(shareFolderProblem({ hostPath: join(file, 'below'), name: 'f' }) ?? '', /a part of its path is a file/);
    assert.equal(shareFolderProblem({ hostPath: folder('fine'), name: 'fine' }), undefined);
    const closed = folder('closed');
    chmodSync(closed, 0o700);
    // Root reads everything: the check runs as the unprivileged user nobody, in a real process.
    const script = `import { shareFolderProblem } from ${JSON.stringify(join(process.cwd(), 'src/library/share-folders.ts'))}; process.stdout.write(String(shareFolderProblem({ hostPath: ${JSON.stringify(closed)}, name: 'closed' })));`;
    const asNobody = process.getuid?.() === 0 ? ['setpriv', '--reuid=nobody', '--regid=nogroup', '--clear-groups', '--'] : [];
    const [command, ...args] = [...asNobody, process.execPath, '--import', 'tsx', '--input-type=module', '-e', script];
    const output = execFileSync(command as string, args, { encoding: 'utf8', timeout: 60_000, env: { ...process.env, HOME: root } });
    assert.match(output, /"closed" \(.*closed\) is not readable by you \(permission denied\)/);
  });
});

describe('shares in the library', () => {
  const library = join(root, 'library');

  it('stores them, refuses bad folders with the reason and saves nothing, carries them through machine.json and a rebuild', async () => {
    const data = folder('data');
    const docs = folder('docs');
    const opened = await Library.open(library, { watch: false });
    let id: string;
    try {
      const plain = opened.machines.create({ name: 'Plain', osId: 'other', engine: 'v86' });
      assert.deepEqual(plain.shares, []);
      const machine = opened.machines.create({ name: 'Sharing', osId: 'other', engine: 'qemu', shares: [{ hostPath: `${data}/` }, { hostPath: docs, name: 'docs', readOnly: true }] });
      id = machine.id;
      assert.deepEqual(machine.shares, [{ hostPath: data, name: 'data', readOnly: false }, { hostPath: docs, name: 'docs', readOnly: true }]);

      rejects(() => opened.machines.create({ name: 'Bad', osId: 'other', engine: 'v86', shares: [{ hostPath: join(root, 'host', 'nowhere') }] }), /^shares: The shared folder "nowhere" .* does not exist/);
      rejects(() => opened.machines.create({ name: 'Bad', osId: 'other', engine: 'v86', shares: [{ hostPath: data }, { hostPath: docs, name: 'DATA' }] }), /Two shared folders are called "data"/);
      rejects(() => opened.machines.update(id, { shares: [{ hostPath: join(root, 'host', 'a-file') }] }), /is not a folder/);
      rejects(() => opened.machines.update(id, { shares: [{ hostPath: data, name: '../up' }] }), /not 1 to 31 letters/);
      assert.equal(opened.machines.findByName('Bad'), undefined, 'a refused create leaves no machine');
      assert.deepEqual(opened.machines.get(id).shares.map((share) => share.name), ['data', 'docs'], 'a refused update changes nothing');

      // A stored share whose folder went away does not block other changes (the start reports it).
      rmSync(docs, { recursive: true });
      assert.equal(opened.machines.update(id, { memoryMib: 256 }).memoryMib, 256);
      // ...but it cannot be saved again as a change.
      rejects(() => opened.machines.update(id, { shares: [{ hostPath: data }, { hostPath: docs, name: 'docs', readOnly: false }] }), /"docs" .* does not exist/);
      mkdirSync(docs);

      const file = JSON.parse(readFileSync(join(library, 'machines', id, 'machine.json'), 'utf8')) as { machine: Record<string, unknown> };
      assert.deepEqual(JSON.parse(String(file.machine.shares)), machine.shares);
    } finally {
      await opened.close();
    }
    for (const name of ['library.db', 'library.db-wal', 'library.db-shm']) rmSync(join(library, name), { force: true });
    rebuildLibrary(library);
    const reopened = await Library.open(library, { watch: false });
    try {
      assert.deepEqual(reopened.machines.get(id).shares, [{ hostPath: data, name: 'data', readOnly: false }, { hostPath: docs, name: 'docs', readOnly: true }]);
    } finally {
      await reopened.close();
    }
  });

  it('migration 5 takes a version-4 library forward keeping every machine as it was', async () => {
    const old = join(root, 'old-library');
    const first = await Library.open(old, { watch: false });
    let before: ReturnType<typeof first.machines.get>;
    try {
      const created = first.machines.create({ name: 'Kept', osId: 'other', engine: 'qemu', memoryMib: 768, network: { mode: 'isolated', forwards: [{ hostPort: 2222, guestPort: 22 }] } });
      before = first.machines.get(created.id);
    } finally {
      await first.close();
    }
    // Turn it into what version 4 wrote: no shares column.
    const db = new Database(join(old, 'library.db'));
    db.exec('ALTER TABLE machines DROP COLUMN os_name');
    db.exec('ALTER TABLE machines DROP COLUMN shares');
    db.pragma('user_version = 4');
    db.close();
    const migrated = await Library.open(old, { watch: false });
    try {
      const after4 = migrated.machines.get(before.id);
      const { updatedAt: _u, ...rest } = after4;
      const { updatedAt: _b, ...restBefore } = before;
      assert.deepEqual(rest, restBefore);
      assert.deepEqual(after4.shares, []);
      assert.equal(migrated.machines.update(before.id, { shares: [{ hostPath: folder('later') }] }).shares[0]?.name, 'later');
    } finally {
      await migrated.close();
    }
    // And on bare SQL: rows written at version 4 come through with an empty list.
    const bare = new Database(join(root, 'bare.db'));
    migrate(bare, 4);
    bare.prepare(
      `INSERT INTO machines (id, name, os_id, engine, memory_mib, cpus, boot_order, display_device, created_at, updated_at, mac)
       VALUES ('m1', 'One', 'other', 'v86', 64, 1, '["cdrom"]', 'std', 'now', 'now', '02:00:00:00:00:09')`,
    ).run();
    migrate(bare);
    assert.deepEqual(bare.prepare('SELECT name, memory_mib, mac, shares FROM machines').get(), { name: 'One', memory_mib: 64, mac: '02:00:00:00:00:09', shares: '[]' });
    bare.close();
  });
});
