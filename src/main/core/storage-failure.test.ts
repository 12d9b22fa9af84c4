/**
 * Storage failures of snapshot operations on real errors: ENOSPC from /dev/full, SQLITE_FULL from
 * a size-capped database, ENOTDIR from a real mkdir, and a really full small file system (root).
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import Database from 'better-sqlite3';
import { LibraryError } from '../../library/index.js';
import { mountSmallFileSystem } from '../../../test/support/small-fs.js';
import { CoreError } from './core-error.js';
import { explainStorageFailure, libraryStep, nearlyFullBytes, saysNoSpace } from './storage-failure.js';

const folder = mkdtempSync(join(tmpdir(), 'hangar-storage-'));
after(() => rmSync(folder, { recursive: true, force: true }));

/** The error `work` throws. */
function thrown(work: () => unknown): unknown {
  try {
    work();
  } catch (error) {
    return error;
  }
  assert.fail('expected a throw');
}

const enospc = (): unknown => thrown(() => writeFileSync('/dev/full', 'x'));

test('ENOSPC from a write becomes NoSpace naming the folder, its free space and what to do, keeping the original', () => {
  const original = enospc();
  assert.equal((original as NodeJS.ErrnoException).code, 'ENOSPC');
  const explained = explainStorageFailure(original, folder, 'take');
  assert.ok(explained instanceof CoreError);
  assert.equal(explained.errorClass, 'NoSpace');
  assert.match(explained.message, new RegExp(`^There is not enough free space in ${folder} for the snapshot \\(\\d+\\.\\d MiB free\\)\\. Free some space \\(for example delete old snapshots\\) and try again\\. \\(.*ENOSPC.*\\)$`));
  assert.match((explainStorageFailure(original, folder, 'restore') as Error).message, /to restore the snapshot/);
  // QEMU's engine already explains a full disk with the same advice: it is given once.
  const fromQemu = explainStorageFailure(new Error('no space left on the disk holding /x/disk0.qcow2 (0.0 MiB free); free some space and try again (QEMU: No space left on device)'), folder, 'take') as Error;
  assert.equal(fromQemu.message.match(/free some space/gi)?.length, 1, fromQemu.message);
});

test('an engine failure whose text says the disk is full becomes NoSpace', () => {
  for (const text of ['snapshot-save failed: ENOSPC: no space left on device, write', 'write failed: Disk quota exceeded', 'EDQUOT']) {
    const explained = explainStorageFailure(new CoreError('EngineFailed', text), folder, 'take');
    assert.equal((explained as CoreError).errorClass, 'NoSpace', text);
    assert.ok((explained as Error).message.endsWith(`(${text})`), 'the original text comes last');
  }
});

test('SQLITE_FULL from the library database is a full disk', () => {
  const db = new Database(join(folder, 'capped.db'));
  try {
    db.pragma('max_page_count = 2');
    const error = thrown(() => {
      db.exec('CREATE TABLE t (x)');
      db.prepare('INSERT INTO t VALUES (?)').run(Buffer.alloc(64 * 1024));
    });
    assert.equal((error as { code?: string }).code, 'SQLITE_FULL');
    assert.ok(saysNoSpace(error));
    assert.equal((explainStorageFailure(error, folder, 'take') as CoreError).errorClass, 'NoSpace');
  } finally {
    db.close();
  }
});

test('another I/O error of a library step is a library I/O error, not an engine failure', () => {
  writeFileSync(join(folder, 'a-file'), '');
  const error = thrown(() => libraryStep('create a snapshot folder', folder, () => mkdirSync(join(folder, 'a-file', 'snapshot'))));
  assert.ok(error instanceof LibraryError);
  assert.equal(error.class, 'IoError');
  assert.match(error.message, /^Cannot create a snapshot folder: ENOTDIR.*Check that the library folder .* is writable/);
  // The library folder has room, so it stays an I/O error.
  assert.equal(explainStorageFailure(error, folder, 'take'), error);
  // A full disk inside a library step is left for explainStorageFailure to word.
  const full = thrown(() => libraryStep('write', folder, () => writeFileSync('/dev/full', 'x')));
  assert.equal((full as NodeJS.ErrnoException).code, 'ENOSPC');
});

test('refusals and engine failures unrelated to space pass unchanged while there is room', () => {
  for (const error of [new CoreError('EngineFailed', 'snapshot-save failed: the guest is gone'), new CoreError('Conflict', 'busy'), new LibraryError('NotFound', 'no such machine')]) {
    assert.equal(explainStorageFailure(error, folder, 'take'), error);
  }
});

test('an engine failure while the library file system is full becomes NoSpace, a refusal does not', { timeout: 120_000 }, async () => {
  const small = mountSmallFileSystem(8);
  try {
    small.fill();
    assert.ok(small.freeBytes() < nearlyFullBytes);
    const failure = new CoreError('EngineFailed', 'snapshot-save failed: Error while writing VM state: Input/output error');
    const explained = explainStorageFailure(failure, small.path, 'take');
    assert.equal((explained as CoreError).errorClass, 'NoSpace');
    assert.match((explained as Error).message, new RegExp(`in ${small.path} for the snapshot \\(0\\.\\d MiB free\\).*\\(snapshot-save failed: Error while writing VM state: Input/output error\\)$`));
    const refusal = new CoreError('Conflict', 'another snapshot operation is under way');
    assert.equal(explainStorageFailure(refusal, small.path, 'take'), refusal);
    small.release();
    assert.equal(explainStorageFailure(failure, small.path, 'take'), failure, 'with room again it is the engine\'s failure');
  } finally {
    await small.unmount();
  }
});
