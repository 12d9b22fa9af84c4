/**
 * Reads the header of a Hangar snapshot file (DESIGN.md §7) in the core, so a stopped machine's
 * snapshot can be described without starting an engine. Layout: "HNGRSNAP", format version
 * (u32 LE), header length (u32 LE), header JSON, section data, trailer "HNGREND1" + CRC-32.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';

/** What a snapshot file's header says (the fields the core uses). */
export interface SnapshotFileHeader {
  formatVersion: number;
  tag: string;
  engine: string;
  engineVersion: string;
  dateSec: number;
  configuration: Record<string, unknown>;
  sections: { name: string; size: number; rawSize?: number }[];
  fileSize: number;
  /** False when the trailer is missing (the file was cut short). */
  complete: boolean;
}

const prefixSize = 16;
const trailerSize = 12;

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
    const header = JSON.parse(headerBytes.toString('utf8')) as Omit<SnapshotFileHeader, 'fileSize' | 'complete'>;
    const trailer = Buffer.alloc(trailerSize);
    readSync(fd, trailer, 0, trailerSize, Math.max(0, fileSize - trailerSize));
    return { ...header, formatVersion: prefix.readUInt32LE(8), fileSize, complete: trailer.toString('latin1', 0, 8) === 'HNGREND1' };
  } finally {
    closeSync(fd);
  }
}
