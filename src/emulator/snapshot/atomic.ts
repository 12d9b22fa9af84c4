/**
 * Atomic file replacement: write a temporary file beside the target, fsync it, rename it over
 * the target, fsync the folder. A crash at any point leaves either the old file or the new one,
 * never a half-written file under the final name. Temporary names end in `.partial`.
 */
import { closeSync, fsyncSync, openSync, readdirSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/** Suffix of files being written; never a complete file. */
export const PARTIAL_SUFFIX = '.partial';

/** Fsyncs a folder so a rename in it is durable. */
export function fsyncDirectory(path: string): void {
  const fd = openSync(path, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** A file being written that becomes visible under its final name only on `commit()`. */
export class AtomicFile {
  readonly temporaryPath: string;
  private fd: number | undefined;
  private position = 0;

  constructor(readonly path: string) {
    this.temporaryPath = join(dirname(path), `.${basename(path)}.${process.pid}.${Date.now().toString(36)}${PARTIAL_SUFFIX}`);
    this.fd = openSync(this.temporaryPath, 'wx', 0o600);
  }

  /** Bytes written so far. */
  get size(): number {
    return this.position;
  }

  /** Appends `data`. */
  write(data: Uint8Array): void {
    if (this.fd === undefined) throw new Error('The file was already committed or discarded');
    let done = 0;
    while (done < data.length) done += writeSync(this.fd, data, done, data.length - done, this.position + done);
    this.position += data.length;
  }

  /** Flushes, renames into place and flushes the folder. */
  commit(): void {
    if (this.fd === undefined) throw new Error('The file was already committed or discarded');
    const fd = this.fd;
    this.fd = undefined;
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(this.temporaryPath, this.path);
    fsyncDirectory(dirname(this.path));
  }

  /** Removes the temporary file. Idempotent; safe after commit. */
  discard(): void {
    if (this.fd !== undefined) {
      closeSync(this.fd);
      this.fd = undefined;
      rmSync(this.temporaryPath, { force: true });
    }
  }
}

/** Writes `contents` to `path` atomically. */
export function writeFileAtomic(path: string, contents: string | Uint8Array): void {
  const file = new AtomicFile(path);
  try {
    file.write(typeof contents === 'string' ? Buffer.from(contents) : contents);
    file.commit();
  } catch (error) {
    file.discard();
    throw error;
  }
}

/** Removes temporary files a killed writer left in `folder`. */
export function removePartialFiles(folder: string): number {
  let removed = 0;
  for (const name of readdirSync(folder)) {
    if (name.endsWith(PARTIAL_SUFFIX)) {
      rmSync(join(folder, name), { force: true });
      removed++;
    }
  }
  return removed;
}
