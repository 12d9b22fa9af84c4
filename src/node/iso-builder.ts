/**
 * Builds the small removable images "Send files" puts in a guest's drive: a CD image with
 * xorriso (ISO 9660 with Joliet for Windows and Rock Ridge for Unix guests, so long and non-ASCII
 * names survive) or a 1.44 MiB FAT12 floppy image with mtools, for guests without a CD drive.
 *
 * Both tools run as owned children (they die with Hangar) under a timeout that grows with the
 * data, and the image file is created empty with mode 0600 before the tool writes into it.
 */
import { closeSync, lstatSync, openSync, readdirSync, rmSync } from 'node:fs';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { spawnOwned } from './owned-child.js';

/** One file or folder to put at the root of the image, under `name`. */
export interface ImageSource {
  /** Absolute host path (a regular file or a folder, copied with what it holds). */
  readonly path: string;
  /** Its name in the image's root folder (one path component). */
  readonly name: string;
}

/** What to build. */
export interface ImageBuildOptions {
  readonly sources: readonly ImageSource[];
  /** The image file to create; it must not exist yet. */
  readonly output: string;
  /** Volume label (trimmed to what the format allows). */
  readonly label?: string;
  /** Called with how far the build is, 0..1. */
  readonly onProgress?: (fraction: number) => void;
  /** Gives up (and removes the output) after this long; default grows with the data. */
  readonly timeoutMs?: number;
}

/** Why an image could not be built. */
export type ImageBuildFailure = 'tool-missing' | 'too-big' | 'unreadable' | 'failed' | 'timeout';

/** An image could not be built; `message` says what to do. */
export class ImageBuildError extends Error {
  constructor(
    readonly kind: ImageBuildFailure,
    message: string,
  ) {
    super(message);
    this.name = 'ImageBuildError';
  }
}

/** Bytes a freshly formatted 1.44 MiB FAT12 floppy holds (2847 clusters of 512 bytes). */
export const floppyCapacityBytes = 2847 * 512;
/** Size of a 1.44 MiB floppy image. */
export const floppyImageBytes = 1_474_560;

/** Files, folders and bytes under the sources; unreadable entries throw ImageBuildError. */
export function measureSources(sources: readonly ImageSource[]): { files: number; folders: number; bytes: number; floppyBytes: number } {
  const total = { files: 0, folders: 0, bytes: 0, floppyBytes: 0 };
  const visit = (path: string): void => {
    let stat;
    try {
      stat = lstatSync(path);
    } catch (error) {
      throw new ImageBuildError('unreadable', `${path} cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)}); check that it exists and that you may read it.`);
    }
    if (stat.isDirectory()) {
      total.folders++;
      // A FAT folder takes at least one cluster for its entries (long names take more: 32 bytes per 13 characters).
      const names = readdirSync(path);
      total.floppyBytes += roundUp(32 * (2 + names.reduce((sum, name) => sum + 1 + Math.ceil(name.length / 13), 0)), 512);
      for (const name of names) visit(join(path, name));
    } else if (stat.isFile()) {
      total.files++;
      total.bytes += stat.size;
      total.floppyBytes += roundUp(stat.size, 512);
    }
    // Symbolic links and special files are skipped by both tools' settings below; they add nothing.
  };
  for (const source of sources) visit(source.path);
  return total;
}

/**
 * Builds an ISO 9660 image with Joliet (long names) and Rock Ridge at `output`. Progress comes
 * from xorriso's own pacifier lines ("Writing: … 27.7%").
 */
export async function buildIso(options: ImageBuildOptions): Promise<void> {
  const xorriso = requireTool('xorriso', 'xorriso');
  const size = measureSources(options.sources);
  const label = isoLabel(options.label ?? 'HANGAR');
  const args = [
    '-abort_on', 'FAILURE',
    '-report_about', 'UPDATE',
    // Names are UTF-8 whatever the locale Hangar runs in, and never patterns.
    '-charset', 'UTF-8',
    '-disk_pattern', 'off',
    '-iso_rr_pattern', 'off',
    '-follow', 'off',
    '-pacifier', 'interval=0.5',
    '-outdev', `stdio:${options.output}`,
    '-volid', label,
    '-joliet', 'on',
    '-rockridge', 'on',
    // Joliet names up to 103 characters (Windows reads them), Rock Ridge without limit.
    '-compliance', 'joliet_long_names',
  ];
  for (const source of options.sources) args.push('-map', source.path, `/${source.name}`);
  args.push('-commit', '-end');
  createEmpty(options.output);
  options.onProgress?.(0);
  await runTool(xorriso, args, options.timeoutMs ?? timeoutFor(size.bytes), options.output, (line) => {
    const percent = /Writing:\s+\d+s\s+([\d.]+)%/.exec(line)?.[1];
    if (percent !== undefined) options.onProgress?.(Math.min(1, Number(percent) / 100));
  });
  options.onProgress?.(1);
}

/**
 * Builds a 1.44 MiB FAT12 floppy image at `output` with the sources at its root. More than a
 * floppy holds is refused before anything is written.
 */
export async function buildFloppy(options: ImageBuildOptions): Promise<void> {
  const mformat = requireTool('mformat', 'mtools');
  const mcopy = requireTool('mcopy', 'mtools');
  const size = measureSources(options.sources);
  if (size.floppyBytes > floppyCapacityBytes) {
    throw new ImageBuildError(
      'too-big',
      `The files take ${formatBytes(size.floppyBytes)} on a floppy, more than the ${formatBytes(floppyCapacityBytes)} a 1.44 MiB floppy holds; send fewer or smaller files, or send them on a CD image instead.`,
    );
  }
  const timeoutMs = options.timeoutMs ?? timeoutFor(size.bytes);
  createEmpty(options.output);
  options.onProgress?.(0);
  try {
    await runTool(mformat, ['-i', options.output, '-f', '1440', '-C', '-v', fatLabel(options.label ?? 'HANGAR'), '::'], timeoutMs, options.output);
    let copied = 0;
    for (const source of options.sources) {
      // -s: folders with their contents; -Q: stop at the first error; -D o: our names are unique already.
      await runTool(mcopy, ['-i', options.output, '-s', '-Q', '-D', 'o', source.path, `::/${source.name}`], timeoutMs, options.output);
      copied += measureSources([source]).floppyBytes;
      options.onProgress?.(Math.min(1, copied / Math.max(1, size.floppyBytes)));
    }
  } catch (error) {
    if (error instanceof ImageBuildError && /disk full/i.test(error.message)) {
      throw new ImageBuildError('too-big', `The files do not fit on a 1.44 MiB floppy (the floppy filled up); send fewer or smaller files, or send them on a CD image instead.`);
    }
    throw error;
  }
  options.onProgress?.(1);
}

/** An ISO 9660 volume id: up to 32 characters of A–Z, 0–9 and _. */
export function isoLabel(label: string): string {
  const cleaned = label.toUpperCase().replace(/[^A-Z0-9_]+/g, '_').replace(/^_+|_+$/g, '').slice(0, 32);
  return cleaned || 'HANGAR';
}

/** A FAT volume label: up to 11 characters of A–Z, 0–9 and _. */
export function fatLabel(label: string): string {
  return isoLabel(label).slice(0, 11);
}

function roundUp(value: number, step: number): number {
  return Math.ceil(value / step) * step;
}

function formatBytes(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${(bytes / (1024 * 1024)).toFixed(2)} MiB (${bytes} bytes)` : `${bytes} bytes`;
}

/** Two minutes, plus a second for every 4 MiB (a loaded machine writes slowly). */
function timeoutFor(bytes: number): number {
  return 120_000 + Math.ceil(bytes / (4 * 1024 * 1024)) * 1000;
}

/** Creates `path` empty with mode 0600; an existing file is an error (never overwritten). */
function createEmpty(path: string): void {
  closeSync(openSync(path, 'wx', 0o600));
}

/** The full path of `name` on PATH; ImageBuildError naming the Debian package otherwise. */
function requireTool(name: string, debianPackage: string): string {
  for (const folder of (process.env.PATH ?? '').split(delimiter)) {
    if (folder === '') continue;
    const candidate = join(folder, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // Not here.
    }
  }
  throw new ImageBuildError('tool-missing', `Sending files needs \`${name}\`, which is not installed: install the ${debianPackage} package (sudo apt install ${debianPackage}) and try again.`);
}

/**
 * Runs one tool to completion; a non-zero exit or the timeout removes `output` and throws with
 * the tool's last lines. `onLine` sees each output line as it comes.
 */
function runTool(file: string, args: readonly string[], timeoutMs: number, output: string, onLine?: (line: string) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawnOwned(file, args, {
      stdio: ['ignore', 'pipe', 'pipe'],
      // UTF-8 names whatever the user's locale; mtools skips its drive-geometry sanity check on images.
      env: { ...process.env, LC_ALL: 'C.UTF-8', MTOOLS_SKIP_CHECK: '1', MTOOLSRC: '/dev/null' },
    });
    const tail: string[] = [];
    let partial = '';
    const take = (chunk: Buffer): void => {
      const lines = (partial + chunk.toString('utf8')).split(/\r?\n|\r/);
      partial = lines.pop() ?? '';
      for (const line of lines) see(line);
    };
    const see = (line: string): void => {
      if (line.trim() === '') return;
      tail.push(line.trim());
      if (tail.length > 8) tail.shift();
      onLine?.(line);
    };
    child.stdout?.on('data', take);
    child.stderr?.on('data', take);
    const fail = (error: ImageBuildError): void => {
      rmSync(output, { force: true });
      reject(error);
    };
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
      fail(new ImageBuildError('timeout', `${basenameOf(file)} did not finish within ${Math.round(timeoutMs / 1000)} s; the machine may be overloaded, try again with fewer files.`));
    }, timeoutMs);
    child.once('error', (error) => {
      clearTimeout(timer);
      fail(new ImageBuildError('failed', `${basenameOf(file)} could not be started: ${error.message}.`));
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      if (partial) see(partial);
      if (code === 0) resolve();
      else if (!timedOut) fail(new ImageBuildError('failed', `${basenameOf(file)} failed (${code !== null ? `exit ${code}` : `signal ${signal}`}): ${tail.slice(-3).join(' / ') || 'no output'}`));
    });
  });
}

function basenameOf(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}
