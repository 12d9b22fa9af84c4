/**
 * Block layers a disk is built from: a raw image file, or a copy-on-write overlay on top of
 * another layer. All I/O is synchronous positional I/O on an open descriptor: the guest's
 * disk controllers expect a read after a write to see the write, and synchronous I/O leaves no
 * request in flight when the machine is stopped for a snapshot.
 */
import { closeSync, fstatSync, fsyncSync, openSync, readSync, writeSync } from 'node:fs';

/** A readable (and maybe writable) range of bytes. */
export interface BlockLayer {
  /** Size the guest sees, in bytes. */
  readonly size: number;
  /** Path of the file holding this layer. */
  readonly path: string;
  readonly readOnly: boolean;
  /** Fills `target` with the bytes at `offset`. Throws on host I/O errors. */
  read(target: Uint8Array, offset: number): void;
  /** Writes `data` at `offset`. Throws on host I/O errors. */
  write(data: Uint8Array, offset: number): void;
  /** Flushes written data to stable storage. */
  flush(): void;
  /** Closes the file (and those of lower layers this layer owns). */
  close(): void;
}

/** An error raised for a file that exists but is not usable as an image. */
export class ImageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ImageError';
  }
}

/** Reads exactly `target.length` bytes at `position`, or throws (a short read means the file shrank under us). */
export function readFully(fd: number, target: Uint8Array, position: number, path: string): void {
  let done = 0;
  while (done < target.length) {
    const count = readSync(fd, target, done, target.length - done, position + done);
    if (count === 0) {
      const error = new Error(`${path} ended at byte ${position + done}: the image file was truncated or removed`) as NodeJS.ErrnoException;
      error.code = 'EIO';
      throw error;
    }
    done += count;
  }
}

/** Writes all of `data` at `position`. */
export function writeFully(fd: number, data: Uint8Array, position: number): void {
  let done = 0;
  while (done < data.length) done += writeSync(fd, data, done, data.length - done, position + done);
}

/** A raw image file: the guest's bytes are the file's bytes. */
export class RawFile implements BlockLayer {
  readonly size: number;
  private fd: number | undefined;

  /**
   * Opens `path`. `size` may exceed the file (floppies padded to a standard format read zeros
   * past the end of the file).
   */
  constructor(
    readonly path: string,
    readonly readOnly: boolean,
    size?: number,
  ) {
    this.fd = openSync(path, readOnly ? 'r' : 'r+');
    this.fileSize = fstatSync(this.fd).size;
    this.size = size ?? this.fileSize;
  }

  private fileSize: number;

  private descriptor(): number {
    if (this.fd === undefined) throw new Error(`${this.path} is closed`);
    return this.fd;
  }

  read(target: Uint8Array, offset: number): void {
    const inFile = Math.max(0, Math.min(target.length, this.fileSize - offset));
    if (inFile > 0) readFully(this.descriptor(), target.subarray(0, inFile), offset, this.path);
    if (inFile < target.length) target.fill(0, inFile);
  }

  write(data: Uint8Array, offset: number): void {
    if (this.readOnly) throw new Error(`${this.path} is read-only`);
    writeFully(this.descriptor(), data, offset);
    if (offset + data.length > this.fileSize) this.fileSize = offset + data.length;
  }

  flush(): void {
    if (this.fd !== undefined && !this.readOnly) fsyncSync(this.fd);
  }

  close(): void {
    if (this.fd === undefined) return;
    const fd = this.fd;
    this.fd = undefined;
    closeSync(fd);
  }
}
