/** Opens the library database with the settings every connection needs, refusing unsafe ones. */
import { closeSync, existsSync, fchmodSync, openSync, readdirSync } from 'node:fs';
import Database from 'better-sqlite3';
import type { Database as DatabaseHandle } from 'better-sqlite3';
import { listBackups, restoreAdvice, writeBackup } from './backups.js';
import { LibraryError } from './errors.js';
import { latestVersion, migrate } from './migrations.js';
import { isId, type LibraryLayout } from './paths.js';

export type { DatabaseHandle };

/** Options of `openDatabase`. */
export interface OpenDatabaseOptions {
  migrate?: boolean;
  readonly?: boolean;
  /**
   * The library the database belongs to. With it, open is guarded: a missing or schema-less
   * database is refused while machine folders or backups exist (it is not a new library, it is
   * a lost one), a database failing `PRAGMA quick_check` is refused, and a backup is written
   * before migrating an existing database. Every refusal names the restore command.
   */
  layout?: LibraryLayout;
}

/** True when the library folder shows a library used to live here (machine folders or backups). */
export function hasLibraryContent(layout: LibraryLayout): boolean {
  let names: string[] = [];
  try {
    names = readdirSync(layout.machinesFolder);
  } catch {
    // No machines folder: nothing to protect there.
  }
  return names.some(isId) || listBackups(layout).length > 0;
}

/** The refusal of an unusable library database. */
export function unusableDatabase(layout: LibraryLayout, problem: string, cause?: unknown): LibraryError {
  return new LibraryError(
    'Corrupt',
    `The library database ${layout.database} ${problem}. Hangar did not open it and changed nothing (machine folders are untouched). ${restoreAdvice(layout)}`,
    cause === undefined ? undefined : { cause },
  );
}

/** Runs `PRAGMA quick_check` (or `integrity_check` with full); returns its rows (['ok'] when sound). */
export function checkDatabase(db: DatabaseHandle, full = false): string[] {
  return (db.pragma(full ? 'integrity_check(100)' : 'quick_check(100)') as Record<string, string>[]).map((row) => Object.values(row)[0] ?? '');
}

/** True when the database has no tables at all (a new or a truncated file). */
export function hasNoSchema(db: DatabaseHandle): boolean {
  return (db.prepare('SELECT COUNT(*) AS n FROM sqlite_master').get() as { n: number }).n === 0;
}

/**
 * Creates `path` empty with mode 0600 unless it exists. SQLite then gives the database's -wal
 * and -shm files the database file's mode, so none of the three depends on the process umask
 * (a file SQLite created itself would be 0644 under the common umask 022).
 */
export function createPrivateFile(path: string): void {
  if (path === '' || path === ':memory:' || path.startsWith('file:')) return;
  let fd: number;
  try {
    fd = openSync(path, 'wx', 0o600);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return;
    throw error;
  }
  try {
    // The umask can only take bits away; an unusual one (e.g. 0277) would leave it unwritable.
    fchmodSync(fd, 0o600);
  } finally {
    closeSync(fd);
  }
}

/**
 * Opens (creating when absent, mode 0600) a library database: WAL journal, foreign keys on, a busy timeout
 * so a concurrent reader never fails at once, then runs pending migrations. See
 * `OpenDatabaseOptions.layout` for the checks of a library open.
 */
export function openDatabase(path: string, options: OpenDatabaseOptions = {}): DatabaseHandle {
  const layout = options.layout;
  const readonly = options.readonly ?? false;
  if (layout && !existsSync(path) && hasLibraryContent(layout)) throw unusableDatabase(layout, 'is missing while machine folders or backups exist');
  let db: DatabaseHandle;
  try {
    if (!readonly) createPrivateFile(path);
    db = new Database(path, { readonly, fileMustExist: readonly });
  } catch (error) {
    throw new LibraryError('IoError', `Cannot open the library database ${path}: ${(error as Error).message}`, { cause: error });
  }
  try {
    db.pragma('busy_timeout = 5000');
    if (layout) {
      // Before anything writes (setting WAL writes a header into an empty file).
      if (hasNoSchema(db) && hasLibraryContent(layout)) throw unusableDatabase(layout, 'is empty (no tables) while machine folders or backups exist');
      let problems: string[];
      try {
        problems = checkDatabase(db);
      } catch (error) {
        // Damage bad enough that the check itself stops ("database disk image is malformed").
        problems = [(error as Error).message];
      }
      if (problems.join() !== 'ok') throw unusableDatabase(layout, `is damaged (SQLite quick_check: ${problems.slice(0, 3).join('; ')})`);
    }
    if (!readonly) {
      db.pragma('journal_mode = WAL');
      // FULL: a committed transaction also survives power loss, not only a process crash.
      db.pragma('synchronous = FULL');
    }
    db.pragma('foreign_keys = ON');
    if (options.migrate ?? true) {
      const version = db.pragma('user_version', { simple: true }) as number;
      if (layout && !readonly && version > 0 && version < latestVersion) writeBackup(db, layout, `pre-migration-v${latestVersion}`);
      migrate(db);
    }
    return db;
  } catch (error) {
    db.close();
    if (error instanceof LibraryError) throw error;
    if (layout) throw unusableDatabase(layout, `cannot be used (${(error as Error).message})`, error);
    throw new LibraryError('Corrupt', `The library database ${path} cannot be used: ${(error as Error).message}. Check it with: hangar library check`, { cause: error });
  }
}
