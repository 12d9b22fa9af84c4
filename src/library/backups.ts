/**
 * Database backups in <library>/backups/ (folder 0700, files 0600): consistent copies made with
 * `VACUUM INTO` (safe while the database is in use, compact, never a half-written file: written
 * under a temp name, flushed, then renamed). Automatic ones (daily at open, before a migration,
 * before a restore or rebuild replaces the database) are pruned to the newest few; manual ones
 * are kept. Also builds the "how to restore" advice every refusal message carries.
 */
import { chmodSync, existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Database } from 'better-sqlite3';
import { defaultLibraryFolder, fsyncFile, fsyncFolder, tempMarker, type LibraryLayout } from './paths.js';

/** Why a backup was made; part of its file name. */
export type BackupReason = 'daily' | 'manual' | 'before-restore' | 'before-rebuild' | `pre-migration-v${number}`;

/** One restorable backup file. */
export interface BackupEntry {
  path: string;
  name: string;
  /** When it was written (from its name). */
  createdAt: string;
  reason: string;
  sizeBytes: number;
}

/** Automatic backups kept (newest first); manual ones are never pruned. */
export const automaticBackupsKept = 10;

/** Age after which open makes a new daily backup. */
export const dailyBackupAgeMs = 24 * 60 * 60 * 1000;

// library-2024-05-01T10-20-30-123Z-daily.db
const backupPattern = /^library-(\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d-\d{3}Z)-([a-z0-9-]+)\.db$/;

function fileStamp(date = new Date()): string {
  return date.toISOString().replace(/[:.]/g, '-');
}

function stampToIso(stamp: string): string {
  return stamp.replace(/^(\d{4}-\d\d-\d\dT\d\d)-(\d\d)-(\d\d)-(\d{3}Z)$/, '$1:$2:$3.$4');
}

/** Creates <library>/backups with mode 0700 (tightening an existing one) and returns it. */
export function ensureBackupsFolder(layout: LibraryLayout): string {
  mkdirSync(layout.backupsFolder, { recursive: true, mode: 0o700 });
  chmodSync(layout.backupsFolder, 0o700);
  return layout.backupsFolder;
}

/** The restorable backups of a library, newest first (broken copies set aside are not listed). */
export function listBackups(layout: LibraryLayout): BackupEntry[] {
  let names: string[];
  try {
    names = readdirSync(layout.backupsFolder);
  } catch {
    return [];
  }
  const entries: BackupEntry[] = [];
  for (const name of names) {
    const match = backupPattern.exec(name);
    if (!match) continue;
    const path = join(layout.backupsFolder, name);
    const stat = statSync(path, { throwIfNoEntry: false });
    if (!stat?.isFile() || stat.size === 0) continue;
    entries.push({ path, name, createdAt: stampToIso(match[1] as string), reason: match[2] as string, sizeBytes: stat.size });
  }
  // Stamps sort chronologically as text.
  return entries.sort((a, b) => (a.name < b.name ? 1 : a.name > b.name ? -1 : 0));
}

/**
 * Writes a consistent copy of `db` to backups/library-<time>-<reason>.db (0600) and prunes old
 * automatic backups. Returns the path.
 */
export function writeBackup(db: Database, layout: LibraryLayout, reason: BackupReason): string {
  const folder = ensureBackupsFolder(layout);
  let target = join(folder, `library-${fileStamp()}-${reason}.db`);
  for (let counter = 2; existsSync(target); counter++) target = join(folder, `library-${fileStamp()}-${reason}-${counter}.db`);
  copyDatabase(db, target);
  pruneBackups(layout);
  return target;
}

/** `VACUUM INTO` a temp file next to `target`, make it 0600, flush, rename into place. */
export function copyDatabase(db: Database, target: string): void {
  const temp = `${target}${tempMarker}${process.pid}`;
  rmSync(temp, { force: true });
  try {
    db.prepare('VACUUM INTO ?').run(temp);
    chmodSync(temp, 0o600);
    fsyncFile(temp);
    renameSync(temp, target);
  } catch (error) {
    rmSync(temp, { force: true });
    throw error;
  }
  fsyncFolder(join(target, '..'));
}

/** Keeps the newest `keep` automatic backups; manual ones stay. */
export function pruneBackups(layout: LibraryLayout, keep = automaticBackupsKept): string[] {
  const automatic = listBackups(layout).filter((entry) => !entry.reason.startsWith('manual'));
  const removed: string[] = [];
  for (const entry of automatic.slice(keep)) {
    rmSync(entry.path, { force: true });
    removed.push(entry.path);
  }
  return removed;
}

/** True when no automatic backup younger than `maxAgeMs` exists. */
export function backupDue(layout: LibraryLayout, maxAgeMs = dailyBackupAgeMs, at = Date.now()): boolean {
  const newest = listBackups(layout).find((entry) => !entry.reason.startsWith('manual'));
  return !newest || at - Date.parse(newest.createdAt) >= maxAgeMs;
}

/**
 * Moves a database that is being replaced (and its -wal/-shm, which must never be replayed onto
 * another file) to backups/broken-library-<time>.db, so nothing is deleted. Returns the new path,
 * or null when there was no database.
 */
export function setAsideDatabase(layout: LibraryLayout, label = 'broken'): string | null {
  if (!existsSync(layout.database)) {
    for (const suffix of ['-wal', '-shm']) rmSync(`${layout.database}${suffix}`, { force: true });
    return null;
  }
  const folder = ensureBackupsFolder(layout);
  const target = join(folder, `${label}-library-${fileStamp()}.db`);
  renameSync(layout.database, target);
  for (const suffix of ['-wal', '-shm']) {
    const side = `${layout.database}${suffix}`;
    if (existsSync(side)) renameSync(side, `${target}${suffix}`);
  }
  fsyncFolder(layout.root);
  return target;
}

function shellQuote(text: string): string {
  return /^[\w./+:@%=-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}

/** A `hangar` command line for this library (with HANGAR_HOME when it is not the default one). */
export function hangarCommand(layout: LibraryLayout, args: string): string {
  const prefix = layout.root === defaultLibraryFolder() ? '' : `HANGAR_HOME=${shellQuote(layout.root)} `;
  return `${prefix}hangar ${args}`;
}

/** What to do about an unusable database: the exact restore command, or the rebuild command. */
export function restoreAdvice(layout: LibraryLayout): string {
  const newest = listBackups(layout)[0];
  const rebuild = hangarCommand(layout, 'library rebuild');
  if (!newest) {
    return `No backup exists in ${layout.backupsFolder}. Rebuild the library from the machine folders (each keeps its settings in machine.json): ${rebuild}`;
  }
  return (
    `Restore the newest backup (${newest.createdAt}): ${hangarCommand(layout, `library restore ${shellQuote(newest.path)}`)} ` +
    `(all backups: ${hangarCommand(layout, 'library check')}); or rebuild from the machine folders: ${rebuild}`
  );
}
