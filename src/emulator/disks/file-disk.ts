/**
 * FileDisk: the disk object v86 0.5.462 accepts for hda/cdrom/fda (get/set/load/byteLength,
 * get_and_cache, get_from_cache, get_buffer, get_state/set_state), backed by a file or a chain
 * of overlay files instead of memory, so images are never copied into RAM or into saved states.
 *
 * A host I/O error does not reach the guest (v86 has no error path for it): the failed request
 * and every later one are held, `onError` is told once, and `retry()` (on `cont`) replays them
 * in order — QEMU's werror/rerror=stop.
 */
import { statSync } from 'node:fs';
import type { BlockLayer } from './block-file.js';
import { ImageError, RawFile } from './block-file.js';

/** A host I/O error on a disk, as the backend reports it (BLOCK_IO_ERROR). */
export interface DiskIoError {
  readonly operation: 'read' | 'write';
  readonly reason: string;
  readonly nospace: boolean;
  readonly code: string;
}

type HeldRequest = { kind: 'read'; offset: number; length: number; done: (data: Uint8Array) => void } | { kind: 'write'; offset: number; data: Uint8Array; done: () => void };

/** Floppy sizes v86's controller knows (sectors × tracks × heads × 512), smallest first. */
const FLOPPY_SIZES = [
  [8, 40, 1], [9, 40, 1], [10, 40, 1], [8, 40, 2], [9, 40, 2], [10, 41, 2], [10, 42, 2], [10, 40, 2], [9, 80, 1],
  [8, 80, 2], [9, 80, 2], [10, 80, 2], [10, 82, 2], [10, 83, 2], [11, 80, 2], [13, 80, 2], [14, 80, 2], [15, 80, 2],
  [18, 80, 2], [18, 82, 2], [18, 83, 2], [20, 80, 2], [21, 80, 2], [21, 82, 2], [21, 83, 2], [22, 80, 2], [23, 80, 2],
  [24, 80, 2], [36, 80, 2], [39, 80, 2], [40, 80, 2], [44, 80, 2], [48, 80, 2],
]
  .map(([sectors = 0, tracks = 0, heads = 0]) => sectors * tracks * heads * 512)
  .sort((a, b) => a - b);

/**
 * The size a floppy image is presented with: its own size when that is a standard format,
 * else the next larger standard size (v86 would otherwise copy the image into memory to pad it).
 */
export function floppyPresentedSize(fileSize: number): number {
  if (FLOPPY_SIZES.includes(fileSize)) return fileSize;
  const larger = FLOPPY_SIZES.find((size) => size > fileSize);
  if (larger === undefined) throw new ImageError(`A floppy image of ${fileSize} bytes is larger than any floppy format (at most ${FLOPPY_SIZES.at(-1)} bytes)`);
  return larger;
}

/** Checks that `path` is a non-empty, readable regular file; throws ImageError with what to do. */
export function checkImageFile(path: string, what: string): number {
  let stats;
  try {
    stats = statSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new ImageError(`The ${what} image ${path} does not exist: check the path.`);
    throw new ImageError(`Cannot read the ${what} image ${path}: ${(error as Error).message}`);
  }
  if (stats.isDirectory()) throw new ImageError(`${path} is a directory, not a ${what} image: choose an image file.`);
  if (!stats.isFile()) throw new ImageError(`${path} is not a regular file: choose a ${what} image file.`);
  if (stats.size === 0) throw new ImageError(`The ${what} image ${path} is empty (0 bytes).`);
  return stats.size;
}

function describe(error: unknown, operation: 'read' | 'write', path: string): DiskIoError {
  const code = (error as NodeJS.ErrnoException).code ?? 'EIO';
  const nospace = code === 'ENOSPC' || code === 'EDQUOT' || code === 'EFBIG';
  return { operation, code, nospace, reason: `${operation} error on ${path}: ${(error as Error).message}` };
}

/** A v86 disk object over a block layer. */
export class FileDisk {
  /** v86 sets this and `load()` calls it. */
  onload: ((event: unknown) => void) | undefined;
  readonly byteLength: number;
  private held: HeldRequest[] = [];
  private failed = false;
  private closed = false;
  /** Called once per failure (until `retry()`), with the error to report. */
  onError: ((error: DiskIoError) => void) | undefined;

  constructor(readonly layer: BlockLayer) {
    this.byteLength = layer.size;
  }

  /**
   * Opens an image file directly (no overlay): read-only for CDs and read-only floppies,
   * read-write for writable floppies and raw disks. Throws ImageError for missing, directory,
   * empty or unreadable files.
   */
  static open(path: string, options: { readOnly: boolean; kind: 'cdrom' | 'floppy' | 'disk' }): FileDisk {
    const what = options.kind === 'cdrom' ? 'CD/DVD' : options.kind;
    const fileSize = checkImageFile(path, what);
    const size = options.kind === 'floppy' ? floppyPresentedSize(fileSize) : fileSize;
    let layer: RawFile;
    try {
      layer = new RawFile(path, options.readOnly, size);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EACCES' || code === 'EPERM') {
        throw new ImageError(`No permission to ${options.readOnly ? 'read' : 'read and write'} the ${what} image ${path}${options.readOnly ? '' : ' (insert it read-only, or change its permissions)'}.`);
      }
      throw new ImageError(`Cannot open the ${what} image ${path}: ${(error as Error).message}`);
    }
    try {
      layer.read(new Uint8Array(Math.min(512, fileSize)), 0);
    } catch (error) {
      layer.close();
      throw new ImageError(`Cannot read the ${what} image ${path}: ${(error as Error).message}`);
    }
    return new FileDisk(layer);
  }

  /** The file the guest's writes go to. */
  get path(): string {
    return this.layer.path;
  }

  get readOnly(): boolean {
    return this.layer.readOnly;
  }

  /** True while requests are held after a host I/O error. */
  get hasFailed(): boolean {
    return this.failed;
  }

  load(): void {
    this.onload?.({});
  }

  get(offset: number, length: number, done: (data: Uint8Array) => void): void {
    this.submit({ kind: 'read', offset, length, done });
  }

  get_and_cache(offset: number, length: number, done: (data: Uint8Array) => void): void {
    this.get(offset, length, done);
  }

  /** Synchronous read v86 uses for the first sector (disk geometry); undefined on error. */
  get_from_cache(offset: number, length: number): Uint8Array | undefined {
    const data = new Uint8Array(length);
    try {
      this.layer.read(data, offset);
      return data;
    } catch {
      return undefined;
    }
  }

  set(offset: number, data: Uint8Array, done: () => void): void {
    // v86 passes views of buffers it reuses (the IDE data buffer, guest memory): copy now.
    this.submit({ kind: 'write', offset, data: data.slice(), done });
  }

  /** v86 asks for the whole image only for floppy downloads; a file-backed image has none. */
  get_buffer(done: (buffer: ArrayBuffer | undefined) => void): void {
    done(undefined);
  }

  /** Nothing of the image goes into saved states: the snapshot keeps the disk chain instead. */
  get_state(): unknown[] {
    return [];
  }

  set_state(): void {}

  private submit(request: HeldRequest): void {
    if (this.closed) return;
    if (this.failed) {
      this.held.push(request);
      return;
    }
    this.execute(request);
  }

  private execute(request: HeldRequest): boolean {
    try {
      if (request.kind === 'read') {
        const data = new Uint8Array(request.length);
        this.layer.read(data, request.offset);
        request.done(data);
      } else {
        this.layer.write(request.data, request.offset);
        request.done();
      }
      return true;
    } catch (error) {
      this.failed = true;
      this.held.unshift(request);
      this.onError?.(describe(error, request.kind, this.layer.path));
      return false;
    }
  }

  /** Replays held requests in order; returns false (and reports again) if one fails again. */
  retry(): boolean {
    if (!this.failed) return true;
    this.failed = false;
    const queue = this.held;
    this.held = [];
    while (queue.length > 0) {
      const request = queue.shift();
      if (!request) break;
      if (!this.execute(request)) {
        this.held.push(...queue);
        return false;
      }
    }
    return true;
  }

  /**
   * Waits until no request is in flight and flushes written data. Requests complete
   * synchronously, so only held (failed) ones can remain: then this rejects.
   */
  async drain(): Promise<void> {
    if (this.failed) throw new Error(`${this.layer.path} has ${this.held.length} request(s) held after an I/O error: resolve the error and continue the guest first`);
    this.layer.flush();
  }

  /** Closes the file(s); later requests are dropped. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.held = [];
    this.layer.close();
  }
}
