/**
 * A copy-on-write overlay: a file that holds only the blocks written since it was created and
 * reads every other block from the layer below. Snapshots freeze the overlay in use and start a
 * new one, so a snapshot's disk state is its chain of frozen layers.
 *
 * File layout (little-endian): a 4 KiB header — magic "HNGROVL1", format version (u32), block
 * size (u32), virtual size (u64) — then an allocation bitmap (one bit per block, padded to
 * 4 KiB), then block data at dataOffset + block × blockSize (a sparse file).
 */
import { closeSync, fstatSync, fsyncSync, openSync } from 'node:fs';
import type { BlockLayer } from './block-file.js';
import { ImageError, readFully, writeFully } from './block-file.js';

const MAGIC = 'HNGROVL1';
const VERSION = 1;
const HEADER_SIZE = 4096;
/** Granularity of copy-up: small enough that a 512-byte sector write copies little. */
export const OVERLAY_BLOCK_SIZE = 4096;

function pageAlign(value: number): number {
  return Math.ceil(value / 4096) * 4096;
}

/** Creates an empty overlay file for a disk of `size` bytes; fails if `path` exists. */
export function createOverlayFile(path: string, size: number): void {
  const fd = openSync(path, 'wx', 0o600);
  try {
    const header = Buffer.alloc(HEADER_SIZE);
    header.write(MAGIC, 0, 'latin1');
    header.writeUInt32LE(VERSION, 8);
    header.writeUInt32LE(OVERLAY_BLOCK_SIZE, 12);
    header.writeBigUInt64LE(BigInt(size), 16);
    writeFully(fd, header, 0);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** The error for an overlay file that is damaged: what is wrong, and what the user can do. */
function damaged(path: string, problem: string): ImageError {
  return new ImageError(
    `The disk layer ${path} ${problem}. It was not opened, so nothing more was written to it. Restore the file from a backup; snapshots whose disk does not include this layer are not affected.`,
  );
}

/** A copy-on-write layer over `parent`. */
export class Overlay implements BlockLayer {
  readonly size: number;
  private fd: number | undefined;
  private readonly blockSize: number;
  private readonly bitmap: Uint8Array;
  private readonly dataOffset: number;

  /** Opens the overlay at `path` over `parent` (whose size must match). */
  constructor(
    readonly path: string,
    readonly parent: BlockLayer,
    readonly readOnly: boolean,
  ) {
    this.fd = openSync(path, readOnly ? 'r' : 'r+');
    try {
      const header = Buffer.alloc(HEADER_SIZE);
      const fileSize = fstatSync(this.fd).size;
      if (fileSize < HEADER_SIZE) throw damaged(path, `is truncated: ${fileSize} bytes, shorter than its ${HEADER_SIZE}-byte header`);
      readFully(this.fd, header, 0, path);
      if (header.toString('latin1', 0, 8) !== MAGIC) throw damaged(path, 'has a damaged header (no Hangar overlay signature)');
      const version = header.readUInt32LE(8);
      if (version !== VERSION) throw new ImageError(`${path} has overlay format version ${version}; this engine reads version ${VERSION}`);
      this.blockSize = header.readUInt32LE(12);
      if (this.blockSize < 512 || this.blockSize > 1 << 20 || (this.blockSize & (this.blockSize - 1)) !== 0) throw damaged(path, `has a damaged header (block size ${this.blockSize})`);
      this.size = Number(header.readBigUInt64LE(16));
      if (this.size !== parent.size) throw new ImageError(`${path} is for a disk of ${this.size} bytes but its parent ${parent.path} has ${parent.size}`);
      const blocks = Math.ceil(this.size / this.blockSize);
      this.bitmap = new Uint8Array(Math.ceil(blocks / 8));
      this.dataOffset = HEADER_SIZE + pageAlign(this.bitmap.length);
      // A fresh overlay is just its header; the first write stores a block past the bitmap
      // before marking it. So a file that ends inside the bitmap area, or before the end of a
      // block the bitmap marks, was cut short (a full disk, a crash while copying).
      if (fileSize > HEADER_SIZE && fileSize < this.dataOffset) throw damaged(path, `is truncated: ${fileSize} bytes, ending inside its allocation bitmap`);
      const stored = Math.max(0, Math.min(this.bitmap.length, fileSize - HEADER_SIZE));
      if (stored > 0) readFully(this.fd, this.bitmap.subarray(0, stored), HEADER_SIZE, path);
      const last = this.lastAllocatedBlock();
      if (last >= 0) {
        const end = this.dataOffset + Math.min((last + 1) * this.blockSize, this.size);
        if (fileSize < end) throw damaged(path, `is truncated: block ${last} ends at byte ${end}, but the file has ${fileSize} bytes`);
      }
    } catch (error) {
      closeSync(this.fd);
      throw error;
    }
  }

  private descriptor(): number {
    if (this.fd === undefined) throw new Error(`${this.path} is closed`);
    return this.fd;
  }

  private lastAllocatedBlock(): number {
    for (let index = this.bitmap.length - 1; index >= 0; index--) {
      const byte = this.bitmap[index] ?? 0;
      if (byte !== 0) return index * 8 + (31 - Math.clz32(byte));
    }
    return -1;
  }

  private allocated(block: number): boolean {
    return ((this.bitmap[block >> 3] ?? 0) & (1 << (block & 7))) !== 0;
  }

  /** Number of blocks this layer holds (for sizes and tests). */
  allocatedBlocks(): number {
    let count = 0;
    for (const byte of this.bitmap) for (let bit = byte; bit; bit &= bit - 1) count++;
    return count;
  }

  read(target: Uint8Array, offset: number): void {
    let done = 0;
    while (done < target.length) {
      const position = offset + done;
      const block = Math.floor(position / this.blockSize);
      const allocated = this.allocated(block);
      // Extend the run over following blocks with the same allocation, to issue one read per run.
      let end = (block + 1) * this.blockSize;
      while (end < offset + target.length && this.allocated(end / this.blockSize) === allocated) end += this.blockSize;
      const length = Math.min(end, offset + target.length) - position;
      const part = target.subarray(done, done + length);
      if (allocated) readFully(this.descriptor(), part, this.dataOffset + position, this.path);
      else this.parent.read(part, position);
      done += length;
    }
  }

  write(data: Uint8Array, offset: number): void {
    if (this.readOnly) throw new Error(`${this.path} is a frozen snapshot layer`);
    const fd = this.descriptor();
    let done = 0;
    while (done < data.length) {
      const position = offset + done;
      const block = Math.floor(position / this.blockSize);
      const blockStart = block * this.blockSize;
      const length = Math.min(blockStart + this.blockSize, offset + data.length) - position;
      const part = data.subarray(done, done + length);
      if (this.allocated(block) || length === this.blockSize) {
        writeFully(fd, part, this.dataOffset + position);
      } else {
        // First write to a partly covered block: copy the block up from below, then patch it.
        const whole = new Uint8Array(Math.min(this.blockSize, this.size - blockStart));
        this.parent.read(whole, blockStart);
        whole.set(part, position - blockStart);
        writeFully(fd, whole, this.dataOffset + blockStart);
      }
      if (!this.allocated(block)) {
        const index = block >> 3;
        this.bitmap[index] = (this.bitmap[index] ?? 0) | (1 << (block & 7));
        writeFully(fd, this.bitmap.subarray(index, index + 1), HEADER_SIZE + index);
      }
      done += length;
    }
  }

  flush(): void {
    if (this.fd !== undefined && !this.readOnly) fsyncSync(this.fd);
  }

  /** Closes this layer and every layer below it. */
  close(): void {
    if (this.fd !== undefined) {
      const fd = this.fd;
      this.fd = undefined;
      closeSync(fd);
    }
    this.parent.close();
  }
}
