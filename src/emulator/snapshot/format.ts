/**
 * The Hangar snapshot file (docs/architecture.md §7): versioned, self-describing, compressed.
 *
 * Layout (integers little-endian):
 *   "HNGRSNAP" · format version (u32) · header length H (u32) · header (H bytes of UTF-8 JSON)
 *   · section data · trailer "HNGREND1" · CRC-32 of the header (u32)
 * The header names the engine and engine version, the machine configuration, the tag and time,
 * and lists the sections (name, offset, stored size, raw size, encoding, CRC-32). A file without
 * its trailer is incomplete: files are written through AtomicFile, so that only happens to a
 * file damaged afterwards.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { promisify } from 'node:util';
import { constants, crc32, gunzipSync, gzip, inflateSync } from 'node:zlib';
import { AtomicFile } from './atomic.js';

export const SNAPSHOT_MAGIC = 'HNGRSNAP';
export const SNAPSHOT_TRAILER = 'HNGREND1';
/** The format version this code writes and reads. */
export const SNAPSHOT_FORMAT_VERSION = 1;
/** File name extension of snapshot files. */
export const SNAPSHOT_EXTENSION = '.hsnap';

const PREFIX_SIZE = 16;
/** Sections are compressed in chunks of this size, as gzip members, on the thread pool in parallel. */
const CHUNK_SIZE = 4 * 1024 * 1024;
const gzipAsync = promisify(gzip);
const TRAILER_SIZE = 12;
const MAX_HEADER = 16 * 1024 * 1024;

/** One named part of a snapshot. */
export interface SectionInfo {
  readonly name: string;
  /** Offset of the stored bytes from the start of the file. */
  readonly offset: number;
  /** Stored (compressed) size. */
  readonly size: number;
  /** Size once decoded. */
  readonly rawSize: number;
  /** `gzip`: one or more gzip members (chunks compressed in parallel); `deflate`: one zlib stream. */
  readonly encoding: 'gzip' | 'deflate' | 'none';
  readonly crc32: number;
}

/** What a snapshot file's header says. */
export interface SnapshotHeader {
  readonly formatVersion: number;
  readonly tag: string;
  readonly engine: string;
  readonly engineVersion: string;
  readonly dateSec: number;
  readonly dateNsec: number;
  /** Guest run time when saved, in nanoseconds (QEMU's vm-clock). */
  readonly vmClockNsec?: number;
  /** The machine configuration the snapshot was taken with (compared before loading). */
  readonly configuration: Readonly<Record<string, unknown>>;
  readonly sections: readonly SectionInfo[];
}

/**
 * Compresses `data` as concatenated gzip members of CHUNK_SIZE bytes, in parallel. Run-length
 * matching only: guest RAM and VGA memory are dominated by runs, and it is several times faster
 * than full LZ matching at nearly the same size on memory images.
 */
async function compress(data: Uint8Array): Promise<Buffer> {
  const chunks: Promise<Buffer>[] = [];
  for (let offset = 0; offset < data.length || offset === 0; offset += CHUNK_SIZE) {
    chunks.push(gzipAsync(data.subarray(offset, offset + CHUNK_SIZE), { level: 1, strategy: constants.Z_RLE }));
    if (data.length === 0) break;
  }
  return Buffer.concat(await Promise.all(chunks));
}

/** A section to write: raw bytes, compressed unless `compress` is false. */
export interface SectionInput {
  readonly name: string;
  readonly data: Uint8Array;
  readonly compress?: boolean;
}

/** A snapshot file that cannot be read; `message` says why. */
export class SnapshotFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SnapshotFormatError';
  }
}

/**
 * Writes a snapshot file atomically (temporary file, fsync, rename, fsync folder). Returns the
 * header written and the file size.
 */
export async function writeSnapshotFile(
  path: string,
  meta: Omit<SnapshotHeader, 'sections' | 'formatVersion'>,
  sections: readonly SectionInput[],
  options: { beforeCommit?: () => void } = {},
): Promise<{ header: SnapshotHeader; size: number }> {
  const names = new Set<string>();
  for (const section of sections) {
    if (names.has(section.name)) throw new Error(`Duplicate snapshot section ${section.name}`);
    names.add(section.name);
  }
  const stored = await Promise.all(
    sections.map(async (section) => {
      const packed = section.compress !== false;
      const bytes = packed ? await compress(section.data) : section.data;
      return { section, bytes, encoding: packed ? ('gzip' as const) : ('none' as const) };
    }),
  );
  // Offsets depend on the header's length, which depends on the offsets' digits: iterate.
  let headerBytes = Buffer.alloc(0);
  let header: SnapshotHeader | undefined;
  for (let attempt = 0; attempt < 4; attempt++) {
    let offset = PREFIX_SIZE + headerBytes.length;
    const infos: SectionInfo[] = stored.map(({ section, bytes, encoding }) => {
      const info = { name: section.name, offset, size: bytes.length, rawSize: section.data.length, encoding, crc32: crc32(bytes) };
      offset += bytes.length;
      return info;
    });
    header = { formatVersion: SNAPSHOT_FORMAT_VERSION, ...meta, sections: infos };
    const next = Buffer.from(JSON.stringify(header));
    const settled = next.length === headerBytes.length;
    headerBytes = next;
    if (settled) break;
  }
  if (!header) throw new Error('unreachable');
  const prefix = Buffer.alloc(PREFIX_SIZE);
  prefix.write(SNAPSHOT_MAGIC, 0, 'latin1');
  prefix.writeUInt32LE(SNAPSHOT_FORMAT_VERSION, 8);
  prefix.writeUInt32LE(headerBytes.length, 12);
  const trailer = Buffer.alloc(TRAILER_SIZE);
  trailer.write(SNAPSHOT_TRAILER, 0, 'latin1');
  trailer.writeUInt32LE(crc32(headerBytes), 8);

  const file = new AtomicFile(path);
  try {
    file.write(prefix);
    file.write(headerBytes);
    for (const { bytes } of stored) file.write(bytes);
    file.write(trailer);
    options.beforeCommit?.();
    file.commit();
  } catch (error) {
    file.discard();
    throw error;
  }
  return { header, size: file.size };
}

function readAt(fd: number, length: number, position: number, path: string): Buffer {
  const buffer = Buffer.alloc(length);
  let done = 0;
  while (done < length) {
    const count = readSync(fd, buffer, done, length - done, position + done);
    if (count === 0) throw new SnapshotFormatError(`${path} is incomplete: it ends at byte ${position + done}`);
    done += count;
  }
  return buffer;
}

/** Reads and checks a snapshot file's header without reading its sections. */
export function readSnapshotHeader(path: string): { header: SnapshotHeader; fileSize: number } {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new SnapshotFormatError(code === 'ENOENT' ? `No snapshot file ${path}` : `Cannot open the snapshot file ${path}: ${(error as Error).message}`);
  }
  try {
    const fileSize = fstatSync(fd).size;
    if (fileSize < PREFIX_SIZE + TRAILER_SIZE) throw new SnapshotFormatError(`${path} is not a Hangar snapshot (only ${fileSize} bytes)`);
    const prefix = readAt(fd, PREFIX_SIZE, 0, path);
    if (prefix.toString('latin1', 0, 8) !== SNAPSHOT_MAGIC) throw new SnapshotFormatError(`${path} is not a Hangar snapshot (bad magic)`);
    const version = prefix.readUInt32LE(8);
    if (version !== SNAPSHOT_FORMAT_VERSION) {
      throw new SnapshotFormatError(`${path} uses snapshot format version ${version}; this Hangar reads version ${SNAPSHOT_FORMAT_VERSION}`);
    }
    const headerLength = prefix.readUInt32LE(12);
    if (headerLength > MAX_HEADER || PREFIX_SIZE + headerLength + TRAILER_SIZE > fileSize) {
      throw new SnapshotFormatError(`${path} is damaged or incomplete (header of ${headerLength} bytes in a file of ${fileSize})`);
    }
    const headerBytes = readAt(fd, headerLength, PREFIX_SIZE, path);
    const trailer = readAt(fd, TRAILER_SIZE, fileSize - TRAILER_SIZE, path);
    if (trailer.toString('latin1', 0, 8) !== SNAPSHOT_TRAILER || trailer.readUInt32LE(8) !== crc32(headerBytes)) {
      throw new SnapshotFormatError(`${path} is incomplete or damaged (no valid end marker)`);
    }
    let header: SnapshotHeader;
    try {
      header = JSON.parse(headerBytes.toString('utf8')) as SnapshotHeader;
    } catch {
      throw new SnapshotFormatError(`${path} has an unreadable header`);
    }
    for (const section of header.sections) {
      if (section.offset + section.size > fileSize - TRAILER_SIZE) throw new SnapshotFormatError(`${path}: section ${section.name} lies outside the file`);
    }
    return { header, fileSize };
  } finally {
    closeSync(fd);
  }
}

/** Bytes read at a time while checking a section's checksum. */
const VERIFY_CHUNK = 4 * 1024 * 1024;

/**
 * Reads a snapshot file completely and checks every checksum (the header's, in the trailer, and
 * each section's) without decoding anything. Throws a SnapshotFormatError whose message starts
 * with the file and says which part is damaged; returns the header when the file is intact.
 * Costs one read of the file, so callers use it before anything that cannot be undone.
 */
export function verifySnapshotFile(path: string): { header: SnapshotHeader; fileSize: number } {
  const read = readSnapshotHeader(path);
  const fd = openSync(path, 'r');
  try {
    for (const section of read.header.sections) {
      let crc = 0;
      for (let done = 0; done < section.size; ) {
        const length = Math.min(VERIFY_CHUNK, section.size - done);
        const chunk = readAt(fd, length, section.offset + done, path);
        crc = crc32(chunk, crc);
        done += length;
      }
      if (crc !== section.crc32) throw new SnapshotFormatError(`${path} is damaged: section ${section.name} fails its checksum (CRC-32 ${crc.toString(16)}, expected ${section.crc32.toString(16)})`);
    }
  } finally {
    closeSync(fd);
  }
  return read;
}

/** Reads, checks and decodes one section. */
export function readSnapshotSection(path: string, header: SnapshotHeader, name: string): Uint8Array {
  const info = header.sections.find((section) => section.name === name);
  if (!info) throw new SnapshotFormatError(`${path} has no section ${name}`);
  const fd = openSync(path, 'r');
  let stored: Buffer;
  try {
    stored = readAt(fd, info.size, info.offset, path);
  } finally {
    closeSync(fd);
  }
  if (crc32(stored) !== info.crc32) throw new SnapshotFormatError(`${path}: section ${name} is damaged (checksum mismatch)`);
  const data = info.encoding === 'gzip' ? gunzipSync(stored) : info.encoding === 'deflate' ? inflateSync(stored) : stored;
  if (data.length !== info.rawSize) throw new SnapshotFormatError(`${path}: section ${name} decodes to ${data.length} bytes, expected ${info.rawSize}`);
  return data;
}

/** Whether a snapshot can be loaded by this engine and configuration, and if not why. */
export function checkCompatibility(
  header: SnapshotHeader,
  current: { engine: string; engineVersion: string; configuration: Readonly<Record<string, unknown>> },
  keys: readonly string[],
): { loadable: true } | { loadable: false; reason: string } {
  if (header.engine !== current.engine) {
    return { loadable: false, reason: `It was taken with the ${header.engine} engine; this machine runs ${current.engine}.` };
  }
  if (header.engineVersion !== current.engineVersion) {
    return { loadable: false, reason: `It was taken with ${header.engine} ${header.engineVersion}; this engine is ${current.engine} ${current.engineVersion}, whose saved states differ.` };
  }
  const differences: string[] = [];
  for (const key of keys) {
    const saved = JSON.stringify(header.configuration[key] ?? null);
    const now = JSON.stringify(current.configuration[key] ?? null);
    if (saved !== now) differences.push(`${key} was ${saved}, is ${now}`);
  }
  if (differences.length > 0) {
    return { loadable: false, reason: `The machine configuration changed since the snapshot: ${differences.join('; ')}. Change it back to load this snapshot.` };
  }
  return { loadable: true };
}
