/**
 * A read-only qcow2 reader (versions 2 and 3): the base of a disk chain when the disk image is
 * qcow2. The guest's writes go to a copy-on-write overlay above it. Compressed clusters are
 * read; backing files, encryption and external data files are refused with a clear error.
 */
import { closeSync, fstatSync, openSync } from 'node:fs';
import { inflateRawSync } from 'node:zlib';
import { diskHeaderLength, qcow2HeaderProblem } from '../../shared/disk-header.js';
import type { BlockLayer } from './block-file.js';
import { ImageError, readFully } from './block-file.js';

const OFFSET_MASK = 0x00fffffffffffe00n;
const COMPRESSED = 1n << 62n;
const ZERO_FLAG = 1n;

export class Qcow2File implements BlockLayer {
  readonly size: number;
  readonly readOnly = true;
  private fd: number | undefined;
  private readonly clusterBits: number;
  private readonly clusterSize: number;
  private readonly l1: BigUint64Array;
  private readonly l2Cache = new Map<bigint, BigUint64Array>();
  private readonly fileSize: number;

  constructor(readonly path: string) {
    this.fd = openSync(path, 'r');
    try {
      this.fileSize = fstatSync(this.fd).size;
      const header = Buffer.alloc(diskHeaderLength);
      readFully(this.fd, header.subarray(0, Math.min(diskHeaderLength, this.fileSize)), 0, path);
      // Every table the reader follows must lie inside the file: a damaged or truncated image is
      // refused here, with what to do, instead of failing on the guest's first read.
      const problem = qcow2HeaderProblem(header, this.fileSize);
      if (problem !== undefined) {
        throw new ImageError(`The hard disk image ${path} ${problem}. Check it with \`qemu-img check -f qcow2 ${path}\` (from Hangar: \`hangar disk check MACHINE\`), or restore it from a backup.`);
      }
      const version = header.readUInt32BE(4);
      if (header.readBigUInt64BE(8) !== 0n) throw new ImageError(`${path} has a backing file; convert it to a standalone image first (qemu-img convert).`);
      this.clusterBits = header.readUInt32BE(20);
      this.clusterSize = 1 << this.clusterBits;
      this.size = Number(header.readBigUInt64BE(24));
      if (header.readUInt32BE(32) !== 0) throw new ImageError(`${path} is encrypted; Hangar's v86 engine cannot read encrypted qcow2 images.`);
      const l1Size = header.readUInt32BE(36);
      const l1Offset = Number(header.readBigUInt64BE(40));
      if (version === 3 && (header.readBigUInt64BE(72) & 0b110n) !== 0n) {
        throw new ImageError(`${path} uses qcow2 features (external data file or compression type) this reader does not support`);
      }
      const table = Buffer.alloc(l1Size * 8);
      readFully(this.fd, table, l1Offset, path);
      this.l1 = new BigUint64Array(l1Size);
      for (let i = 0; i < l1Size; i++) this.l1[i] = table.readBigUInt64BE(i * 8);
    } catch (error) {
      closeSync(this.fd);
      throw error;
    }
  }

  private descriptor(): number {
    if (this.fd === undefined) throw new Error(`${this.path} is closed`);
    return this.fd;
  }

  private l2Table(offset: bigint): BigUint64Array {
    const cached = this.l2Cache.get(offset);
    if (cached) return cached;
    const raw = Buffer.alloc(this.clusterSize);
    readFully(this.descriptor(), raw, Number(offset), this.path);
    const table = new BigUint64Array(this.clusterSize / 8);
    for (let i = 0; i < table.length; i++) table[i] = raw.readBigUInt64BE(i * 8);
    if (this.l2Cache.size > 256) this.l2Cache.clear();
    this.l2Cache.set(offset, table);
    return table;
  }

  /** Reads the part of one cluster at guest offset `position` into `target`. */
  private readCluster(target: Uint8Array, position: number): void {
    const cluster = Math.floor(position / this.clusterSize);
    const within = position - cluster * this.clusterSize;
    const entriesPerL2 = this.clusterSize / 8;
    const l1Entry = this.l1[Math.floor(cluster / entriesPerL2)] ?? 0n;
    const l2Offset = l1Entry & OFFSET_MASK;
    if (l2Offset === 0n) return void target.fill(0);
    const entry = this.l2Table(l2Offset)[cluster % entriesPerL2] ?? 0n;
    if (entry & COMPRESSED) {
      const offsetBits = 62 - (this.clusterBits - 8);
      const hostOffset = Number(entry & ((1n << BigInt(offsetBits)) - 1n));
      const sectors = Number((entry >> BigInt(offsetBits)) & ((1n << BigInt(this.clusterBits - 8)) - 1n)) + 1;
      const length = Math.min(sectors * 512 - (hostOffset & 511), this.fileSize - hostOffset);
      const stored = Buffer.alloc(length);
      readFully(this.descriptor(), stored, hostOffset, this.path);
      const data = inflateRawSync(stored, { finishFlush: 2 /* Z_SYNC_FLUSH: the stream may be padded */ });
      target.set(data.subarray(within, within + target.length));
      return;
    }
    const hostOffset = entry & OFFSET_MASK;
    if (hostOffset === 0n || entry & ZERO_FLAG) return void target.fill(0);
    readFully(this.descriptor(), target, Number(hostOffset) + within, this.path);
  }

  read(target: Uint8Array, offset: number): void {
    let done = 0;
    while (done < target.length) {
      const position = offset + done;
      const clusterEnd = (Math.floor(position / this.clusterSize) + 1) * this.clusterSize;
      const length = Math.min(clusterEnd, offset + target.length) - position;
      this.readCluster(target.subarray(done, done + length), position);
      done += length;
    }
  }

  write(): void {
    throw new Error(`${this.path} is a qcow2 base image, read through a copy-on-write overlay`);
  }

  flush(): void {}

  close(): void {
    if (this.fd === undefined) return;
    const fd = this.fd;
    this.fd = undefined;
    closeSync(fd);
  }
}
