// Backups: private folder and files, listing newest first, pruning of automatic ones only, and
// the restore advice naming the exact command.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { backupDue, listBackups, pruneBackups, restoreAdvice, setAsideDatabase, writeBackup } from './backups.js';
import { LibraryLayout } from './paths.js';

const root = mkdtempSync(join(tmpdir(), 'hangar-backups-'));
after(() => rmSync(root, { recursive: true, force: true }));

describe('backups', () => {
  it('writes 0600 copies into a 0700 folder, lists them newest first and prunes only automatic ones', () => {
    const layout = new LibraryLayout(join(root, 'lib'));
    layout.ensure();
    const db = new Database(layout.database);
    db.exec('CREATE TABLE t (x); INSERT INTO t VALUES (42)');
    assert.ok(backupDue(layout), 'no backup yet: one is due');
    const manual = writeBackup(db, layout, 'manual');
    for (let index = 0; index < 12; index++) writeBackup(db, layout, 'daily');
    db.close();
    assert.equal(statSync(layout.backupsFolder).mode & 0o777, 0o700);
    for (const name of readdirSync(layout.backupsFolder)) assert.equal(statSync(join(layout.backupsFolder, name)).mode & 0o777, 0o600, name);
    const listed = listBackups(layout);
    assert.equal(listed.filter((entry) => entry.reason === 'daily').length, 10, 'automatic backups are pruned to the newest 10');
    assert.ok(listed.some((entry) => entry.path === manual), 'manual backups stay');
    assert.deepEqual(listed.map((entry) => entry.name), [...listed.map((entry) => entry.name)].sort().reverse(), 'newest first');
    assert.equal(pruneBackups(layout, 1).length, 9);
    const copy = new Database(listed[0]?.path ?? '', { readonly: true });
    assert.deepEqual(copy.prepare('SELECT x FROM t').get(), { x: 42 });
    copy.close();
    assert.equal(backupDue(layout), false);
    assert.equal(backupDue(layout, 24 * 3600_000, Date.now() + 25 * 3600_000), true, 'a day later one is due again');
  });

  it('advises the exact restore command, or rebuild when there is no backup', () => {
    const layout = new LibraryLayout(join(root, "it's here"));
    layout.ensure();
    assert.match(restoreAdvice(layout), /No backup exists .*HANGAR_HOME='.*it'\\''s here' hangar library rebuild$/);
    const db = new Database(layout.database);
    db.exec('CREATE TABLE t (x)');
    const path = writeBackup(db, layout, 'daily');
    db.close();
    assert.ok(restoreAdvice(layout).includes(`hangar library restore '${path.replace(/'/g, `'\\''`)}'`), restoreAdvice(layout));
  });

  it('sets a replaced database aside with its WAL, never listing it as a backup', () => {
    const layout = new LibraryLayout(join(root, 'aside'));
    layout.ensure();
    writeFileSync(layout.database, 'broken');
    writeFileSync(`${layout.database}-wal`, 'wal');
    const moved = setAsideDatabase(layout);
    assert.ok(moved && readdirSync(layout.backupsFolder).includes(`${moved.split('/').at(-1)}-wal`));
    assert.deepEqual(listBackups(layout), []);
    assert.deepEqual(readdirSync(layout.root).filter((name) => name.startsWith('library.db')), []);
  });
});
