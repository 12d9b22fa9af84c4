/**
 * `hangar logs NAME [--lines N] [--follow] [--serial]`: a machine's engine log (its engine's
 * output with timestamps, QEMU's command line, a line per start, exit, state change, media change
 * and refused command), or with `--serial` its serial log (the guest's COM1 output). An API client like every command
 * (`machines.logs`, over the control socket when an instance holds the library, else on the
 * library opened here); `--follow` then reads the file itself, which is on this machine either
 * way (the control socket is a local UNIX socket), until Ctrl+C or the machine stops.
 */
import { closeSync, fstatSync, openSync, readSync, statSync } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import type { ApiResult, MachineViewValue } from '../../../shared/protocol/api/index.js';
import { engineLogMaxBytes, lastLines } from '../../supervisor/engine-log.js';
import { UsageError, integerOption, parseArguments } from '../arguments.js';
import type { CliCommand } from '../command.js';
import type { CoreConnection } from '../connection.js';
import { openConnection } from '../connection.js';

/** Output streams, as main.ts passes them. */
export interface LogsCommandIo {
  out(text: string): void;
  err(text: string): void;
}

export const logsUsage = `  logs NAME [--lines N] [--follow] [--serial]
                                         print a machine's engine log (engine output, QEMU's
                                         command line, each start and exit with its reason, state
                                         and media changes, refused commands); --serial: the
                                         guest's COM1 output instead (kept while the serial port
                                         is "console"); --follow keeps printing until Ctrl+C or
                                         the machine stops`;

/** How often --follow looks for new output. */
const pollMs = 200;
/** Every how many polls --follow also asks for the machine's state. */
const statePollRounds = 5;
/** After the machine stopped, how long --follow waits for the engine's exit line. */
const exitLineWaitMs = 3000;
/** The line main writes when an engine has ended (engine-log.ts, supervisor.ts). */
const exitLinePattern = /\[hangar\] engine exited \(/;
/** States in which a machine has a live engine whose log grows. */
const liveStates = new Set(['starting', 'running', 'paused', 'shutdown', 'stopping']);

/** A failed call: the message to print and the exit code. */
class Failed extends Error {
  constructor(
    message: string,
    readonly code: number,
  ) {
    super(message);
  }
}

function unwrap<T>(result: ApiResult<unknown>): T {
  if (result.ok) return result.value as T;
  throw new Failed(`${result.error.desc} (${result.error.class})`, result.error.class === 'NotFound' ? 3 : 1);
}

/**
 * Runs `hangar logs …` with the arguments after `logs`; resolves with the exit code: 0 printed,
 * 1 failed, 3 no such machine. Usage mistakes throw UsageError (main prints the usage, exit 2).
 */
export async function runLogsCommand(argv: string[], io: LogsCommandIo, connect: () => Promise<CoreConnection> = openConnection): Promise<number> {
  const parsed = parseArguments(argv, ['lines'], ['follow', 'serial']);
  const [name, ...extra] = parsed.positionals;
  if (!name || extra.length > 0) throw new UsageError('logs takes one machine name.');
  const lines = integerOption(parsed, 'lines', 1, 100_000);
  const kind: LogKind = parsed.flags.has('serial') ? 'serial' : 'engine';
  const connection = await connect();
  try {
    const machine = unwrap<MachineViewValue>(await connection.call('machines.get', { id: name }));
    if (!parsed.flags.has('follow')) {
      const log = unwrap<{ path: string; text: string }>(await connection.call('machines.logs', { id: machine.id, log: kind, ...(lines !== undefined ? { lines } : {}) }));
      if (log.text === '') io.err(noLogYet(kind, machine, log.path));
      else io.out(log.text.replace(/\n$/, ''));
      return 0;
    }
    return await follow(connection, machine, lines, kind, io);
  } catch (error) {
    if (!(error instanceof Failed)) throw error;
    io.err(`hangar: ${error.message}`);
    return error.code;
  } finally {
    await connection.close();
  }
}

/** Prints the end of the log, then what is appended, until Ctrl+C or the machine stops. */
async function follow(connection: CoreConnection, machine: MachineViewValue, lines: number | undefined, kind: LogKind, io: LogsCommandIo): Promise<number> {
  let stoppedAt: number | undefined;
  // Subscribed before the state is read, so a stop in between is not missed.
  const unsubscribe = connection.onEvent((event) => {
    const data = event.data as { id?: string; state?: string };
    if (event.event === 'MACHINE_STATE' && data.id === machine.id && (data.state === 'stopped' || data.state === 'crashed')) stoppedAt ??= Date.now();
  });
  let interrupted = false;
  let wake: (() => void) | undefined;
  const onSignal = (): void => {
    interrupted = true;
    wake?.();
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const { path } = unwrap<{ path: string }>(await connection.call('machines.logs', { id: machine.id, lines: 1, log: kind }));
  const reader = new LogReader(path);
  try {
    const state = unwrap<MachineViewValue>(await connection.call('machines.get', { id: machine.id })).state;
    const live = connection.kind === 'remote' && liveStates.has(state);
    const first = reader.read(true);
    const shown = lines === undefined ? first : lastLines(first, lines);
    const printer = new LinePrinter(io);
    printer.write(shown);
    // A run without a serial log never writes one: nothing to wait for.
    if (live && kind === 'serial' && first === '' && !serialEnabled(machine)) {
      io.err(noLogYet(kind, machine, path));
      return 0;
    }
    if (!live) {
      printer.flush();
      if (first === '') io.err(noLogYet(kind, machine, path));
      io.err(`"${machine.name}" is not running; nothing more to follow.`);
      return 0;
    }
    let sawExit = false;
    for (let round = 1; !interrupted; round++) {
      await new Promise<void>((resolve) => {
        // Woken early (new output, a signal), the poll's timer is cleared: it must not hold the process.
        const poll = setTimeout(resolve, pollMs);
        wake = () => {
          clearTimeout(poll);
          resolve();
        };
      });
      // Now and then the state itself: an event can be missed, and the instance can go away.
      if (stoppedAt === undefined && round % statePollRounds === 0) {
        const now = await connection.call('machines.get', { id: machine.id });
        if (!now.ok || !liveStates.has((now.value as MachineViewValue).state)) stoppedAt = Date.now();
      }
      const text = reader.read(false);
      printer.write(text);
      if (exitLinePattern.test(text)) sawExit = true;
      if (stoppedAt !== undefined && (sawExit || Date.now() - stoppedAt > exitLineWaitMs)) break;
    }
    printer.flush();
    return 0;
  } finally {
    reader.close();
    unsubscribe();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/** Which of a machine's logs. */
type LogKind = 'engine' | 'serial';

/** What to say when a log is empty or missing. */
function noLogYet(kind: LogKind, machine: MachineViewValue, path: string): string {
  if (kind === 'engine') return `No engine log for "${machine.name}" yet (${path}): it is written from the machine's next start.`;
  const off = serialEnabled(machine) ? '' : ` Its serial port is off: turn it on with hangar modify "${machine.name}" --serial console (or Settings → Serial).`;
  return `No serial log for "${machine.name}" yet (${path}): the guest's COM1 output is kept from the next start while the serial port is "console".${off}`;
}

/** Prints whole lines through `io.out` (which ends each with a newline), keeping a partial last line back. */
class LinePrinter {
  private partial = '';

  constructor(private readonly io: LogsCommandIo) {}

  write(text: string): void {
    const all = this.partial + text;
    const end = all.lastIndexOf('\n');
    if (end < 0) {
      this.partial = all;
      return;
    }
    this.io.out(all.slice(0, end));
    this.partial = all.slice(end + 1);
  }

  flush(): void {
    if (this.partial !== '') this.io.out(this.partial);
    this.partial = '';
  }
}

/** Reads a log file as it grows, across rotation (engine.log renamed to engine.log.1 and a new one started). */
class LogReader {
  private fd: number | undefined;
  private position = 0;
  private decoder = new StringDecoder('utf8');
  /** Set when reading starts mid-file: the first, partial line is skipped. */
  private skipPartialLine = false;

  constructor(private readonly path: string) {}

  /** What was appended since the last read (`fromEnd`: the last MiB at most, on the first read). */
  read(fromEnd: boolean): string {
    if (this.fd === undefined && !this.open(fromEnd)) return '';
    let text = this.drain();
    // Rotated: the rest of the old file was read just now; the new file is read from its start.
    if (this.replaced()) {
      this.close();
      if (this.open(false)) text += this.drain();
    }
    return text;
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }

  private open(fromEnd: boolean): boolean {
    try {
      this.fd = openSync(this.path, 'r');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw new Failed(`Cannot read the engine log ${this.path}: ${(error as Error).message}. Check the file's permissions.`, 1);
    }
    const size = fstatSync(this.fd).size;
    this.position = fromEnd ? Math.max(0, size - engineLogMaxBytes) : 0;
    this.skipPartialLine = this.position > 0;
    this.decoder = new StringDecoder('utf8');
    return true;
  }

  private drain(): string {
    const fd = this.fd as number;
    const buffer = Buffer.alloc(64 * 1024);
    let text = '';
    for (;;) {
      const read = readSync(fd, buffer, 0, buffer.length, this.position);
      if (read === 0) break;
      text += this.decoder.write(buffer.subarray(0, read));
      this.position += read;
    }
    if (this.skipPartialLine) {
      const newline = text.indexOf('\n');
      if (newline < 0) return '';
      this.skipPartialLine = false;
      text = text.slice(newline + 1);
    }
    return text;
  }

  /** Whether the path now names another file than the one open (rotated, or removed and recreated). */
  private replaced(): boolean {
    try {
      return statSync(this.path).ino !== fstatSync(this.fd as number).ino;
    } catch {
      return false;
    }
  }
}

/** `hangar logs`. */
export const logsCommand: CliCommand = { name: 'logs', usage: logsUsage, run: (argv, io) => runLogsCommand(argv, io) };

/** Whether the machine's serial port (and so its serial log) is on: a stored field beyond the view's schema. */
function serialEnabled(machine: MachineViewValue): boolean {
  return (machine as MachineViewValue & { serialEnabled?: unknown }).serialEnabled === true;
}
