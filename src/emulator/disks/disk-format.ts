/**
 * The format an engine opens a hard disk image with: the declared one (`--disk-format`, which
 * the app passes from the library) after checking the header, or, for a bare `hangar engine
 * --disk PATH`, the one the header shows. A damaged qcow2 image is refused with what to do —
 * never opened as a raw writable disk.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { diskHeaderLength, verifyDiskHeader } from '../../shared/disk-header.js';
import type { DiskImageFormat } from '../../shared/disk-header.js';
import { ImageError } from './block-file.js';

export type { DiskImageFormat };

/** Reads the first bytes of `path` and its size. */
export function readDiskHeader(path: string): { header: Uint8Array; fileSize: number } {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (error) {
    throw new ImageError(`Cannot read the hard disk image ${path}: ${(error as Error).message}`);
  }
  try {
    const fileSize = fstatSync(fd).size;
    const header = new Uint8Array(Math.min(diskHeaderLength, fileSize));
    let done = 0;
    while (done < header.length) {
      const count = readSync(fd, header, done, header.length - done, done);
      if (count === 0) break;
      done += count;
    }
    return { header: header.subarray(0, done), fileSize };
  } finally {
    closeSync(fd);
  }
}

/**
 * The format to open the disk image at `path` with; throws ImageError when its header is
 * damaged or does not match `declared`.
 */
export function diskImageFormat(path: string, declared?: DiskImageFormat): DiskImageFormat {
  const { header, fileSize } = readDiskHeader(path);
  const verdict = verifyDiskHeader(header, fileSize, declared);
  if (verdict.ok) return verdict.format;
  const advice = verdict.damagedQcow2
    ? ` The engine did not open it, so nothing was written to it. See the damage with \`qemu-img check -f qcow2 ${path}\` (from Hangar: \`hangar disk check MACHINE\`); a damaged header cannot be repaired, so restore the image from a backup.`
    : '';
  throw new ImageError(`The hard disk image ${path} ${verdict.problem}.${advice}`);
}
