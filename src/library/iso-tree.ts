/**
 * Reads the directory tree of an ISO9660 image: folders and small files by path, with Rock
 * Ridge names when the image has them (install media do: ".disk/info" has no ISO9660 name) and
 * the primary names otherwise. Enough to spot /boot/grub, read `.disk/info` or see which boot
 * files a medium carries; never reads more than a few directories and one small file.
 */
import { closeSync, openSync, readSync } from 'node:fs';

const sectorSize = 2048;
/** Directories larger than this are not plausible on install media; stop reading. */
const maxDirectoryBytes = 1024 * 1024;

interface Extent {
  lba: number;
  length: number;
}

/** One entry of an ISO directory. */
export interface IsoEntry {
  /** The Rock Ridge name when present, else the primary name without ";1" and a trailing dot. */
  name: string;
  isDirectory: boolean;
  sizeBytes: number;
}

interface RawEntry extends IsoEntry {
  extent: Extent;
}

function readAt(fd: number, position: number, length: number): Buffer {
  const buffer = Buffer.alloc(length);
  const read = readSync(fd, buffer, 0, length, position);
  return buffer.subarray(0, read);
}

/** The Rock Ridge "NM" name in a directory record's system use area, or null. */
function rockRidgeName(data: Buffer, start: number, end: number): string | null {
  let name = '';
  let found = false;
  let offset = start;
  while (offset + 4 <= end) {
    const length = data[offset + 2] ?? 0;
    if (length < 4 || offset + length > end) break;
    if (data.toString('latin1', offset, offset + 2) === 'NM') {
      const flags = data[offset + 4] ?? 0;
      // Flags 2 and 4 name "." and ".."; only plain (possibly continued) names count.
      if ((flags & 0x06) === 0) {
        name += data.toString('utf8', offset + 5, offset + length);
        found = true;
      }
    }
    offset += length;
  }
  return found ? name : null;
}

function readDirectory(fd: number, directory: Extent): RawEntry[] {
  const data = readAt(fd, directory.lba * sectorSize, Math.min(directory.length, maxDirectoryBytes));
  const entries: RawEntry[] = [];
  let offset = 0;
  while (offset < data.length) {
    const recordLength = data[offset] ?? 0;
    if (recordLength === 0) {
      // Records never cross sector boundaries; zero means "skip to the next sector".
      offset = (Math.floor(offset / sectorSize) + 1) * sectorSize;
      continue;
    }
    if (offset + recordLength > data.length || recordLength < 34) break;
    const flags = data[offset + 25] ?? 0;
    const nameLength = data[offset + 32] ?? 0;
    const rawName = data.subarray(offset + 33, offset + 33 + nameLength);
    const isSelfOrParent = nameLength === 1 && (rawName[0] === 0 || rawName[0] === 1);
    if (!isSelfOrParent) {
      const systemUse = offset + 33 + nameLength + (nameLength % 2 === 0 ? 1 : 0);
      const primary = rawName.toString('latin1').replace(/;\d+$/, '').replace(/\.$/, '');
      entries.push({
        name: rockRidgeName(data, systemUse, offset + recordLength) ?? primary,
        isDirectory: (flags & 0x02) !== 0,
        sizeBytes: data.readUInt32LE(offset + 10),
        extent: { lba: data.readUInt32LE(offset + 2), length: data.readUInt32LE(offset + 10) },
      });
    }
    offset += recordLength;
  }
  return entries;
}

/** An open ISO image whose tree can be walked; close it when done. */
export interface IsoTree {
  /** The entries of the folder at `segments` ([] is the root), or null when there is no such folder. */
  list(segments: readonly string[]): IsoEntry[] | null;
  /** The first `maxBytes` of the file at `segments`, or null when there is no such file. */
  read(segments: readonly string[], maxBytes: number): Buffer | null;
  close(): void;
}

/**
 * Opens the ISO at `path` for reading its tree; null when it has no ISO9660 primary volume
 * descriptor. Names compare case-insensitively (primary names are upper case).
 */
export function openIsoTree(path: string): IsoTree | null {
  const fd = openSync(path, 'r');
  const pvd = readAt(fd, 16 * sectorSize, sectorSize);
  if (pvd.length < sectorSize || pvd[0] !== 1 || pvd.toString('latin1', 1, 6) !== 'CD001') {
    closeSync(fd);
    return null;
  }
  const root: Extent = { lba: pvd.readUInt32LE(156 + 2), length: pvd.readUInt32LE(156 + 10) };
  const find = (segments: readonly string[]): RawEntry | null => {
    let current: RawEntry = { name: '', isDirectory: true, sizeBytes: root.length, extent: root };
    for (const segment of segments) {
      if (!current.isDirectory) return null;
      const wanted = segment.toLowerCase();
      const child = readDirectory(fd, current.extent).find((entry) => entry.name.toLowerCase() === wanted);
      if (!child) return null;
      current = child;
    }
    return current;
  };
  return {
    list(segments) {
      const folder = find(segments);
      return folder?.isDirectory ? readDirectory(fd, folder.extent).map(({ name, isDirectory, sizeBytes }) => ({ name, isDirectory, sizeBytes })) : null;
    },
    read(segments, maxBytes) {
      const file = find(segments);
      if (!file || file.isDirectory) return null;
      return readAt(fd, file.extent.lba * sectorSize, Math.min(file.sizeBytes, maxBytes));
    },
    close() {
      closeSync(fd);
    },
  };
}

/** True when the ISO at `path` has the folder `segments` (e.g. ['boot', 'grub']), case-insensitively. */
export function isoHasFolder(path: string, segments: string[]): boolean {
  const tree = openIsoTree(path);
  if (!tree) return false;
  try {
    return tree.list(segments) !== null;
  } finally {
    tree.close();
  }
}
