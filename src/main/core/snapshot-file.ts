/**
 * Reads and checks a Hangar snapshot file (docs/architecture.md §7) in the core, so a snapshot can be
 * described, and a damaged one refused, without starting an engine or touching a running one.
 * Layout: "HNGRSNAP", format version (u32 LE), header length (u32 LE), header JSON, section data,
 * trailer "HNGREND1" + CRC-32 of the header; each section has its own CRC-32 in the header.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { crc32 } from 'node:zlib';

/** What a snapshot file's header says (the fields the core uses). */
export interface SnapshotFileHeader {
  formatVersion: number;
  tag: string;
  engine: string;
  engineVersion: string;
  dateSec: number;
  configuration: Record<string, unknown>;
  sections: { name: string; offset?: number; size: number; rawSize?: number; crc32?: number }[];
  fileSize: number;
  /** False when the trailer is missing (the file was cut short). */
  complete: boolean;
}

const prefixSize = 16;
const trailerSize = 12;
/** Bytes read at a time while checking checksums. */
const chunkSize = 4 * 1024 * 1024;

/** Reads exactly `length` bytes at `position`, or throws saying where the file ends. */
function readExactly(fd: number, length: number, position: number, path: string): Buffer {
  const buffer = Buffer.alloc(length);
  for (let done = 0; done < length; ) {
    const count = readSync(fd, buffer, done, length - done, position + done);
    if (count === 0) throw new Error(`${path} ends at byte ${position + done}, inside its data: it is cut short.`);
    done += count;
  }
  return buffer;
}

/** Reads and checks a snapshot file's header; throws with a sentence when it is not one. */
export function readSnapshotFileHeader(path: string): SnapshotFileHeader {
  const fd = openSync(path, 'r');
  try {
    const fileSize = fstatSync(fd).size;
    const prefix = Buffer.alloc(prefixSize);
    if (readSync(fd, prefix, 0, prefixSize, 0) < prefixSize || prefix.toString('latin1', 0, 8) !== 'HNGRSNAP') throw new Error(`${path} is not a Hangar snapshot file.`);
    const headerLength = prefix.readUInt32LE(12);
    if (headerLength > 16 << 20 || prefixSize + headerLength > fileSize) throw new Error(`${path} has a damaged header.`);
    const headerBytes = Buffer.alloc(headerLength);
    readSync(fd, headerBytes, 0, headerLength, prefixSize);
    let header: Omit<SnapshotFileHeader, 'fileSize' | 'complete'>;
    try {
      header = JSON.parse(headerBytes.toString('utf8')) as Omit<SnapshotFileHeader, 'fileSize' | 'complete'>;
    } catch {
      throw new Error(`${path} has a damaged header (it is not readable JSON).`);
    }
    const trailer = Buffer.alloc(trailerSize);
    readSync(fd, trailer, 0, trailerSize, Math.max(0, fileSize - trailerSize));
    return { ...header, formatVersion: prefix.readUInt32LE(8), fileSize, complete: trailer.toString('latin1', 0, 8) === 'HNGREND1' };
  } finally {
    closeSync(fd);
  }
}

/**
 * Reads the whole file and checks every checksum: the header's (in the trailer) and each
 * section's. Returns the header, or why the file is damaged (a sentence naming the part).
 */
export function verifySnapshotFile(path: string): { ok: true; header: SnapshotFileHeader } | { ok: false; reason: string } {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (error) {
    return { ok: false, reason: `its state file ${path} cannot be opened (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}).` };
  }
  try {
    const fileSize = fstatSync(fd).size;
    if (fileSize < prefixSize + trailerSize) return { ok: false, reason: `its state file ${path} has only ${fileSize} bytes.` };
    const prefix = readExactly(fd, prefixSize, 0, path);
    if (prefix.toString('latin1', 0, 8) !== 'HNGRSNAP') return { ok: false, reason: `its state file ${path} does not start like a Hangar snapshot (the first bytes are damaged).` };
    const headerLength = prefix.readUInt32LE(12);
    if (headerLength > 16 << 20 || prefixSize + headerLength + trailerSize > fileSize) return { ok: false, reason: `its state file ${path} has a damaged header length.` };
    const headerBytes = readExactly(fd, headerLength, prefixSize, path);
    const trailer = readExactly(fd, trailerSize, fileSize - trailerSize, path);
    if (trailer.toString('latin1', 0, 8) !== 'HNGREND1') return { ok: false, reason: `its state file ${path} has no end marker (it was cut short or its end is damaged).` };
    if (trailer.readUInt32LE(8) !== crc32(headerBytes)) return { ok: false, reason: `its state file ${path} has a damaged header (checksum mismatch).` };
    const header = { ...(JSON.parse(headerBytes.toString('utf8')) as Omit<SnapshotFileHeader, 'fileSize' | 'complete'>), formatVersion: prefix.readUInt32LE(8), fileSize, complete: true };
    for (const section of header.sections) {
      const { offset, size, crc32: expected } = section;
      if (offset === undefined || expected === undefined || offset + size > fileSize - trailerSize) return { ok: false, reason: `its state file ${path} describes section ${section.name} wrongly.` };
      let crc = 0;
      for (let done = 0; done < size; done += chunkSize) crc = crc32(readExactly(fd, Math.min(chunkSize, size - done), offset + done, path), crc);
      if (crc !== expected) return { ok: false, reason: `section "${section.name}" of its state file ${path} fails its checksum (the data changed after it was saved).` };
    }
    return { ok: true, header };
  } catch (error) {
    return { ok: false, reason: (error as Error).message };
  } finally {
    closeSync(fd);
  }
}
