/**
 * Snapshot failures caused by the library's storage, said in words a person can act on: a full
 * file system becomes `NoSpace` naming the library folder, its free space and what to do; any
 * other I/O error of the library's own files becomes an I/O error of the library (API class
 * `Unavailable`), never an engine failure. The original text is kept at the end of the message.
 */
import { statfsSync } from 'node:fs';
import { LibraryError } from '../../library/index.js';
import { EngineCommandError } from '../supervisor/index.js';
import { CoreError } from './core-error.js';

/** What the failed operation was doing, for the message. */
export type SnapshotAction = 'take' | 'restore';

/**
 * Below this much free space the library's file system counts as full even when the error does
 * not say so (QEMU reports a failed state write as "Input/output error").
 */
export const nearlyFullBytes = 4 * 1024 * 1024;

/** errno and SQLite codes that mean "no room left". */
const noSpaceCodes = new Set(['ENOSPC', 'EDQUOT', 'SQLITE_FULL']);
/** The same said in words (engines pass errors on as text). */
const noSpaceText = /\bENOSPC\b|\bEDQUOT\b|no space left|disk quota exceeded|database or disk is full|not enough (free )?space|(disk|file system) is full/i;

/** Free bytes an unprivileged writer may still use on the file system holding `folder`. */
export function freeBytes(folder: string): number | undefined {
  try {
    const stats = statfsSync(folder);
    return stats.bavail * stats.bsize;
  } catch {
    return undefined;
  }
}

/** True when `error` (or an error in its cause chain) says the disk or a quota is full. */
export function saysNoSpace(error: unknown): boolean {
  let current: unknown = error;
  // Bounded: a cause chain may loop.
  for (let depth = 0; depth < 8 && current !== undefined && current !== null; depth += 1) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && noSpaceCodes.has(code)) return true;
    if (noSpaceText.test(current instanceof Error ? current.message : String(current))) return true;
    current = current instanceof Error ? current.cause : undefined;
  }
  return false;
}

/** The `NoSpace` error of a snapshot that did not fit into `libraryFolder`. */
export function noSpaceError(libraryFolder: string, action: SnapshotAction, original: string): CoreError {
  const free = freeBytes(libraryFolder);
  const amount = free === undefined ? '' : ` (${(free / (1024 * 1024)).toFixed(1)} MiB free)`;
  const purpose = action === 'take' ? 'for the snapshot' : 'to restore the snapshot';
  // The engine's own explanation may already give the advice; say it once.
  const detail = original.replace(/;\s*free some space and try again/i, '');
  return new CoreError('NoSpace', `There is not enough free space in ${libraryFolder} ${purpose}${amount}. Free some space (for example delete old snapshots) and try again. (${detail})`);
}

/**
 * Wraps an I/O error of the library's own files (`what` failed) as a library error; other
 * errors pass unchanged. A full disk is left to `explainStorageFailure`.
 */
export function libraryIoError(error: unknown, what: string, libraryFolder: string): unknown {
  const { code, syscall } = error as NodeJS.ErrnoException;
  // errno errors of a system call, and SQLite's (SQLITE_IOERR, SQLITE_READONLY, …).
  const isIo = typeof code === 'string' && (typeof syscall === 'string' || code.startsWith('SQLITE_'));
  if (!(error instanceof Error) || !isIo || saysNoSpace(error)) return error;
  return new LibraryError('IoError', `Cannot ${what}: ${error.message}. Check that the library folder ${libraryFolder} is writable and its disk is healthy, then try again.`, { cause: error });
}

/**
 * The error to report for `error`, thrown while a snapshot was taken or restored: `NoSpace` when
 * the error says the disk is full, or when an engine or I/O failure happened while the library's
 * file system has (nearly) no free space; else `error` itself.
 */
export function explainStorageFailure(error: unknown, libraryFolder: string, action: SnapshotAction): unknown {
  if (error instanceof CoreError && error.errorClass === 'NoSpace') return error;
  const original = error instanceof Error ? error.message : String(error);
  if (saysNoSpace(error)) return noSpaceError(libraryFolder, action, original);
  // Refusals on purpose (bad name, damaged snapshot, busy machine) are not storage failures.
  if (!mayBeStorage(error)) return error;
  const free = freeBytes(libraryFolder);
  if (free !== undefined && free < nearlyFullBytes) return noSpaceError(libraryFolder, action, original);
  return error;
}

/** True for failures a full disk can cause: engine failures, library I/O errors, raw errors. */
function mayBeStorage(error: unknown): boolean {
  if (error instanceof CoreError) return error.errorClass === 'EngineFailed';
  if (error instanceof LibraryError) return error.class === 'IoError';
  if (error instanceof EngineCommandError) return error.errorClass === 'GenericError' || error.errorClass === 'EngineFailed';
  return true;
}

/** Runs a snapshot operation, reporting its storage failures as `explainStorageFailure` says. */
export async function withStorageExplained<T>(libraryFolder: string, action: SnapshotAction, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw explainStorageFailure(error, libraryFolder, action);
  }
}

/** Runs one step on the library's own files; its I/O errors become library errors (`libraryIoError`). */
export function libraryStep<T>(what: string, libraryFolder: string, step: () => T): T {
  try {
    return step();
  } catch (error) {
    throw libraryIoError(error, what, libraryFolder);
  }
}
