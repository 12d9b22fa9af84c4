/**
 * Disk images: create raw (sparse, or fully allocated with progress) and qcow2 (through
 * qemu-img), inspect (format, virtual and allocated size) and check (qemu-img check). New images
 * are written under a temporary name and renamed into place, so a crash never leaves a
 * half-created image under the final name.
 */
import { execFile } from 'node:child_process';
import { closeSync, existsSync, fsyncSync, ftruncateSync, openSync, readSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { LibraryError, invalid } from './errors.js';
import { fsyncFile, fsyncFolder, tempMarker } from './paths.js';
import { maxDiskBytes } from './validate.js';
import type { DiskFormat } from './types.js';

/** Progress of a long disk operation, 0..1. */
export type DiskProgress = (fraction: number, phase: string) => void;

export interface CreateDiskOptions {
  format: DiskFormat;
  sizeBytes: number;
  /** raw only: write zeros over the whole image instead of leaving it sparse. */
  preallocate?: boolean;
  onProgress?: DiskProgress;
  signal?: AbortSignal;
}

export interface DiskImageInfo {
  format: DiskFormat | 'unknown';
  virtualSizeBytes: number;
  /** Bytes allocated on the host file system. */
  actualSizeBytes: number;
  backingFile: string | null;
}

export interface DiskCheck {
  /** False when the format cannot be checked (raw) or qemu-img is missing. */
  supported: boolean;
  ok: boolean;
  corruptions: number;
  leaks: number;
  detail: string;
}

const qemuImg = process.env.HANGAR_QEMU_IMG ?? 'qemu-img';

function run(command: string, args: string[], signal?: AbortSignal): Promise<{ stdout: string; stderr: string; code: number }> {
  return new Promise((resolvePromise, reject) => {
    execFile(command, args, { signal, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error && (error as NodeJS.ErrnoException).code === 'ENOENT') {
        reject(new LibraryError('ToolMissing', `${command} is not installed; install qemu-utils to create or check qcow2 images.`));
        return;
      }
      if (error && (error as { name?: string }).name === 'AbortError') {
        reject(new LibraryError('IoError', `${command} was cancelled.`));
        return;
      }
      const code = error ? (typeof (error as { code?: unknown }).code === 'number' ? ((error as { code: number }).code) : 1) : 0;
      resolvePromise({ stdout, stderr, code });
    });
  });
}

let qemuImgPresent: Promise<boolean> | null = null;

/** True when qemu-img can be run (cached per process). */
export function hasQemuImg(): Promise<boolean> {
  qemuImgPresent ??= run(qemuImg, ['--version']).then(
    (result) => result.code === 0,
    () => false,
  );
  return qemuImgPresent;
}

/** Creates a new disk image at `path`; refuses to overwrite an existing file. */
export async function createDiskImage(path: string, options: CreateDiskOptions): Promise<DiskImageInfo> {
  if (!['raw', 'qcow2'].includes(options.format)) throw invalid('format', `${JSON.stringify(options.format)} is not raw or qcow2.`);
  if (!Number.isInteger(options.sizeBytes) || options.sizeBytes < 512 || options.sizeBytes > maxDiskBytes) {
    throw invalid('sizeBytes', `${options.sizeBytes} is out of range; use 512 bytes to 16 TiB.`);
  }
  if (existsSync(path)) throw new LibraryError('Duplicate', `${path} already exists; choose another file name (existing images are never overwritten).`);
  const progress = options.onProgress ?? (() => undefined);
  const temp = join(dirname(path), `${basename(path)}${tempMarker}${randomBytes(4).toString('hex')}`);
  progress(0, 'creating');
  try {
    if (options.format === 'raw') {
      const fd = openSync(temp, 'wx', 0o644);
      try {
        ftruncateSync(fd, options.sizeBytes);
        if (options.preallocate) {
          const chunk = Buffer.alloc(4 * 1024 * 1024);
          for (let offset = 0; offset < options.sizeBytes; offset += chunk.length) {
            if (options.signal?.aborted) throw new LibraryError('IoError', 'Disk creation was cancelled.');
            writeSync(fd, chunk, 0, Math.min(chunk.length, options.sizeBytes - offset), offset);
            progress(Math.min(offset + chunk.length, options.sizeBytes) / options.sizeBytes, 'allocating');
            // Let progress listeners and other work run between chunks.
            await new Promise((resolveTick) => setImmediate(resolveTick));
          }
        }
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
    } else {
      const result = await run(qemuImg, ['create', '-q', '-f', 'qcow2', temp, String(options.sizeBytes)], options.signal);
      if (result.code !== 0) throw new LibraryError('IoError', `qemu-img create failed: ${result.stderr.trim() || `exit ${result.code}`}`);
      progress(0.9, 'flushing');
      fsyncFile(temp);
    }
    if (existsSync(path)) throw new LibraryError('Duplicate', `${path} appeared while the image was being created; nothing was overwritten.`);
    renameSync(temp, path);
    fsyncFolder(dirname(path));
  } catch (error) {
    rmSync(temp, { force: true });
    throw error;
  }
  progress(1, 'done');
  return inspectDiskImage(path);
}

const qcow2Magic = 0x514649fb;

/** Reads format and sizes; uses qemu-img when present, else the image header. */
export async function inspectDiskImage(path: string): Promise<DiskImageInfo> {
  let stat;
  try {
    stat = statSync(path);
  } catch {
    throw new LibraryError('NotFound', `Disk image ${path} does not exist.`);
  }
  const actualSizeBytes = stat.blocks * 512;
  if (await hasQemuImg()) {
    const result = await run(qemuImg, ['info', '--output=json', '-U', path]);
    if (result.code === 0) {
      const info = JSON.parse(result.stdout) as { format: string; 'virtual-size': number; 'actual-size'?: number; 'backing-filename'?: string };
      return {
        format: info.format === 'raw' || info.format === 'qcow2' ? info.format : 'unknown',
        virtualSizeBytes: info['virtual-size'],
        actualSizeBytes: info['actual-size'] ?? actualSizeBytes,
        backingFile: info['backing-filename'] ?? null,
      };
    }
  }
  const header = Buffer.alloc(32);
  const fd = openSync(path, 'r');
  try {
    readSync(fd, header, 0, 32, 0);
  } finally {
    closeSync(fd);
  }
  if (header.readUInt32BE(0) === qcow2Magic) {
    const backingLength = header.readUInt32BE(16);
    return { format: 'qcow2', virtualSizeBytes: Number(header.readBigUInt64BE(24)), actualSizeBytes, backingFile: backingLength > 0 ? '(backing file)' : null };
  }
  return { format: 'raw', virtualSizeBytes: stat.size, actualSizeBytes, backingFile: null };
}

/** Runs `qemu-img check`; raw images and a missing qemu-img give `supported: false`. */
export async function checkDiskImage(path: string): Promise<DiskCheck> {
  const info = await inspectDiskImage(path);
  if (info.format !== 'qcow2') return { supported: false, ok: true, corruptions: 0, leaks: 0, detail: `${info.format} images have no metadata to check.` };
  if (!(await hasQemuImg())) return { supported: false, ok: true, corruptions: 0, leaks: 0, detail: 'qemu-img is not installed.' };
  const result = await run(qemuImg, ['check', '--output=json', '-U', path]);
  try {
    const report = JSON.parse(result.stdout) as { corruptions?: number; leaks?: number; 'check-errors'?: number };
    const corruptions = (report.corruptions ?? 0) + (report['check-errors'] ?? 0);
    const leaks = report.leaks ?? 0;
    return { supported: true, ok: result.code === 0 && corruptions === 0, corruptions, leaks, detail: result.stderr.trim() || 'No errors were found on the image.' };
  } catch {
    return { supported: true, ok: false, corruptions: 1, leaks: 0, detail: result.stderr.trim() || result.stdout.trim() || `qemu-img check exit ${result.code}` };
  }
}
