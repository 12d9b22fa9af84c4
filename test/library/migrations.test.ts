// Migration suite: from empty to the latest schema, and from each previous version to the next
// with data written at that version surviving the step.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { latestVersion, migrate, migrations } from '../../src/library/migrations.js';
import { openDatabase } from '../../src/library/db.js';
import { LibraryError } from '../../src/library/errors.js';

const folder = mkdtempSync(join(tmpdir(), 'hangar-migrations-'));
after(() => rmSync(folder, { recursive: true, force: true }));
let counter = 0;

function freshDatabase(): Database.Database {
  const db = new Database(join(folder, `db-${counter++}.db`));
  db.pragma('foreign_keys = ON');
  return db;
}

function tables(db: Database.Database): string[] {
  return (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as { name: string }[]).map((row) => row.name);
}

function columns(db: Database.Database, table: string): string[] {
  return (db.pragma(`table_info(${table})`) as { name: string }[]).map((row) => row.name);
}

const machineId = '11111111-1111-4111-8111-111111111111';
const stamp = '2026-01-01T00:00:00.000Z';

describe('library migrations', () => {
  it('numbers migrations 1..N without gaps', () => {
    assert.deepEqual(
      migrations.map((migration) => migration.version),
      Array.from({ length: latestVersion }, (_, index) => index + 1),
    );
  });

  it('migrates an empty database to the latest version', () => {
    const db = freshDatabase();
    assert.deepEqual(migrate(db), { from: 0, to: latestVersion });
    assert.equal(db.pragma('user_version', { simple: true }), latestVersion);
    assert.deepEqual(tables(db), ['disks', 'drives', 'machines', 'media', 'settings', 'snapshots', 'watched_folders']);
    assert.equal(db.pragma('integrity_check', { simple: true }), 'ok');
    assert.deepEqual(db.pragma('foreign_key_check'), []);
    // Running again is a no-op.
    assert.deepEqual(migrate(db), { from: latestVersion, to: latestVersion });
    db.close();
  });

  it('openDatabase sets WAL, foreign keys and a busy timeout', () => {
    const db = openDatabase(join(folder, 'opened.db'));
    assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
    assert.equal(db.pragma('foreign_keys', { simple: true }), 1);
    assert.equal(db.pragma('busy_timeout', { simple: true }), 5000);
    assert.equal(db.pragma('user_version', { simple: true }), latestVersion);
    db.close();
  });

  it('migration 1 creates machines, disks, drives and settings', () => {
    const db = freshDatabase();
    migrate(db, 1);
    assert.equal(db.pragma('user_version', { simple: true }), 1);
    assert.deepEqual(tables(db), ['disks', 'drives', 'machines', 'settings']);
    assert.ok(columns(db, 'machines').includes('clipboard_mode'));
    db.prepare(
      `INSERT INTO machines (id, name, os_id, engine, memory_mib, cpus, boot_order, display_device, created_at, updated_at)
       VALUES (?, 'A', 'other', 'v86', 64, 1, '["cdrom"]', 'std', ?, ?)`,
    ).run(machineId, stamp, stamp);
    assert.throws(
      () =>
        db
          .prepare(
            `INSERT INTO machines (id, name, os_id, engine, memory_mib, cpus, boot_order, display_device, created_at, updated_at)
             VALUES ('x', 'a', 'other', 'v86', 64, 1, '[]', 'std', ?, ?)`,
          )
          .run(stamp, stamp),
      /UNIQUE/,
      'names are unique regardless of case',
    );
    db.close();
  });

  it('migration 2 (from version 1) turns drive paths into media rows, keeping references', () => {
    const db = freshDatabase();
    migrate(db, 1);
    db.prepare(
      `INSERT INTO machines (id, name, os_id, engine, memory_mib, cpus, boot_order, display_device, created_at, updated_at)
       VALUES (?, 'A', 'other', 'v86', 64, 1, '["cdrom"]', 'std', ?, ?)`,
    ).run(machineId, stamp, stamp);
    db.prepare("INSERT INTO drives (machine_id, slot, media_path) VALUES (?, 'cd0', '/isos/a.iso'), (?, 'fd0', NULL)").run(machineId, machineId);
    db.prepare("INSERT INTO settings (key, value) VALUES ('theme', '\"dark\"')").run();
    migrate(db, 2);
    assert.equal(db.pragma('user_version', { simple: true }), 2);
    const media = db.prepare('SELECT id, path, kind, present FROM media').all() as { id: string; path: string; kind: string; present: number }[];
    assert.equal(media.length, 1);
    assert.equal(media[0]?.path, '/isos/a.iso');
    assert.equal(media[0]?.kind, 'iso');
    assert.equal(media[0]?.present, 0, 'unknown presence until reconcile checks the file');
    const drives = db.prepare('SELECT slot, media_id FROM drives ORDER BY slot').all();
    assert.deepEqual(drives, [
      { slot: 'cd0', media_id: media[0]?.id },
      { slot: 'fd0', media_id: null },
    ]);
    assert.deepEqual(db.prepare('SELECT value FROM settings').get(), { value: '"dark"' });
    assert.deepEqual(db.pragma('foreign_key_check'), []);
    db.close();
  });

  it('migration 3 (from version 2) adds snapshots and the current snapshot column', () => {
    const db = freshDatabase();
    migrate(db, 2);
    db.prepare(
      `INSERT INTO machines (id, name, os_id, engine, memory_mib, cpus, boot_order, display_device, created_at, updated_at)
       VALUES (?, 'A', 'other', 'qemu', 512, 2, '["disk"]', 'virtio', ?, ?)`,
    ).run(machineId, stamp, stamp);
    migrate(db, 3);
    assert.equal(db.pragma('user_version', { simple: true }), 3);
    assert.ok(tables(db).includes('snapshots'));
    assert.deepEqual(db.prepare('SELECT name, cpus, current_snapshot_id FROM machines').get(), { name: 'A', cpus: 2, current_snapshot_id: null });
    db.prepare(
      `INSERT INTO snapshots (id, machine_id, name, created_at, state_file, state_size, engine, engine_version, config)
       VALUES ('s1', ?, 'one', ?, 'snapshots/s1/state.bin', 10, 'qemu', '7.2', '{}')`,
    ).run(machineId, stamp);
    db.prepare("UPDATE machines SET current_snapshot_id = 's1'").run();
    db.prepare("DELETE FROM snapshots WHERE id = 's1'").run();
    assert.deepEqual(db.prepare('SELECT current_snapshot_id FROM machines').get(), { current_snapshot_id: null }, 'deleting the current snapshot clears the mark');
    db.close();
  });

  it('migration 4 (from version 3) gives each machine network settings and its own locally administered MAC', () => {
    const db = freshDatabase();
    migrate(db, 3);
    const insert = db.prepare(
      `INSERT INTO machines (id, name, os_id, engine, memory_mib, cpus, boot_order, display_device, created_at, updated_at)
       VALUES (?, ?, 'other', 'qemu', 512, 1, '["disk"]', 'std', ?, ?)`,
    );
    const ids = Array.from({ length: 20 }, (_, index) => `m${index}`);
    for (const id of ids) insert.run(id, `Machine ${id}`, stamp, stamp);
    db.prepare(
      `INSERT INTO snapshots (id, machine_id, name, created_at, state_file, state_size, engine, engine_version, config)
       VALUES ('s1', 'm0', 'one', ?, 'snapshots/s1/state.bin', 10, 'qemu', '7.2', '{}')`,
    ).run(stamp);
    migrate(db, 4);
    assert.equal(db.pragma('user_version', { simple: true }), 4);
    const rows = db.prepare('SELECT id, network_mode, nic_model, mac, link_connected, forwards FROM machines ORDER BY id').all() as Record<string, unknown>[];
    for (const row of rows) {
      assert.match(String(row.mac), /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/);
      assert.ok(String(row.mac).startsWith('02:'), 'locally administered unicast');
      assert.equal(row.nic_model, 'auto');
      assert.equal(row.link_connected, 1);
      assert.equal(row.forwards, '[]');
      // A machine with snapshots keeps its hardware (its states were saved without a card); the others get NAT.
      assert.equal(row.network_mode, row.id === 'm0' ? 'none' : 'nat');
    }
    assert.equal(new Set(rows.map((row) => row.mac)).size, rows.length, 'every machine has its own MAC');
    assert.throws(() => db.prepare("UPDATE machines SET mac = (SELECT mac FROM machines WHERE id = 'm1') WHERE id = 'm2'").run(), /UNIQUE/);
    assert.throws(() => db.prepare("UPDATE machines SET network_mode = 'bridge' WHERE id = 'm1'").run(), /CHECK/);
    db.close();
  });

  it('reaches the latest version from every earlier version', () => {
    for (let version = 0; version < latestVersion; version++) {
      const db = freshDatabase();
      migrate(db, version);
      assert.equal(db.pragma('user_version', { simple: true }), version);
      assert.deepEqual(migrate(db), { from: version, to: latestVersion });
      assert.equal(db.pragma('integrity_check', { simple: true }), 'ok');
      db.close();
    }
  });

  it('refuses a database newer than the code and leaves it alone', () => {
    const path = join(folder, 'newer.db');
    const db = new Database(path);
    db.pragma(`user_version = ${latestVersion + 1}`);
    db.close();
    assert.throws(
      () => openDatabase(path),
      (error: unknown) => error instanceof LibraryError && error.class === 'NewerSchema' && /Update Hangar/.test(error.message),
    );
    const again = new Database(path);
    assert.equal(again.pragma('user_version', { simple: true }), latestVersion + 1);
    again.close();
  });

  it('rolls back a migration that fails midway (version stays whole)', () => {
    const db = freshDatabase();
    migrate(db, 1);
    // A table migration 2 wants to create already exists: the step must fail as a whole.
    db.exec('CREATE TABLE media (x INTEGER)');
    assert.throws(() => migrate(db));
    assert.equal(db.pragma('user_version', { simple: true }), 1);
    assert.ok(!tables(db).includes('watched_folders'));
    db.close();
  });
});
