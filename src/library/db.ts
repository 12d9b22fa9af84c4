/** Opens the library database with the settings every connection needs. */
import Database from 'better-sqlite3';
import type { Database as DatabaseHandle } from 'better-sqlite3';
import { LibraryError } from './errors.js';
import { migrate } from './migrations.js';

export type { DatabaseHandle };

/**
 * Opens (creating when absent) a library database: WAL journal, foreign keys on, a busy timeout
 * so a concurrent reader never fails at once, then runs pending migrations.
 */
export function openDatabase(path: string, options: { migrate?: boolean; readonly?: boolean } = {}): DatabaseHandle {
  let db: DatabaseHandle;
  try {
    db = new Database(path, { readonly: options.readonly ?? false, fileMustExist: options.readonly ?? false });
  } catch (error) {
    throw new LibraryError('IoError', `Cannot open the library database ${path}: ${(error as Error).message}`, { cause: error });
  }
  try {
    db.pragma('busy_timeout = 5000');
    if (!options.readonly) {
      db.pragma('journal_mode = WAL');
      // FULL: a committed transaction also survives power loss, not only a process crash.
      db.pragma('synchronous = FULL');
    }
    db.pragma('foreign_keys = ON');
    if (options.migrate ?? true) migrate(db);
    return db;
  } catch (error) {
    db.close();
    if (error instanceof LibraryError) throw error;
    throw new LibraryError(
      'Corrupt',
      `The library database ${path} cannot be used: ${(error as Error).message}. Restore a copy from the backups folder next to it, or move it away to start an empty library.`,
      { cause: error },
    );
  }
}
