/**
 * The `hangar` command (everything but `hangar engine`, which bin/hangar.js routes to the engine
 * host). Exit codes: 0 success, 1 failure, 2 usage error.
 */
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import type { ApiResult, MachineViewValue } from '../../shared/protocol/api/index.js';
import { HangarCore } from '../core/hangar-core.js';
import { startWebShell } from '../web/index.js';
import { UsageError, integerOption, parseArguments } from './arguments.js';
import { findElectron } from './electron-launch.js';

const usage = `usage: hangar COMMAND [options]

  list [--json]                          list the machines and their state
  show NAME [--json]                     show one machine
  create NAME --engine v86|qemu --memory MIB [--cpus N] [--cdrom ISO] [--floppy IMG] [--os OSID]
                                         create a machine (media are added to the media library)
  delete NAME [--keep-files]             delete a machine (and its disks unless --keep-files)
  gui [--port N]                         the desktop app; falls back to the web UI without Electron
  web [--port N]                         serve the UI on http://127.0.0.1 (prints the URL with its token)
  engine ...                             run one engine in the foreground (hangar engine --help)

The library folder is $HANGAR_HOME (default: $XDG_DATA_HOME/hangar or ~/.local/share/hangar).`;

/** Output streams (replaceable for embedding). */
export interface CliIo {
  out(text: string): void;
  err(text: string): void;
}
const processIo: CliIo = { out: (text) => process.stdout.write(`${text}\n`), err: (text) => process.stderr.write(`${text}\n`) };

/** Runs the `hangar` command; resolves with the exit code. */
export async function runCli(argv: string[], io: CliIo = processIo): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        io.out(usage);
        return command === undefined ? 2 : 0;
      case 'list':
        return await list(rest, io);
      case 'show':
        return await show(rest, io);
      case 'create':
        return await create(rest, io);
      case 'delete':
        return await remove(rest, io);
      case 'web':
        return await serveWeb(rest, io, undefined);
      case 'gui':
        return await gui(rest, io);
      default:
        throw new UsageError(`Unknown command "${command}".`);
    }
  } catch (error) {
    if (error instanceof UsageError) {
      io.err(`hangar: ${error.message}\n\n${usage}`);
      return 2;
    }
    io.err(`hangar: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
}

/** Opens the core for one command and always closes it. */
async function withCore<T>(run: (core: HangarCore) => Promise<T>): Promise<T> {
  const core = await HangarCore.open({ folder: process.env.HANGAR_HOME || undefined });
  try {
    return await run(core);
  } finally {
    await core.close();
  }
}

/** The value of a result, or prints its error and gives undefined. */
function unwrap<T>(result: ApiResult<unknown>, io: CliIo): T | undefined {
  if (result.ok) return result.value as T;
  io.err(`hangar: ${result.error.desc} (${result.error.class})`);
  return undefined;
}

async function list(argv: string[], io: CliIo): Promise<number> {
  const parsed = parseArguments(argv, [], ['json']);
  if (parsed.positionals.length > 0) throw new UsageError('list takes no arguments.');
  return withCore(async (core) => {
    const machines = unwrap<MachineViewValue[]>(await core.call('machines.list', {}), io);
    if (!machines) return 1;
    if (parsed.flags.has('json')) io.out(JSON.stringify(machines, null, 2));
    else if (machines.length === 0) io.out('No machines yet. Create one with: hangar create NAME --engine v86 --memory 64 --cdrom ISO');
    else {
      const rows = machines.map((m) => [m.name, m.engine, `${m.memoryMib} MiB`, m.state, m.osId]);
      const header = ['NAME', 'ENGINE', 'MEMORY', 'STATE', 'OS'];
      const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)));
      for (const row of [header, ...rows]) io.out(row.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join('  ').trimEnd());
    }
    return 0;
  });
}

async function show(argv: string[], io: CliIo): Promise<number> {
  const parsed = parseArguments(argv, [], ['json']);
  const [name, ...extra] = parsed.positionals;
  if (!name || extra.length > 0) throw new UsageError('show takes one machine name.');
  return withCore(async (core) => {
    const machine = unwrap<MachineViewValue & Record<string, unknown>>(await core.call('machines.get', { id: name }), io);
    if (!machine) return 1;
    if (parsed.flags.has('json')) io.out(JSON.stringify(machine, null, 2));
    else {
      for (const key of ['name', 'id', 'state', 'engine', 'osId', 'memoryMib', 'cpus', 'bootOrder', 'displayDevice', 'drives', 'disks']) {
        const value = machine[key];
        io.out(`${`${key}:`.padEnd(15)}${typeof value === 'string' || typeof value === 'number' ? String(value) : JSON.stringify(value)}`);
      }
    }
    return 0;
  });
}

async function create(argv: string[], io: CliIo): Promise<number> {
  const parsed = parseArguments(argv, ['engine', 'memory', 'cpus', 'cdrom', 'floppy', 'os'], []);
  const [name, ...extra] = parsed.positionals;
  if (!name || extra.length > 0) throw new UsageError('create takes one machine name.');
  const engine = parsed.options.get('engine');
  if (engine !== 'v86' && engine !== 'qemu') throw new UsageError('--engine must be v86 or qemu.');
  const memoryMib = integerOption(parsed, 'memory', 1, 1 << 20);
  if (memoryMib === undefined) throw new UsageError('--memory MIB is required.');
  const cpus = integerOption(parsed, 'cpus', 1, 256);
  const args: Record<string, unknown> = { name, engine, memoryMib };
  if (cpus !== undefined) args.cpus = cpus;
  const cdrom = parsed.options.get('cdrom');
  const floppy = parsed.options.get('floppy');
  if (cdrom) args.cdrom = resolve(cdrom);
  if (floppy) args.floppy = resolve(floppy);
  const os = parsed.options.get('os');
  return withCore(async (core) => {
    if (os) args.osId = os;
    else if (cdrom) {
      const detected = await core.call('os.detect', { path: resolve(cdrom) });
      const osId = detected.ok ? (detected.value as { detection?: { id?: unknown } }).detection?.id : undefined;
      if (typeof osId === 'string') args.osId = osId;
    }
    const machine = unwrap<MachineViewValue>(await core.call('machines.create', args), io);
    if (!machine) return 1;
    io.out(`Created "${machine.name}" (${machine.id}): ${machine.engine}, ${machine.memoryMib} MiB, OS ${machine.osId}.`);
    return 0;
  });
}

async function remove(argv: string[], io: CliIo): Promise<number> {
  const parsed = parseArguments(argv, [], ['keep-files']);
  const [name, ...extra] = parsed.positionals;
  if (!name || extra.length > 0) throw new UsageError('delete takes one machine name.');
  return withCore(async (core) => {
    const done = unwrap<{ id: string }>(await core.call('machines.delete', { id: name, keepFiles: parsed.flags.has('keep-files') }), io);
    if (!done) return 1;
    io.out(`Deleted "${name}".`);
    return 0;
  });
}

/** Serves the web UI until SIGINT/SIGTERM; `note` explains why (when falling back from the GUI). */
async function serveWeb(argv: string[], io: CliIo, note: string | undefined): Promise<number> {
  const parsed = parseArguments(argv, ['port'], []);
  if (parsed.positionals.length > 0) throw new UsageError('web takes no arguments.');
  const port = integerOption(parsed, 'port', 0, 65535);
  const core = await HangarCore.open({ folder: process.env.HANGAR_HOME || undefined, watch: true });
  let shell;
  try {
    shell = await startWebShell({ core, ...(port !== undefined ? { port } : {}) });
  } catch (error) {
    await core.close();
    throw error;
  }
  if (note) io.out(note);
  io.out(`Hangar web UI: ${shell.url}`);
  io.out('Press Ctrl+C to stop.');
  const signal = await new Promise<NodeJS.Signals>((done) => {
    process.once('SIGINT', () => done('SIGINT'));
    process.once('SIGTERM', () => done('SIGTERM'));
  });
  io.out(`Stopping (${signal}): powering off running machines.`);
  await shell.close();
  await core.close();
  return 0;
}

async function gui(argv: string[], io: CliIo): Promise<number> {
  const electron = findElectron();
  if (!electron.ok) return serveWeb(argv, io, `Electron is not available: ${electron.reason} Serving the UI in the browser instead.`);
  const child = spawn(electron.binary, [electron.entry, ...argv], { stdio: 'inherit', env: process.env });
  return new Promise<number>((done) => {
    child.once('error', () => done(1));
    child.once('exit', (code) => done(code ?? 1));
  });
}
