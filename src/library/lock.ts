/**
 * One app per library. The lock is an exclusive SQLite lock (a POSIX record lock underneath)
 * on `library.lock`, held for as long as the library is open. The kernel drops it when the
 * owning process dies, however it dies, so a lock left by a crash never blocks the next start
 * and pid reuse cannot fool it. `library.lock.json` records who holds it, for the message a
 * refused second instance shows; finding it from a dead owner means a crash was recovered.
 */
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createPrivateFile } from './db.js';
import { hostname } from 'node:os';
import Database from 'better-sqlite3';
import type { Database as DatabaseHandle } from 'better-sqlite3';
import { LibraryError } from './errors.js';

/** Who holds (or held) a lock. */
export interface LockOwner {
  pid: number;
  host: string;
  since: string;
}

function readOwner(path: string): LockOwner | null {
  try {
    return JSON.parse(readFileSync(`${path}.json`, 'utf8')) as LockOwner;
  } catch {
    return null;
  }
}

function isBusy(error: unknown): boolean {
  const code = (error as { code?: string }).code ?? '';
  return code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED');
}

function tryLock(path: string): DatabaseHandle {
  // Created 0600 first: SQLite gives its journal the same mode (it would be 0644 under umask 022).
  createPrivateFile(path);
  const db = new Database(path);
  try {
    db.pragma('busy_timeout = 0');
    db.pragma('journal_mode = DELETE');
    // The lock file's content is worthless; only the lock matters, so skip the fsyncs.
    db.pragma('synchronous = OFF');
    db.pragma('locking_mode = EXCLUSIVE');
    // The first write takes the EXCLUSIVE lock; locking_mode keeps it until close.
    db.exec('BEGIN EXCLUSIVE; CREATE TABLE IF NOT EXISTS held (at TEXT); DELETE FROM held; INSERT INTO held VALUES (datetime()); COMMIT;');
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}

/** A held library lock; `release()` lets it go. */
export class LibraryLock {
  readonly path: string;
  #db: DatabaseHandle | null;

  private constructor(path: string, db: DatabaseHandle) {
    this.path = path;
    this.#db = db;
  }

  /**
   * Takes the lock at `path`. Throws LibraryError('Locked') when another process (or another
   * Library in this process) holds it. `recoveredStale` names the owner of a lock left by a
   * process that died without releasing it.
   */
  static acquire(path: string): { lock: LibraryLock; recoveredStale: LockOwner | null } {
    let db: DatabaseHandle;
    try {
      db = tryLock(path);
    } catch (error) {
      if (isBusy(error)) {
        const owner = readOwner(path);
        if (owner && owner.pid === process.pid && owner.host === hostname()) {
          throw new LibraryError('Locked', `This process already has the library ${path.replace(/[/\\]library\.lock$/, '')} open; close it before opening it again.`);
        }
        const who = owner ? `pid ${owner.pid} on ${owner.host}, since ${owner.since}` : 'another process';
        throw new LibraryError('Locked', `The library is already open in another Hangar (${who}). Close that instance first, or use another library folder with HANGAR_HOME.`);
      }
      const code = (error as { code?: string }).code ?? '';
      if (code === 'SQLITE_NOTADB' || code === 'SQLITE_CORRUPT') {
        // Not a lock file we made (overwritten by hand): it holds nothing of value.
        rmSync(path, { force: true });
        return LibraryLock.acquire(path);
      }
      throw new LibraryError('IoError', `Cannot take the library lock ${path}: ${(error as Error).message}`, { cause: error });
    }
    const previous = readOwner(path);
    const me: LockOwner = { pid: process.pid, host: hostname(), since: new Date().toISOString() };
    // Informational only (names the owner in the refusal message): rename for atomicity, no fsync.
    const temp = `${path}.json.${process.pid}`;
    writeFileSync(temp, JSON.stringify(me), { mode: 0o600 });
    renameSync(temp, `${path}.json`);
    return { lock: new LibraryLock(path, db), recoveredStale: previous };
  }

  get held(): boolean {
    return this.#db !== null;
  }

  /** Lets the lock go (idempotent). */
  release(): void {
    if (!this.#db) return;
    rmSync(`${this.path}.json`, { force: true });
    this.#db.close();
    this.#db = null;
  }
}
