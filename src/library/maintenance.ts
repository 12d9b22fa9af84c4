/**
 * Library maintenance behind `hangar library check | backup | restore | rebuild`. These work on
 * the files directly, not through an open Library: check and backup use a second connection
 * (safe beside a running app: WAL readers, `VACUUM INTO`); restore and rebuild replace the
 * database, so they take the library lock and refuse while another instance holds it.
 * Nothing is deleted: a replaced database is kept in backups/ (a sound one as a backup, a
 * damaged one as broken-library-<time>.db).
 */
import { chmodSync, copyFileSync, existsSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { listBackups, restoreAdvice, setAsideDatabase, writeBackup, type BackupEntry } from './backups.js';
import { checkDatabase, hasLibraryContent, hasNoSchema, openDatabase, type DatabaseHandle } from './db.js';
import { LibraryError } from './errors.js';
import { LibraryLock } from './lock.js';
import { hasMachineFile, registerMachineFiles, type RegisterReport } from './machine-file.js';
import { latestVersion } from './migrations.js';
import { fsyncFile, fsyncFolder, isId, LibraryLayout, tempMarker } from './paths.js';

/** What `checkLibrary` found. */
export interface LibraryCheck {
  database: string;
  /** True when the database is sound and usable. */
  ok: boolean;
  /** integrity_check rows (['ok'] when sound), or why it could not run. */
  integrity: string[];
  schemaVersion: number | null;
  latestSchemaVersion: number;
  machines: number;
  /** Machine folders on disk (machines/<id>). */
  machineFolders: number;
  /** Machine folders with a machine.json whose machine is not in the database. */
  unregistered: string[];
  backups: BackupEntry[];
  /** What to do when not ok. */
  advice: string | null;
}

/** Runs a full `PRAGMA integrity_check` and compares the database with the machine folders. */
export function checkLibrary(folder: string): LibraryCheck {
  const layout = new LibraryLayout(folder);
  const report: LibraryCheck = {
    database: layout.database,
    ok: false,
    integrity: [],
    schemaVersion: null,
    latestSchemaVersion: latestVersion,
    machines: 0,
    machineFolders: machineFolderIds(layout).length,
    unregistered: [],
    backups: listBackups(layout),
    advice: null,
  };
  if (!existsSync(layout.database)) {
    report.integrity = ['the database file is missing'];
  } else {
    let db: DatabaseHandle | null = null;
    try {
      db = new Database(layout.database, { fileMustExist: true });
      db.pragma('busy_timeout = 5000');
      if (hasNoSchema(db)) report.integrity = ['the database has no tables (empty or truncated file)'];
      else {
        report.integrity = checkDatabase(db, true);
        report.schemaVersion = db.pragma('user_version', { simple: true }) as number;
        const ids = new Set((db.prepare('SELECT id FROM machines').all() as { id: string }[]).map((row) => row.id));
        report.machines = ids.size;
        report.unregistered = machineFolderIds(layout)
          .filter((id) => !ids.has(id) && hasMachineFile(layout.machineFolder(id)))
          .map((id) => layout.machineFolder(id));
      }
    } catch (error) {
      report.integrity = [`cannot be read: ${(error as Error).message}`];
    } finally {
      db?.close();
    }
  }
  const empty = report.integrity[0]?.startsWith('the database has no tables') ?? false;
  report.ok = report.integrity.join() === 'ok' || (empty && !hasLibraryContent(layout));
  if (!report.ok) report.advice = restoreAdvice(layout);
  return report;
}

/** Writes a manual backup (kept until deleted by hand); refuses a damaged database. */
export function backupLibrary(folder: string): string {
  const layout = new LibraryLayout(folder);
  if (!existsSync(layout.database)) throw new LibraryError('NotFound', `There is no library database at ${layout.database} to back up.`);
  const db = new Database(layout.database, { fileMustExist: true });
  try {
    db.pragma('busy_timeout = 5000');
    const problems = hasNoSchema(db) ? ['no tables'] : checkDatabase(db);
    if (problems.join() !== 'ok') {
      throw new LibraryError('Corrupt', `The library database ${layout.database} is damaged (${problems.slice(0, 3).join('; ')}); a copy of it would not be a usable backup. ${restoreAdvice(layout)}`);
    }
    return writeBackup(db, layout, 'manual');
  } finally {
    db.close();
  }
}

/** What `restoreLibrary` did. */
export interface RestoreReport {
  restoredFrom: string;
  /** Where the replaced database went (null when there was none). */
  previous: string | null;
  /** Machines and snapshots made after the backup, registered again from their machine.json. */
  registered: RegisterReport;
}

/**
 * Replaces the library database with a backup (checked first: integrity_check, known schema),
 * then registers the machines and snapshots on disk that the backup does not know (made after
 * it) from their machine.json. Needs the library lock.
 */
export function restoreLibrary(folder: string, backup: string): RestoreReport {
  const layout = new LibraryLayout(folder);
  const source = resolveBackup(layout, backup);
  verifyBackup(source);
  return withMaintenanceLock(layout, 'restore a backup', () => {
    const previous = replaceCurrentDatabase(layout, 'before-restore');
    const temp = join(layout.root, `library.db${tempMarker}restore`);
    rmSync(temp, { force: true });
    copyFileSync(source, temp);
    chmodSync(temp, 0o600);
    fsyncFile(temp);
    renameInto(temp, layout.database);
    const db = openDatabase(layout.database, { layout });
    try {
      return { restoredFrom: source, previous, registered: registerMachineFiles(db, layout) };
    } finally {
      closeFolded(db);
    }
  });
}

/** What `rebuildLibrary` did. */
export interface RebuildReport {
  /** 'new': the database was unusable and was replaced by a new one; 'merged': it was sound and kept. */
  mode: 'new' | 'merged';
  /** Where the replaced (or, when merged, backed-up) database went. */
  previous: string | null;
  registered: RegisterReport;
}

/**
 * Rebuilds the library from the machine folders' machine.json files: a sound database is kept
 * (backed up first) and only machines and snapshots it lacks are added; an unusable one is set
 * aside and a new one is built. Media in drives come back as media rows; settings, watched
 * folders and snapshot thumbnails of an unusable database are not recoverable this way.
 * Needs the library lock.
 */
export function rebuildLibrary(folder: string): RebuildReport {
  const layout = new LibraryLayout(folder);
  return withMaintenanceLock(layout, 'rebuild the library', () => {
    const sound = databaseIsSound(layout);
    let previous: string | null;
    let db: DatabaseHandle;
    if (sound) {
      db = openDatabase(layout.database);
      previous = writeBackup(db, layout, 'before-rebuild');
    } else {
      previous = setAsideDatabase(layout, 'broken');
      db = openDatabase(layout.database);
      chmodSync(layout.database, 0o600);
    }
    try {
      return { mode: sound ? 'merged' : 'new', previous, registered: registerMachineFiles(db, layout) };
    } finally {
      closeFolded(db);
    }
  });
}

function machineFolderIds(layout: LibraryLayout): string[] {
  try {
    return readdirSync(layout.machinesFolder).filter(isId);
  } catch {
    return [];
  }
}

/** A backup given as a path, or as a file name in backups/. */
function resolveBackup(layout: LibraryLayout, backup: string): string {
  const direct = resolve(backup);
  if (existsSync(direct)) return direct;
  const inFolder = join(layout.backupsFolder, basename(backup));
  if (existsSync(inFolder)) return inFolder;
  throw new LibraryError('NotFound', `No backup file ${backup} (looked at ${direct} and ${inFolder}); list the backups with: hangar library check`);
}

/** Refuses a backup that is not a sound library database this Hangar can open. */
function verifyBackup(path: string): void {
  if (!statSync(path).isFile()) throw new LibraryError('InvalidInput', `${path} is not a file.`);
  let db: DatabaseHandle | null = null;
  let problem: string | null = null;
  try {
    db = new Database(path, { readonly: true, fileMustExist: true });
    const version = db.pragma('user_version', { simple: true }) as number;
    const tables = new Set((db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[]).map((row) => row.name));
    const problems = checkDatabase(db, true);
    if (problems.join() !== 'ok') problem = `it is damaged (integrity_check: ${problems.slice(0, 3).join('; ')})`;
    else if (!tables.has('machines') || version < 1) problem = 'it is not a Hangar library database';
    else if (version > latestVersion) problem = `it is from a newer Hangar (schema ${version}, this one knows up to ${latestVersion})`;
  } catch (error) {
    problem = `it cannot be read (${(error as Error).message})`;
  } finally {
    db?.close();
  }
  if (problem) throw new LibraryError('Corrupt', `Cannot restore ${path}: ${problem}. Choose another backup (hangar library check lists them).`);
}

/** True when the current database exists, has tables and passes quick_check. */
function databaseIsSound(layout: LibraryLayout): boolean {
  if (!existsSync(layout.database)) return false;
  let db: DatabaseHandle | null = null;
  try {
    db = new Database(layout.database, { fileMustExist: true });
    return !hasNoSchema(db) && checkDatabase(db).join() === 'ok';
  } catch {
    return false;
  } finally {
    db?.close();
  }
}

/**
 * Takes the current database out of the way: a sound one is copied to backups/ (reason
 * `label`) then removed with its -wal/-shm, an unusable one is moved to backups/ as broken.
 */
function replaceCurrentDatabase(layout: LibraryLayout, label: 'before-restore'): string | null {
  if (!databaseIsSound(layout)) return setAsideDatabase(layout, 'broken');
  const db = new Database(layout.database, { fileMustExist: true });
  let copy: string;
  try {
    copy = writeBackup(db, layout, label);
  } finally {
    db.close();
  }
  for (const suffix of ['', '-wal', '-shm']) rmSync(`${layout.database}${suffix}`, { force: true });
  fsyncFolder(layout.root);
  return copy;
}

/** Moves a complete, flushed file into place and flushes the folder. */
function renameInto(temp: string, target: string): void {
  renameSync(temp, target);
  fsyncFolder(join(target, '..'));
}

function closeFolded(db: DatabaseHandle): void {
  try {
    db.pragma('wal_checkpoint(TRUNCATE)');
  } finally {
    db.close();
  }
}

function withMaintenanceLock<T>(layout: LibraryLayout, what: string, run: () => T): T {
  layout.ensure();
  let lock: LibraryLock;
  try {
    lock = LibraryLock.acquire(layout.lockFile).lock;
  } catch (error) {
    if (error instanceof LibraryError && error.class === 'Locked') {
      throw new LibraryError('Locked', `Cannot ${what} while the library is in use. ${error.message}`, { cause: error });
    }
    throw error;
  }
  try {
    return run();
  } finally {
    lock.release();
  }
}

