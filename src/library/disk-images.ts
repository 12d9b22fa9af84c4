/**
 * Disk images: create raw (sparse, or fully allocated with progress) and qcow2 (through
 * qemu-img), inspect (format, virtual and allocated size), check and repair (qemu-img check). New
 * images are written under a temporary name and renamed into place, so a crash never leaves a
 * half-created image under the final name. A qcow2 image with a damaged header is never taken
 * for raw (src/shared/disk-header.ts).
 */
import type { ChildProcess } from 'node:child_process';
import { chmodSync, closeSync, existsSync, fstatSync, fsyncSync, ftruncateSync, openSync, readSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { LibraryError, invalid } from './errors.js';
import { fsyncFile, fsyncFolder, tempMarker } from './paths.js';
import { maxDiskBytes } from './validate.js';
import type { DiskFormat } from './types.js';
import { diskHeaderLength, verifyDiskHeader } from '../shared/disk-header.js';
import { GuardMissingError, spawnOwned } from '../node/owned-child.js';

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
  /** True when the image can be used: its header is sound and no corruption is left (leaks are harmless). */
  ok: boolean;
  /** The format the image was checked as (the declared one, or what its header shows). */
  format: DiskFormat;
  /** What is wrong with the header, when it is damaged: then qemu-img cannot check or repair it. */
  headerProblem?: string;
  corruptions: number;
  leaks: number;
  /** With a repair: leaked clusters freed and corruptions fixed. */
  leaksFixed?: number;
  corruptionsFixed?: number;
  /**
   * True when the image has errors and every one of them is a cluster whose reference count is
   * only higher than its references (qemu-img: "ERROR OFLAG_COPIED …" on a cluster it also lists
   * as leaked with one reference). That is what QEMU leaves when it dies while saving an internal
   * snapshot: it raises the counts before it writes the snapshot table. No data depends on the
   * extra count, so `repair: 'all'` (which recounts from the references) fixes it without loss.
   */
  onlyRaisedRefcounts?: boolean;
  /** qemu-img's findings (or why there are none). */
  detail: string;
}

/** Options of `checkDiskImage`. */
export interface DiskCheckOptions {
  /** The format the image is stored with; without it the header decides (a damaged qcow2 header is reported, never taken for raw). */
  format?: DiskFormat;
  /** `qemu-img check -r leaks` (free leaked clusters) or `-r all` (also fix corruptions); the image must not be in use. */
  repair?: 'leaks' | 'all';
  /** Check an image a running machine uses (`-U`: read without the lock); refused with `repair`. */
  inUse?: boolean;
  signal?: AbortSignal;
}

const qemuImg = process.env.HANGAR_QEMU_IMG ?? 'qemu-img';

/** How much of qemu-img's stdout and stderr is kept (its JSON and messages are far smaller). */
const maxToolOutput = 16 * 1024 * 1024;
/** The shell's exit status when the command to exec was not found. */
const commandNotFound = 127;

/**
 * Starts qemu-img as a child that dies with this process (src/node/owned-child.ts): a conversion
 * must not go on writing a temporary image after the app was killed.
 */
function startTool(command: string, args: string[], signal?: AbortSignal): ChildProcess {
  try {
    return spawnOwned(command, args, { stdio: ['ignore', 'pipe', 'pipe'], ...(signal ? { signal } : {}) });
  } catch (error) {
    if (error instanceof GuardMissingError) throw new LibraryError('ToolMissing', error.message);
    throw error;
  }
}

/** The error for a tool that could not run at all, or undefined when it ran. */
function notRunError(command: string, error: Error | undefined, code: number | null, stderr: string): LibraryError | undefined {
  if (error !== undefined) {
    if (error.name === 'AbortError') return new LibraryError('IoError', `${command} was cancelled.`);
    return new LibraryError('IoError', `${command} could not be run: ${error.message}`);
  }
  // The guard execs through /bin/sh, which says "not found" (127) for a missing program.
  if (code === commandNotFound && /not found/i.test(stderr)) return new LibraryError('ToolMissing', `${command} is not installed; install qemu-utils to create, check or convert qcow2 images.`);
  return undefined;
}

/**
 * Runs `command` to its end; `onStdout` also sees its output as it comes (progress). Rejects
 * only when it could not run or was stopped; a non-zero exit is the caller's to explain.
 */
function run(command: string, args: string[], signal?: AbortSignal, onStdout?: (text: string) => void): Promise<{ stdout: string; stderr: string; code: number }> {
  return new Promise((resolvePromise, reject) => {
    const child = startTool(command, args, signal);
    const output = { stdout: '', stderr: '' };
    let failure: Error | undefined;
    let overflow: LibraryError | undefined;
    const collect = (stream: 'stdout' | 'stderr') => (text: string) => {
      if (stream === 'stdout') onStdout?.(text);
      if (output[stream].length + text.length > maxToolOutput) {
        overflow ??= new LibraryError('IoError', `${command} wrote more than ${maxToolOutput} bytes to ${stream} and was stopped.`);
        child.kill('SIGKILL');
        return;
      }
      output[stream] += text;
    };
    child.stdout?.setEncoding('utf8').on('data', collect('stdout'));
    child.stderr?.setEncoding('utf8').on('data', collect('stderr'));
    child.on('error', (error) => (failure ??= error));
    child.on('close', (code) => {
      const problem = overflow ?? notRunError(command, failure, code, output.stderr);
      if (problem) reject(problem);
      else resolvePromise({ ...output, code: code ?? 1 });
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
      const fd = openSync(temp, 'wx', 0o600);
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
      // qemu-img creates with the process umask: the disk holds guest data, so make it private.
      chmodSync(temp, 0o600);
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

/** The first bytes of an image and its size. */
function readHeader(path: string): { header: Buffer; fileSize: number } {
  const fd = openSync(path, 'r');
  try {
    const fileSize = fstatSync(fd).size;
    const header = Buffer.alloc(Math.min(diskHeaderLength, fileSize));
    const read = readSync(fd, header, 0, header.length, 0);
    return { header: header.subarray(0, read), fileSize };
  } finally {
    closeSync(fd);
  }
}

/**
 * Checks an image's header against its stored `format` (no qemu-img needed, fast). Returns the
 * problem ("The disk image PATH …") or undefined when the image may be opened.
 */
export function diskHeaderProblem(path: string, format?: DiskFormat): string | undefined {
  let read;
  try {
    read = readHeader(path);
  } catch (error) {
    return `Cannot read the disk image ${path}: ${(error as Error).message}`;
  }
  const verdict = verifyDiskHeader(read.header, read.fileSize, format);
  return verdict.ok ? undefined : `The disk image ${path} ${verdict.problem}`;
}

/**
 * Reads format and sizes; uses qemu-img when present, else the image header. Refuses (Corrupt)
 * a qcow2 image whose header is damaged: probing would report it as raw, and attached as raw
 * the guest would overwrite it.
 */
export async function inspectDiskImage(path: string): Promise<DiskImageInfo> {
  let stat;
  try {
    stat = statSync(path);
  } catch {
    throw new LibraryError('NotFound', `Disk image ${path} does not exist.`);
  }
  const actualSizeBytes = stat.blocks * 512;
  const { header, fileSize } = readHeader(path);
  const verdict = verifyDiskHeader(header, fileSize);
  if (!verdict.ok) {
    throw new LibraryError(
      'Corrupt',
      `The disk image ${path} ${verdict.problem}.${verdict.damagedQcow2 ? ` Check it with \`qemu-img check -f qcow2 ${path}\`, or use a backup of it.` : ''}`,
    );
  }
  if (await hasQemuImg()) {
    // The header decided the format; qemu-img only reads the sizes (it would probe otherwise).
    const result = await run(qemuImg, ['info', '--output=json', '-U', '-f', verdict.format, path]);
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
  if (verdict.format === 'qcow2') {
    const backingLength = header.readUInt32BE(16);
    return { format: 'qcow2', virtualSizeBytes: verdict.virtualSize, actualSizeBytes, backingFile: backingLength > 0 ? '(backing file)' : null };
  }
  return { format: 'raw', virtualSizeBytes: stat.size, actualSizeBytes, backingFile: null };
}

/**
 * Checks an image with `qemu-img check` (and its header first), optionally repairing it. A
 * damaged header is reported without running qemu-img, which cannot open (let alone repair)
 * such an image; raw images and a missing qemu-img give `supported: false`.
 */
export async function checkDiskImage(path: string, options: DiskCheckOptions = {}): Promise<DiskCheck> {
  if (!existsSync(path)) throw new LibraryError('NotFound', `Disk image ${path} does not exist.`);
  if (options.repair !== undefined && options.inUse) throw new LibraryError('Locked', `${path} is in use by a running machine; power it off before repairing its disk.`);
  const { header, fileSize } = readHeader(path);
  const verdict = verifyDiskHeader(header, fileSize, options.format);
  const format: DiskFormat = options.format ?? (verdict.ok ? verdict.format : 'qcow2');
  const base = { format, corruptions: 0, leaks: 0 };
  if (!verdict.ok) {
    return { ...base, supported: true, ok: false, corruptions: 1, headerProblem: verdict.problem, detail: `The image ${verdict.problem}. qemu-img cannot check or repair a damaged header.` };
  }
  if (format !== 'qcow2') return { ...base, supported: false, ok: true, detail: `${format} images have no metadata to check.` };
  if (!(await hasQemuImg())) return { ...base, supported: false, ok: true, detail: 'qemu-img is not installed (Debian: apt install qemu-utils), so only the header was checked.' };
  const args = ['check', '--output=json', '-f', 'qcow2', ...(options.repair ? ['-r', options.repair] : []), ...(options.inUse ? ['-U'] : []), path];
  const result = await run(qemuImg, args, options.signal);
  let report: { corruptions?: number; leaks?: number; 'check-errors'?: number; 'leaks-fixed'?: number; 'corruptions-fixed'?: number };
  try {
    report = JSON.parse(result.stdout) as typeof report;
  } catch {
    // No report: qemu-img could not open the image, or a running QEMU holds its lock.
    if (/lock/i.test(result.stderr)) throw new LibraryError('Locked', `${path} is in use by another process (a QEMU holds its write lock); power that machine off before checking or repairing its disk.`);
    return { ...base, supported: true, ok: false, corruptions: 1, detail: result.stderr.trim() || result.stdout.trim() || `qemu-img check exit ${result.code}` };
  }
  const corruptions = (report.corruptions ?? 0) + (report['check-errors'] ?? 0);
  const leaks = report.leaks ?? 0;
  const fixed = options.repair ? { leaksFixed: report['leaks-fixed'] ?? 0, corruptionsFixed: report['corruptions-fixed'] ?? 0 } : {};
  const raised = corruptions > 0 && (report['check-errors'] ?? 0) === 0 && !options.repair ? onlyRaisedRefcounts(result.stderr, corruptions, header.readUInt32BE(20)) : false;
  return {
    ...base,
    ...fixed,
    supported: true,
    ok: corruptions === 0,
    corruptions,
    leaks,
    ...(raised ? { onlyRaisedRefcounts: true } : {}),
    detail: summarize(result.stderr, corruptions, leaks, fixed),
  };
}

/** The bits of an L1 or L2 entry that hold a cluster's offset (qcow2 specification). */
const entryOffsetMask = 0x00ff_ffff_ffff_fe00n;
/** The "refcount is exactly one" flag of an L1 or L2 entry. */
const copiedFlag = 1n << 63n;

/**
 * Reads qemu-img check's lines: true when each of the `corruptions` errors is an OFLAG_COPIED
 * error on a cluster that has the flag set, a count above one and exactly one reference (the
 * same cluster is listed as leaked, count above references). Any other kind of error, or an error
 * count the lines do not account for, gives false.
 */
function onlyRaisedRefcounts(stderr: string, corruptions: number, clusterBits: number): boolean {
  if (clusterBits < 9 || clusterBits > 21) return false;
  const leaked = new Map<bigint, { refcount: number; references: number }>();
  const flagged: { cluster: bigint; entry: bigint; refcount: number }[] = [];
  for (const line of stderr.split('\n').map((text) => text.trim())) {
    const leak = /^Leaked cluster (\d+) refcount=(\d+) reference=(\d+)$/.exec(line);
    if (leak) {
      leaked.set(BigInt(leak[1] ?? '0'), { refcount: Number(leak[2]), references: Number(leak[3]) });
      continue;
    }
    const copied = /^ERROR OFLAG_COPIED (?:L2 cluster: l1_index=\d+ l1_entry|data cluster: l2_entry)=([0-9a-f]+) refcount=(\d+)$/.exec(line);
    if (copied) {
      const entry = BigInt(`0x${copied[1] ?? '0'}`);
      flagged.push({ cluster: (entry & entryOffsetMask) >> BigInt(clusterBits), entry, refcount: Number(copied[2]) });
      continue;
    }
    if (/^ERROR\b/.test(line)) return false;
  }
  if (flagged.length !== corruptions) return false;
  return flagged.every(({ cluster, entry, refcount }) => {
    const leak = leaked.get(cluster);
    return (entry & copiedFlag) !== 0n && refcount > 1 && leak !== undefined && leak.refcount === refcount && leak.references === 1;
  });
}

/** qemu-img's per-cluster lines can be thousands long: keep the first few and a summary. */
function summarize(stderr: string, corruptions: number, leaks: number, fixed: { leaksFixed?: number; corruptionsFixed?: number }): string {
  const lines = stderr.split('\n').map((line) => line.trim()).filter(Boolean);
  const shown = lines.slice(0, 8);
  if (lines.length > shown.length) shown.push(`… and ${lines.length - shown.length} more lines from qemu-img check.`);
  const parts = [];
  if (fixed.leaksFixed || fixed.corruptionsFixed) parts.push(`Repaired: ${fixed.leaksFixed ?? 0} leaked cluster(s) freed, ${fixed.corruptionsFixed ?? 0} corruption(s) fixed.`);
  if (corruptions > 0) parts.push(`${corruptions} error(s) found: the image is damaged.`);
  if (leaks > 0) parts.push(`${leaks} leaked cluster(s): wasted space, no harm to data.`);
  if (parts.length === 0) parts.push('No errors were found on the image.');
  return [...parts, ...shown].join('\n');
}

/** Options of `resizeDiskImage`. */
export interface ResizeDiskOptions {
  /** The format the library stores for the image (checked against its header). */
  format: DiskFormat;
  /** The new virtual size; must not be smaller than the current one. */
  sizeBytes: number;
  signal?: AbortSignal;
}

/**
 * Grows an image to `sizeBytes` (`qemu-img resize`; a raw image without qemu-img is extended
 * sparsely). Shrinking is refused: it would cut off whatever the guest keeps at the end of the
 * disk. The image must not be in use. Resolves with the image as it is afterwards.
 */
export async function resizeDiskImage(path: string, options: ResizeDiskOptions): Promise<DiskImageInfo> {
  if (!Number.isInteger(options.sizeBytes) || options.sizeBytes < 512 || options.sizeBytes > maxDiskBytes) {
    throw invalid('sizeBytes', `${options.sizeBytes} is out of range; use 512 bytes to 16 TiB.`);
  }
  const problem = diskHeaderProblem(path, options.format);
  if (problem !== undefined) throw new LibraryError('Corrupt', `${problem}; nothing was resized.`);
  const before = await inspectDiskImage(path);
  if (options.sizeBytes < before.virtualSizeBytes) {
    throw invalid(
      'sizeBytes',
      `${formatBytes(options.sizeBytes)} is smaller than the disk's ${formatBytes(before.virtualSizeBytes)}; Hangar only grows disks (shrinking would cut off what the guest stored at the end). Shrink the partitions in the guest and copy them to a new, smaller disk instead.`,
    );
  }
  if (options.sizeBytes === before.virtualSizeBytes) return before;
  if (options.format === 'raw' && !(await hasQemuImg())) {
    const fd = openSync(path, 'r+');
    try {
      ftruncateSync(fd, options.sizeBytes);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    return inspectDiskImage(path);
  }
  const result = await run(qemuImg, ['resize', '-q', '-f', options.format, path, String(options.sizeBytes)], options.signal);
  if (result.code !== 0) {
    const detail = result.stderr.trim() || `exit ${result.code}`;
    if (/lock/i.test(detail)) throw new LibraryError('Locked', `${path} is in use by another process (a QEMU holds its write lock); power that machine off before resizing its disk.`);
    throw new LibraryError('IoError', `qemu-img resize failed: ${detail}`);
  }
  fsyncFile(path);
  return inspectDiskImage(path);
}

/** Options of `convertDiskImage`. */
export interface ConvertDiskOptions {
  /** The format the source is stored with. */
  from: DiskFormat;
  to: DiskFormat;
  onProgress?: DiskProgress;
  signal?: AbortSignal;
}

/**
 * Copies the image at `source` into a new image at `target` in another format (`qemu-img convert`,
 * progress from its `-p` output). Written under a temporary name and renamed into place like a
 * new image; refuses to overwrite `target`. The source is left as it was.
 */
export async function convertDiskImage(source: string, target: string, options: ConvertDiskOptions): Promise<DiskImageInfo> {
  const problem = diskHeaderProblem(source, options.from);
  if (problem !== undefined) throw new LibraryError('Corrupt', `${problem}; nothing was converted.`);
  if (existsSync(target)) throw new LibraryError('Duplicate', `${target} already exists; existing images are never overwritten.`);
  if (!(await hasQemuImg())) throw new LibraryError('ToolMissing', 'qemu-img is not installed; install qemu-utils (Debian: apt install qemu-utils) to convert disk images.');
  const progress = options.onProgress ?? (() => undefined);
  const temp = join(dirname(target), `${basename(target)}${tempMarker}${randomBytes(4).toString('hex')}`);
  progress(0, 'converting');
  try {
    const result = await run(qemuImg, ['convert', '-p', '-f', options.from, '-O', options.to, source, temp], options.signal, (text) => {
      // "    (42.00/100%)\r" per step.
      const last = [...text.matchAll(/\((\d+(?:\.\d+)?)\/100%\)/g)].at(-1)?.[1];
      if (last !== undefined) progress(Math.min(0.99, Number(last) / 100), 'converting');
    });
    if (result.code !== 0) throw new LibraryError('IoError', `qemu-img convert failed: ${result.stderr.trim() || `exit ${String(result.code)}`}`);
    chmodSync(temp, 0o600);
    fsyncFile(temp);
    if (existsSync(target)) throw new LibraryError('Duplicate', `${target} appeared while the image was being converted; nothing was overwritten.`);
    renameSync(temp, target);
    fsyncFolder(dirname(target));
  } catch (error) {
    rmSync(temp, { force: true });
    throw error;
  }
  progress(1, 'done');
  return inspectDiskImage(target);
}

/** "8 GiB", "512 MiB" or bytes, for messages. */
function formatBytes(bytes: number): string {
  for (const [unit, size] of [['TiB', 2 ** 40], ['GiB', 2 ** 30], ['MiB', 2 ** 20], ['KiB', 2 ** 10]] as const) {
    if (bytes >= size && bytes % (size / 1024) === 0) return `${Number((bytes / size).toFixed(2))} ${unit}`;
  }
  return `${bytes} bytes`;
}
