/**
 * Numbered schema migrations. Migration N takes a database at user_version N-1 to N; each runs
 * in its own transaction together with the user_version bump, so a crash leaves the database at
 * a whole version. Never edit a released migration: add a new one.
 */
import type { Database } from 'better-sqlite3';
import { LibraryError } from './errors.js';

export interface Migration {
  version: number;
  description: string;
  up: string;
}

export const migrations: readonly Migration[] = [
  {
    version: 1,
    description: 'machines, their removable drives and disks, app settings',
    up: `
      CREATE TABLE machines (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        os_id TEXT NOT NULL,
        engine TEXT NOT NULL CHECK (engine IN ('v86', 'qemu')),
        memory_mib INTEGER NOT NULL CHECK (memory_mib > 0),
        cpus INTEGER NOT NULL CHECK (cpus > 0),
        boot_order TEXT NOT NULL,
        display_device TEXT NOT NULL,
        clipboard_mode TEXT NOT NULL DEFAULT 'off',
        speed_limit_mips INTEGER,
        force_tcg INTEGER NOT NULL DEFAULT 0,
        serial_enabled INTEGER NOT NULL DEFAULT 0,
        notes TEXT NOT NULL DEFAULT '',
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
      );
      CREATE UNIQUE INDEX machines_name ON machines (name COLLATE NOCASE);
      CREATE TABLE disks (
        id TEXT PRIMARY KEY,
        machine_id TEXT NOT NULL REFERENCES machines (id) ON DELETE CASCADE,
        path TEXT NOT NULL,
        format TEXT NOT NULL CHECK (format IN ('raw', 'qcow2')),
        size_bytes INTEGER NOT NULL CHECK (size_bytes > 0),
        bus TEXT NOT NULL,
        position INTEGER NOT NULL,
        UNIQUE (machine_id, position)
      );
      CREATE TABLE drives (
        machine_id TEXT NOT NULL REFERENCES machines (id) ON DELETE CASCADE,
        slot TEXT NOT NULL CHECK (slot IN ('cd0', 'fd0')),
        media_path TEXT,
        PRIMARY KEY (machine_id, slot)
      );
      CREATE TABLE settings (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
      );
    `,
  },
  {
    version: 2,
    description: 'media library and watched folders; drives reference media rows',
    up: `
      CREATE TABLE watched_folders (
        id TEXT PRIMARY KEY,
        path TEXT NOT NULL UNIQUE,
        is_default INTEGER NOT NULL DEFAULT 0
      );
      CREATE TABLE media (
        id TEXT PRIMARY KEY,
        path TEXT NOT NULL UNIQUE,
        kind TEXT NOT NULL CHECK (kind IN ('iso', 'floppy', 'disk')),
        size_bytes INTEGER NOT NULL,
        volume_label TEXT,
        os_id TEXT,
        os_name TEXT,
        present INTEGER NOT NULL DEFAULT 1,
        device INTEGER,
        inode INTEGER,
        folder_id TEXT REFERENCES watched_folders (id) ON DELETE SET NULL,
        added_at TEXT NOT NULL,
        last_seen_at TEXT
      );
      CREATE INDEX media_inode ON media (device, inode);
      -- Drives referenced media by path; they now reference media rows. A path that was in a
      -- drive becomes a (possibly missing) media row so the reference is kept.
      INSERT INTO media (id, path, kind, size_bytes, present, added_at)
        SELECT lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || substr(hex(randomblob(2)), 2) || '-8'
                     || substr(hex(randomblob(2)), 2) || '-' || hex(randomblob(6))),
               media_path, CASE WHEN MAX(slot) = 'fd0' THEN 'floppy' ELSE 'iso' END, 0, 0, strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
        FROM drives WHERE media_path IS NOT NULL GROUP BY media_path;
      CREATE TABLE drives_new (
        machine_id TEXT NOT NULL REFERENCES machines (id) ON DELETE CASCADE,
        slot TEXT NOT NULL CHECK (slot IN ('cd0', 'fd0')),
        media_id TEXT REFERENCES media (id) ON DELETE SET NULL,
        PRIMARY KEY (machine_id, slot)
      );
      INSERT INTO drives_new (machine_id, slot, media_id)
        SELECT d.machine_id, d.slot, m.id FROM drives d LEFT JOIN media m ON m.path = d.media_path;
      DROP TABLE drives;
      ALTER TABLE drives_new RENAME TO drives;
    `,
  },
  {
    version: 3,
    description: 'snapshot tree and the current snapshot of each machine',
    up: `
      CREATE TABLE snapshots (
        id TEXT PRIMARY KEY,
        machine_id TEXT NOT NULL REFERENCES machines (id) ON DELETE CASCADE,
        parent_id TEXT REFERENCES snapshots (id) ON DELETE RESTRICT,
        name TEXT NOT NULL,
        description TEXT NOT NULL DEFAULT '',
        created_at TEXT NOT NULL,
        thumbnail BLOB,
        state_file TEXT NOT NULL,
        state_size INTEGER NOT NULL,
        disk_chain TEXT NOT NULL DEFAULT '[]',
        engine TEXT NOT NULL,
        engine_version TEXT NOT NULL,
        config TEXT NOT NULL,
        intact INTEGER NOT NULL DEFAULT 1
      );
      CREATE INDEX snapshots_machine ON snapshots (machine_id);
      CREATE INDEX snapshots_parent ON snapshots (parent_id);
      ALTER TABLE machines ADD COLUMN current_snapshot_id TEXT REFERENCES snapshots (id) ON DELETE SET NULL;
    `,
  },
  {
    version: 4,
    description: 'network settings per machine: mode, NIC model, MAC (generated, unique), cable, port forwards',
    // Existing machines get NAT like new ones, except those with snapshots: their saved states
    // were taken without a network card, and a state does not load into different hardware (v86
    // keeps device state by position), so they keep having none until the user turns it on.
    // Each gets its own locally administered MAC (02:xx:…).
    up: `
      ALTER TABLE machines ADD COLUMN network_mode TEXT NOT NULL DEFAULT 'nat' CHECK (network_mode IN ('nat', 'isolated', 'none'));
      ALTER TABLE machines ADD COLUMN nic_model TEXT NOT NULL DEFAULT 'auto';
      ALTER TABLE machines ADD COLUMN mac TEXT;
      ALTER TABLE machines ADD COLUMN link_connected INTEGER NOT NULL DEFAULT 1;
      ALTER TABLE machines ADD COLUMN forwards TEXT NOT NULL DEFAULT '[]';
      -- randomblob per byte: a subquery would be evaluated once and give every machine the same MAC.
      UPDATE machines SET mac = '02:' || lower(hex(randomblob(1))) || ':' || lower(hex(randomblob(1))) || ':' || lower(hex(randomblob(1)))
                                || ':' || lower(hex(randomblob(1))) || ':' || lower(hex(randomblob(1)));
      UPDATE machines SET network_mode = 'none' WHERE id IN (SELECT machine_id FROM snapshots);
      CREATE UNIQUE INDEX machines_mac ON machines (mac);
    `,
  },
  {
    version: 5,
    description: 'shared folders per machine: [{hostPath, name, readOnly}] as JSON',
    // A JSON list like forwards: shares are read and written whole, never queried one by one.
    up: `
      ALTER TABLE machines ADD COLUMN shares TEXT NOT NULL DEFAULT '[]';
    `,
  },
  {
    version: 6,
    description: 'the OS name a machine\'s install medium gave when the OS database only knows an older release (NULL: the database\'s name for os_id)',
    up: `
      ALTER TABLE machines ADD COLUMN os_name TEXT;
    `,
  },
];

/** The schema version this code writes. */
export const latestVersion = migrations.length;

/**
 * Brings the database to `target` (default: latest). Refuses a database newer than this code,
 * so an older app never damages a library a newer one wrote.
 */
export function migrate(db: Database, target = latestVersion): { from: number; to: number } {
  const from = db.pragma('user_version', { simple: true }) as number;
  if (from > latestVersion) {
    throw new LibraryError(
      'NewerSchema',
      `The library database is at schema version ${from}, but this Hangar only knows up to ${latestVersion}. Update Hangar to open it.`,
    );
  }
  // Table rebuilds in migrations must not trip foreign keys midway; checked after each step.
  const foreignKeys = db.pragma('foreign_keys', { simple: true }) as number;
  db.pragma('foreign_keys = OFF');
  try {
    for (const migration of migrations) {
      if (migration.version <= from || migration.version > target) continue;
      db.transaction(() => {
        db.exec(migration.up);
        const problems = db.pragma('foreign_key_check') as unknown[];
        if (problems.length > 0) {
          throw new LibraryError('Corrupt', `Migration ${migration.version} left ${problems.length} broken references; the database was not changed.`);
        }
        db.pragma(`user_version = ${migration.version}`);
      })();
    }
  } finally {
    db.pragma(`foreign_keys = ${foreignKeys ? 'ON' : 'OFF'}`);
  }
  return { from, to: db.pragma('user_version', { simple: true }) as number };
}
