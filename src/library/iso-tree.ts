/** Looks up folders in an ISO9660 directory tree (primary names; enough to spot /boot/grub). */
import { closeSync, openSync, readSync } from 'node:fs';

const sectorSize = 2048;
/** Directories larger than this are not plausible on install media; stop reading. */
const maxDirectoryBytes = 1024 * 1024;

interface Extent {
  lba: number;
  length: number;
}

function readAt(fd: number, position: number, length: number): Buffer {
  const buffer = Buffer.alloc(length);
  const read = readSync(fd, buffer, 0, length, position);
  return buffer.subarray(0, read);
}

function findChild(fd: number, directory: Extent, wanted: string): Extent | null {
  const data = readAt(fd, directory.lba * sectorSize, Math.min(directory.length, maxDirectoryBytes));
  let offset = 0;
  while (offset < data.length) {
    const recordLength = data[offset] ?? 0;
    if (recordLength === 0) {
      // Records never cross sector boundaries; zero means "skip to the next sector".
      offset = (Math.floor(offset / sectorSize) + 1) * sectorSize;
      continue;
    }
    const flags = data[offset + 25] ?? 0;
    const nameLength = data[offset + 32] ?? 0;
    const name = data.toString('latin1', offset + 33, offset + 33 + nameLength).replace(/;\d+$/, '').replace(/\.$/, '');
    if (flags & 0x02 && name.toLowerCase() === wanted.toLowerCase()) {
      return { lba: data.readUInt32LE(offset + 2), length: data.readUInt32LE(offset + 10) };
    }
    offset += recordLength;
  }
  return null;
}

/** True when the ISO at `path` has the folder `segments` (e.g. ['boot', 'grub']), case-insensitively. */
export function isoHasFolder(path: string, segments: string[]): boolean {
  const fd = openSync(path, 'r');
  try {
    const pvd = readAt(fd, 16 * sectorSize, sectorSize);
    if (pvd.length < sectorSize || pvd[0] !== 1 || pvd.toString('latin1', 1, 6) !== 'CD001') return false;
    let directory: Extent | null = { lba: pvd.readUInt32LE(156 + 2), length: pvd.readUInt32LE(156 + 10) };
    for (const segment of segments) {
      directory = findChild(fd, directory, segment);
      if (!directory) return false;
    }
    return true;
  } finally {
    closeSync(fd);
  }
}
