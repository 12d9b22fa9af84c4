/**
 * Disk image headers: which format a disk image is, and whether a qcow2 header is sound enough
 * to open. Pure (bytes in, verdict out) so the library, the app core and both engines judge an
 * image by the same rules.
 *
 * Why it exists: guessing the format from the magic bytes turns a qcow2 image whose first bytes
 * are damaged into a "raw" disk, and a guest writing to that raw disk destroys the image. The
 * format is therefore declared (stored with the disk in the library) and checked against the
 * header; when nothing is declared, a header that is a qcow2 header in every field but the
 * signature is refused instead of being taken for raw.
 */

/** Image formats Hangar attaches. */
export type DiskImageFormat = 'raw' | 'qcow2';

/** How many bytes of an image's start the checks read (a qcow2 v3 header is 104+ bytes). */
export const diskHeaderLength = 512;

/** A disk image Hangar can open as `format`. */
export interface DiskHeaderSound {
  readonly ok: true;
  readonly format: DiskImageFormat;
  /** Size the guest sees, in bytes. */
  readonly virtualSize: number;
}

/** A disk image that must not be opened; `problem` completes "The disk image PATH …". */
export interface DiskHeaderRefused {
  readonly ok: false;
  readonly problem: string;
  /** True when the file is (or looks like) a qcow2 image with damaged metadata. */
  readonly damagedQcow2: boolean;
}

export type DiskHeaderVerdict = DiskHeaderSound | DiskHeaderRefused;

const qcow2Magic = 0x514649fb; // "QFI\xfb"
const qcow2V2HeaderLength = 72;
const qcow2V3HeaderLength = 104;
/** Incompatible feature bits QEMU 7.2 knows: dirty, corrupt, external data file, compression type, extended L2. */
const knownIncompatibleFeatures = 0b11111n;
const corruptBit = 0b10n;

function view(header: Uint8Array): DataView {
  return new DataView(header.buffer, header.byteOffset, header.byteLength);
}

function u32(header: Uint8Array, offset: number): number {
  return offset + 4 <= header.byteLength ? view(header).getUint32(offset, false) : 0;
}

function u64(header: Uint8Array, offset: number): bigint {
  return offset + 8 <= header.byteLength ? view(header).getBigUint64(offset, false) : 0n;
}

function hex(header: Uint8Array, length: number): string {
  return Array.from(header.subarray(0, length), (byte) => byte.toString(16).padStart(2, '0')).join(' ');
}

/** True when the header starts with the qcow2 signature. */
export function hasQcow2Magic(header: Uint8Array): boolean {
  return header.byteLength >= 4 && u32(header, 0) === qcow2Magic;
}

/**
 * True when every structural field of a qcow2 header is plausible but the signature is not
 * there: a qcow2 image whose first bytes were overwritten. A raw disk's first sector (boot code,
 * a partition table, zeros) practically never has all of these at once.
 */
export function looksLikeDamagedQcow2(header: Uint8Array): boolean {
  if (header.byteLength < qcow2V2HeaderLength || hasQcow2Magic(header)) return false;
  const version = u32(header, 4);
  const clusterBits = u32(header, 20);
  if ((version !== 2 && version !== 3) || clusterBits < 9 || clusterBits > 21) return false;
  const clusterSize = 1n << BigInt(clusterBits);
  const size = u64(header, 24);
  const l1Offset = u64(header, 40);
  const refcountOffset = u64(header, 48);
  return (
    size > 0n &&
    size % 512n === 0n &&
    u32(header, 32) <= 2 &&
    l1Offset > 0n &&
    l1Offset % clusterSize === 0n &&
    refcountOffset > 0n &&
    refcountOffset % clusterSize === 0n &&
    u32(header, 56) > 0
  );
}

/**
 * What is wrong with a qcow2 header, or undefined when it is sound. `fileSize` is the image
 * file's size: tables that end past it mean a truncated image.
 */
export function qcow2HeaderProblem(header: Uint8Array, fileSize: number): string | undefined {
  if (fileSize < qcow2V2HeaderLength) return `is truncated: ${fileSize} bytes, shorter than a qcow2 header (${qcow2V2HeaderLength} bytes)`;
  if (!hasQcow2Magic(header)) return `has no qcow2 signature at its start (found ${hex(header, 4)} where "QFI\\xfb" belongs): its header is damaged`;
  const version = u32(header, 4);
  if (version !== 2 && version !== 3) return `has a damaged qcow2 header: it names format version ${version} (2 or 3 expected)`;
  const clusterBits = u32(header, 20);
  if (clusterBits < 9 || clusterBits > 21) return `has a damaged qcow2 header: cluster size 2^${clusterBits} is outside 512 bytes..2 MiB`;
  const clusterSize = 1n << BigInt(clusterBits);
  const file = BigInt(fileSize);
  if (version === 3) {
    const headerLength = u32(header, 100);
    if (headerLength < qcow2V3HeaderLength || BigInt(headerLength) > clusterSize || headerLength % 8 !== 0) {
      return `has a damaged qcow2 header: header length ${headerLength} is invalid`;
    }
    if (BigInt(headerLength) > file) return `is truncated: ${fileSize} bytes, shorter than its qcow2 header (${headerLength} bytes)`;
    const incompatible = u64(header, 72);
    if (incompatible & corruptBit) return 'is marked corrupt: QEMU found inconsistent metadata in it and stopped writing to it';
    if (incompatible & ~knownIncompatibleFeatures) return `uses qcow2 features unknown to this version (incompatible feature bits 0x${incompatible.toString(16)})`;
    if (u32(header, 96) > 6) return `has a damaged qcow2 header: refcount order ${u32(header, 96)} is above 6`;
  }
  const size = u64(header, 24);
  if (size === 0n) return 'has a damaged qcow2 header: its virtual size is 0';
  if (size > 1n << 56n) return `has a damaged qcow2 header: its virtual size ${size} is impossibly large`;
  const backingOffset = u64(header, 8);
  const backingLength = BigInt(u32(header, 16));
  if (backingOffset !== 0n && (backingLength === 0n || backingLength > 1023n || backingOffset + backingLength > clusterSize)) {
    return 'has a damaged qcow2 header: its backing file name lies outside the header cluster';
  }
  const l1Size = BigInt(u32(header, 36));
  const l1Offset = u64(header, 40);
  const bytesPerL1Entry = clusterSize * (clusterSize / 8n);
  const l1Needed = (size + bytesPerL1Entry - 1n) / bytesPerL1Entry;
  if (l1Size < l1Needed) return `has a damaged qcow2 header: its L1 table has ${l1Size} entries, too few for its virtual size (${l1Needed} needed)`;
  if (l1Size > 0n && (l1Offset === 0n || l1Offset % clusterSize !== 0n)) return `has a damaged qcow2 header: its L1 table offset ${l1Offset} is not cluster aligned`;
  if (l1Offset + l1Size * 8n > file) return `is truncated: its L1 table ends at byte ${l1Offset + l1Size * 8n}, but the file has ${fileSize} bytes`;
  const refcountOffset = u64(header, 48);
  const refcountClusters = BigInt(u32(header, 56));
  if (refcountOffset === 0n || refcountOffset % clusterSize !== 0n || refcountClusters === 0n) {
    return 'has a damaged qcow2 header: its refcount table location is invalid';
  }
  if (refcountOffset + refcountClusters * clusterSize > file) {
    return `is truncated: its refcount table ends at byte ${refcountOffset + refcountClusters * clusterSize}, but the file has ${fileSize} bytes`;
  }
  const snapshots = u32(header, 60);
  const snapshotsOffset = u64(header, 64);
  if (snapshots > 0 && (snapshotsOffset % clusterSize !== 0n || snapshotsOffset === 0n || snapshotsOffset >= file)) {
    return `has a damaged qcow2 header: its snapshot table (${snapshots} snapshots) lies outside the file`;
  }
  return undefined;
}

/**
 * Judges an image by its first bytes and size against the format it is declared to have.
 * Declared qcow2: the header must be sound. Declared raw: any non-empty file (a guest may keep
 * anything in its first sector). Nothing declared: qcow2 when the signature is there (and the
 * header sound), raw otherwise, but never raw for a qcow2 header with a damaged signature.
 */
export function verifyDiskHeader(header: Uint8Array, fileSize: number, declared?: DiskImageFormat): DiskHeaderVerdict {
  if (fileSize <= 0) return { ok: false, problem: 'is empty (0 bytes)', damagedQcow2: false };
  const format = declared ?? (hasQcow2Magic(header) ? 'qcow2' : 'raw');
  if (format === 'raw') {
    if (declared === undefined && looksLikeDamagedQcow2(header)) {
      return {
        ok: false,
        damagedQcow2: true,
        problem: `looks like a qcow2 image whose signature is damaged (found ${hex(header, 4)} where "QFI\\xfb" belongs); it is not opened as a raw disk, because writing to it would destroy the image`,
      };
    }
    return { ok: true, format, virtualSize: fileSize };
  }
  const problem = qcow2HeaderProblem(header, fileSize);
  if (problem !== undefined) return { ok: false, problem, damagedQcow2: true };
  return { ok: true, format, virtualSize: Number(u64(header, 24)) };
}
