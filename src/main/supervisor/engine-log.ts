/**
 * A VM's engine log (`machines/<id>/logs/engine.log`): what its engine wrote to stderr (its own
 * `[engine] …` lines, QEMU's output and command line), each line with a timestamp, between a
 * start line and an exit line written by main. Rotated by size (engine.log → engine.log.1 …).
 *
 * Writes go through one asynchronous queue per log, so a slow or full disk never blocks main and
 * a failing write never throws into it: the first failure is reported once, the rest of this
 * engine run is not logged, and the engine keeps running.
 */
import { mkdir, open, rename, rm } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { EngineCommandError } from './engine-session.js';

/** Size at which engine.log is rotated. */
export const engineLogMaxBytes = 1 << 20;
/** Rotated files kept (engine.log.1 … engine.log.3). */
export const engineLogKeep = 3;
/** Most output waiting to be written; beyond it output is dropped, so a stuck disk cannot grow main's memory. */
const maxQueuedBytes = 1 << 20;

export interface EngineLogOptions {
  /** Size at which the file is rotated (default engineLogMaxBytes). */
  maxBytes?: number;
  /** Rotated files kept (default engineLogKeep). */
  keep?: number;
  /** Where a failure to write the log is reported (once per log). Default: stderr. */
  report?: (line: string) => void;
}

/**
 * The last log of each path, so a new engine's log starts after the previous one is closed (no
 * interleaving, no racing rotation). Process-wide on purpose: the file is the shared thing, and
 * two writers of one file in one process (a supervisor's next run, or a second core on the same
 * library in tests) must queue whoever owns them. It holds no handle or timer, only the promise
 * of the last writer, and an entry leaves as soon as that writer has closed its file.
 */
const lastLogs = new Map<string, Promise<void>>();

/** One engine run's log writer. Create it when the engine starts; `close` it when the engine has exited. */
export class EngineLog {
  private readonly maxBytes: number;
  private readonly keep: number;
  private readonly report: (line: string) => void;
  private queue: string[] = [];
  private queuedBytes = 0;
  private droppedBytes = 0;
  private atLineStart = true;
  private handle: FileHandle | undefined;
  private size = 0;
  private failed = false;
  private closing = false;
  private wake: (() => void) | undefined;
  private readonly finished: Promise<void>;

  constructor(
    readonly path: string,
    options: EngineLogOptions = {},
  ) {
    this.maxBytes = options.maxBytes ?? engineLogMaxBytes;
    this.keep = options.keep ?? engineLogKeep;
    this.report = options.report ?? ((line) => process.stderr.write(`hangar: ${line}\n`));
    const previous = lastLogs.get(path) ?? Promise.resolve();
    this.finished = previous.then(() => this.run());
    lastLogs.set(path, this.finished);
    void this.finished.then(() => {
      if (lastLogs.get(path) === this.finished) lastLogs.delete(path);
    });
  }

  /** Appends engine output as it came; every line that starts in it gets a timestamp. */
  append(text: string): void {
    if (text === '') return;
    const stamp = `${new Date().toISOString()} `;
    let out = '';
    for (const piece of text.split(/(?<=\n)/)) {
      if (this.atLineStart) out += stamp;
      out += piece;
      this.atLineStart = piece.endsWith('\n');
    }
    this.enqueue(out);
  }

  /** Appends one line of main's own (engine started, exited), on a line of its own. */
  note(line: string): void {
    const out = `${this.atLineStart ? '' : '\n'}${new Date().toISOString()} [hangar] ${line.replace(/\n/g, ' ')}\n`;
    this.atLineStart = true;
    this.enqueue(out);
  }

  /** Writes what is queued, then closes the file. Never rejects. */
  close(): Promise<void> {
    this.closing = true;
    this.kick();
    return this.finished;
  }

  private enqueue(text: string): void {
    if (this.closing || this.failed) return;
    if (this.queuedBytes + text.length > maxQueuedBytes) {
      this.droppedBytes += text.length;
      return;
    }
    this.queue.push(text);
    this.queuedBytes += text.length;
    this.kick();
  }

  private kick(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }

  /** The writer: opens the file, writes the queue in order (rotating at the size limit), closes it. */
  private async run(): Promise<void> {
    try {
      await this.openFile();
      for (;;) {
        if (this.queue.length === 0) {
          if (this.closing) break;
          await new Promise<void>((resolve) => (this.wake = resolve));
          continue;
        }
        let text = this.queue.join('');
        this.queue = [];
        this.queuedBytes = 0;
        if (this.droppedBytes > 0) {
          text = `${new Date().toISOString()} [hangar] ${this.droppedBytes} bytes of engine output were dropped: the log could not be written fast enough.\n${text}`;
          this.droppedBytes = 0;
        }
        await this.writeText(text);
      }
    } catch (error) {
      this.failed = true;
      this.queue = [];
      this.report(
        `cannot write the engine log ${this.path} (${error instanceof Error ? error.message : String(error)}); the engine keeps running, but its output is not logged until it starts again. Free disk space or check the folder's permissions.`,
      );
    } finally {
      await this.handle?.close().catch(() => undefined);
      this.handle = undefined;
    }
  }

  private async openFile(): Promise<void> {
    const folder = dirname(this.path);
    await mkdir(folder, { recursive: true, mode: 0o700 });
    this.handle = await open(this.path, 'a', 0o600);
    // A file left by an older version may be wider open: library files are private.
    await this.handle.chmod(0o600);
    this.size = (await this.handle.stat()).size;
  }

  /** Writes whole lines into the current file while they fit, rotating in between (a longer line gets a file of its own). */
  private async writeText(text: string): Promise<void> {
    let pending = '';
    let pendingBytes = 0;
    for (const line of text.split(/(?<=\n)/)) {
      const bytes = Buffer.byteLength(line);
      if (this.size + pendingBytes > 0 && this.size + pendingBytes + bytes > this.maxBytes) {
        if (pendingBytes > 0) await this.writeAll(Buffer.from(pending));
        pending = '';
        pendingBytes = 0;
        await this.rotate();
      }
      pending += line;
      pendingBytes += bytes;
    }
    if (pendingBytes > 0) await this.writeAll(Buffer.from(pending));
  }

  private async writeAll(bytes: Buffer): Promise<void> {
    let offset = 0;
    while (offset < bytes.length) {
      const { bytesWritten } = await (this.handle as FileHandle).write(bytes, offset, bytes.length - offset);
      offset += bytesWritten;
      this.size += bytesWritten;
    }
  }

  /** engine.log.N-1 → engine.log.N …, engine.log → engine.log.1, then a fresh engine.log. */
  private async rotate(): Promise<void> {
    await this.handle?.close();
    this.handle = undefined;
    if (this.keep <= 0) await rm(this.path, { force: true });
    else {
      for (let index = this.keep - 1; index >= 1; index--) await renameIfPresent(`${this.path}.${index}`, `${this.path}.${index + 1}`);
      await renameIfPresent(this.path, `${this.path}.1`);
    }
    await this.openFile();
  }
}

async function renameIfPresent(from: string, to: string): Promise<void> {
  try {
    await rename(from, to);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
}

/** What `readEngineLog` found. */
export interface EngineLogText {
  path: string;
  /** The last `lines` lines (all of the current file, at most its last MiB, when not given); '' when there is no log yet. */
  text: string;
}

/**
 * The end of a VM's current engine log (rotated files are not read). A missing file is an empty
 * log: the machine has not run since logs were kept. A file that cannot be read rejects with
 * EngineCommandError 'Unavailable'.
 */
export async function readEngineLog(path: string, lines?: number): Promise<EngineLogText> {
  try {
    return await readLogFile(path, lines);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { path, text: '' };
    throw new EngineCommandError('Unavailable', `Cannot read the log ${path}: ${(error as Error).message}. Check the file's permissions.`);
  }
}

async function readLogFile(path: string, lines: number | undefined): Promise<EngineLogText> {
  const handle = await open(path, 'r');
  try {
    const { size } = await handle.stat();
    const start = Math.max(0, size - engineLogMaxBytes);
    const buffer = Buffer.alloc(size - start);
    let read = 0;
    while (read < buffer.length) {
      const { bytesRead } = await handle.read(buffer, read, buffer.length - read, start + read);
      if (bytesRead === 0) break;
      read += bytesRead;
    }
    let text = buffer.subarray(0, read).toString('utf8');
    // Started mid-file: the first, partial line goes.
    if (start > 0) text = text.slice(text.indexOf('\n') + 1);
    return { path, text: lines === undefined ? text : lastLines(text, lines) };
  } finally {
    await handle.close();
  }
}

/** The last `count` lines of `text` (a final line without newline counts). */
export function lastLines(text: string, count: number): string {
  if (count <= 0) return '';
  const lines = text.split(/(?<=\n)/);
  return lines.slice(-count).join('');
}
