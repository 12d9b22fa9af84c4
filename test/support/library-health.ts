/**
 * Checks a library folder from outside the app, as a fault test does after each case: the
 * database passes a full `PRAGMA integrity_check` (through a second, read-only connection, so
 * it works while the app still holds the library), and no snapshot folder is left without its
 * row (a half-written snapshot).
 *
 * API:
 *   integrityCheck(libraryFolder)            // the rows integrity_check returned (['ok'] when sound)
 *   assertIntegrity(libraryFolder, what)
 *   snapshotFolders(libraryFolder, machineId) // names of the machine's snapshot folders on disk
 *   snapshotRowIds(libraryFolder, machineId)  // ids of the machine's snapshot rows
 *   engineLogTail(libraryFolder, machineId)   // the end of the machine's engine log, for a failure message
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { LibraryLayout } from '../../src/library/paths.js';

function openReadOnly(libraryFolder: string): Database.Database {
  return new Database(join(libraryFolder, 'library.db'), { readonly: true, fileMustExist: true });
}

/** Runs a full integrity check on the library's database; returns its rows (['ok'] when sound). */
export function integrityCheck(libraryFolder: string): string[] {
  const db = openReadOnly(libraryFolder);
  try {
    return (db.pragma('integrity_check') as { integrity_check: string }[]).map((row) => row.integrity_check);
  } finally {
    db.close();
  }
}

/** Fails naming `what` when the library's database is not sound. */
export function assertIntegrity(libraryFolder: string, what: string): void {
  assert.deepEqual(integrityCheck(libraryFolder), ['ok'], `${what}: PRAGMA integrity_check on ${libraryFolder}/library.db`);
}

/** Names of the folders under the machine's snapshots folder (one per snapshot, pending ones included). */
export function snapshotFolders(libraryFolder: string, machineId: string): string[] {
  try {
    return readdirSync(join(libraryFolder, 'machines', machineId, 'snapshots'), { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => entry.name)
      .sort();
  } catch {
    return [];
  }
}

/** Ids of the machine's snapshot rows, read straight from the database. */
export function snapshotRowIds(libraryFolder: string, machineId: string): string[] {
  const db = openReadOnly(libraryFolder);
  try {
    return (db.prepare('SELECT id FROM snapshots WHERE machine_id = ? ORDER BY id').all(machineId) as { id: string }[]).map((row) => row.id);
  } finally {
    db.close();
  }
}

/** The end of a machine's engine log, for a failure message (empty when it has none). */
export function engineLogTail(libraryFolder: string, machineId: string): string {
  const file = new LibraryLayout(libraryFolder).logFile(machineId, 'engine');
  return existsSync(file) ? `\nengine log (end):\n${readFileSync(file, 'utf8').slice(-3000)}` : '';
}
