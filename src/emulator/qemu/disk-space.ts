/**
 * Explains a failed snapshot job by the free space of the file system holding its disk image:
 * QEMU reports a save that ran out of room as "Error while writing VM state: Input/output
 * error", which does not tell the user what to do.
 */
import { statfsSync } from 'node:fs';
import { dirname } from 'node:path';

/** QEMU's words for a failed write (ENOSPC reaches a snapshot job as EIO); other failures are not about space. */
const writeFailure = /input\/output error|i\/o error|no space left|error while writing|(failed to|could not|cannot) write/i;

/** Below this much free space a file system counts as full whatever the guest's RAM size. */
const alwaysFullBytes = 16 * 1024 * 1024;

/** Bytes an unprivileged writer can still use on the file system holding `path`, or undefined when it cannot be read. */
export function freeBytes(path: string): number | undefined {
  try {
    const stats = statfsSync(path);
    return stats.bavail * stats.bsize;
  } catch {
    return undefined;
  }
}

function mib(bytes: number): string {
  const value = bytes / (1024 * 1024);
  return value >= 10 ? value.toFixed(0) : value.toFixed(1);
}

/**
 * The job's error with the full disk named first when it is a write failure and the file system
 * holding `diskPath` has less free space than `neededBytes` (the guest's RAM, which a save
 * writes into the image) or under 16 MiB; otherwise `error` unchanged. QEMU's own text stays
 * at the end.
 */
export function explainSnapshotFailure(error: string, diskPath: string, neededBytes: number): string {
  if (!writeFailure.test(error)) return error;
  const free = freeBytes(dirname(diskPath));
  if (free === undefined || free >= Math.max(neededBytes, alwaysFullBytes)) return error;
  return `no space left on the disk holding ${diskPath} (${mib(free)} MiB free); free some space and try again (QEMU: ${error})`;
}
