/**
 * What a CD or floppy image must be before either engine puts it in a drive, at launch or by
 * blockdev-change-medium (the app checks too; a client on the QMP socket reaches the engine
 * directly): an existing, non-empty regular file of the drive's kind.
 *
 * The kind is judged by name and size, as the media library does: content cannot decide, since
 * GRUB's rescue floppy is an ISO9660 image too. An `.iso` (or anything larger than a floppy)
 * never goes into the floppy drive, where it would be a writable floppy; a floppy image without
 * an ISO9660 volume does not go into the CD drive.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { extname } from 'node:path';
import type { DriveSlotName } from '../../shared/protocol/enums.js';
import { ImageError } from '../disks/block-file.js';
import { checkImageFile } from '../disks/file-disk.js';

/** The largest floppy image (2.88 MiB). */
const largestFloppyBytes = 2_949_120;
const floppyExtensions = new Set(['.ima', '.flp', '.vfd']);

/** True when the file has an ISO9660 volume descriptor ("CD001" at byte 32769). */
export function hasIso9660Volume(path: string): boolean {
  const fd = openSync(path, 'r');
  try {
    const magic = Buffer.alloc(5);
    return readSync(fd, magic, 0, 5, 16 * 2048 + 1) === 5 && magic.toString('latin1') === 'CD001';
  } finally {
    closeSync(fd);
  }
}

/** Why `path` (of `size` bytes) must not go into drive `id`, or undefined when it may. */
export function removableKindProblem(path: string, size: number, id: DriveSlotName): string | undefined {
  const extension = extname(path).toLowerCase();
  if (id === 'fd0' && extension === '.iso') return `${path} is a CD/DVD image (.iso), not a floppy image; insert it into cd0.`;
  if (id === 'fd0' && size > largestFloppyBytes) return `${path} is ${size} bytes, larger than any floppy (2.88 MiB); insert floppy images into fd0.`;
  const floppyNamed = floppyExtensions.has(extension) || (extension === '.img' && size <= largestFloppyBytes);
  if (id === 'cd0' && floppyNamed && !hasIso9660Volume(path)) return `${path} is a floppy image, not a CD/DVD image; insert it into fd0.`;
  return undefined;
}

/**
 * Checks that `path` may go into removable drive `id`; returns its size in bytes. Throws an
 * ImageError that says what is wrong and what to do (missing, a folder, empty, wrong kind).
 */
export function checkRemovableMedium(path: string, id: DriveSlotName): number {
  const size = checkImageFile(path, id === 'cd0' ? 'CD/DVD' : 'floppy');
  const problem = removableKindProblem(path, size, id);
  if (problem !== undefined) throw new ImageError(problem);
  return size;
}
