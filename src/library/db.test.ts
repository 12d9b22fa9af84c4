/**
 * openDatabase creates library.db and its -wal/-shm companions 0600 whatever the umask (issue
 * 12, C.11): checked on the files SQLite itself leaves, before any permission walk could fix them.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { openDatabase } from './db.js';
import { LibraryLayout } from './paths.js';

const root = mkdtempSync(join(tmpdir(), 'hangar-db-'));
after(() => rmSync(root, { recursive: true, force: true }));

const mode = (path: string): string => (statSync(path).mode & 0o777).toString(8);

for (const umask of [0o022, 0o000]) {
  test(`a new library database and its -wal/-shm are 0600 under umask ${umask.toString(8).padStart(3, '0')}`, () => {
    const layout = new LibraryLayout(join(root, `library-${umask.toString(8)}`));
    layout.ensure();
    const previous = process.umask(umask);
    try {
      const db = openDatabase(layout.database, { layout });
      try {
        // A write makes SQLite create the WAL and its shared-memory index.
        db.prepare('CREATE TABLE IF NOT EXISTS probe (x)').run();
        assert.deepEqual(
          ['', '-wal', '-shm'].map((suffix) => `library.db${suffix} ${mode(`${layout.database}${suffix}`)}`),
          ['library.db 600', 'library.db-wal 600', 'library.db-shm 600'],
        );
      } finally {
        db.close();
      }
    } finally {
      process.umask(previous);
    }
  });
}

test('a database opened without a library layout is created 0600 too', () => {
  const path = join(root, 'plain.db');
  const previous = process.umask(0o022);
  try {
    openDatabase(path).close();
    assert.equal(mode(path), '600');
  } finally {
    process.umask(previous);
  }
});
