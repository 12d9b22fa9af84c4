/**
 * The `hangar` command (everything but `hangar engine`, which bin/hangar.js routes to the engine
 * host). Every command is an API client: over the control socket when another instance holds
 * the library, else on a core opened in this process (connection.ts).
 */
import { spawn } from 'node:child_process';
import { existsSync, statSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { MachineViewValue, SnapshotViewValue } from '../../shared/protocol/api/index.js';
import type { ApiArgs, ApiCallName, ApiResult, ApiValue } from '../../shared/protocol/api/client.js';
import { bootDevices, clipboardModes, isOneOf } from '../../shared/protocol/enums.js';
import type { DriveSlotName } from '../../shared/protocol/enums.js';
import { HangarCore } from '../core/hangar-core.js';
import { startWebShell } from '../web/index.js';
import { UsageError, integerOption, nameArgument, parseArguments } from './arguments.js';
import type { CoreConnection } from './connection.js';
import { diskUsage, runDiskCommand } from './disk-command.js';
import { libraryUsage, runLibraryCommand } from './library-command.js';
import { logsUsage, runLogsCommand } from './logs-command.js';
import { connectRemote, libraryFolder, localConnection, openConnection } from './connection.js';
import { findElectron, openInBrowser } from './electron-launch.js';

/** Exit codes scripts can rely on. */
export const exitCodes = { ok: 0, failed: 1, usage: 2, notFound: 3 } as const;

const usage = `usage: hangar COMMAND [options]

  list [--json]                          list the machines and their state
  show NAME [--json]                     show one machine
  create NAME --engine v86|qemu --memory MIB [--cpus N] [--cdrom ISO] [--floppy IMG]
         [--disk SIZE|PATH] [--os OSID]  create a machine (SIZE like 512M or 2G makes a new
                                         qcow2 disk; a PATH attaches an existing image)
  modify NAME [--name NEW] [--memory MIB] [--cpus N] [--os OSID] [--engine v86|qemu]
         [--boot cdrom,floppy,disk] [--speed-limit MIPS] [--clipboard MODE] [--notes TEXT]
  delete NAME [--keep-files]             delete a machine (and its disks unless --keep-files)
  start NAME [--headless]                start a machine; --headless runs it in this terminal
                                         (prints its QMP socket) until the guest powers off
  control NAME ACTION                    pause | resume | reset | powerdown | poweroff |
                                         eject DRIVE [--force] | insert DRIVE PATH |
                                         screenshot FILE | type TEXT | keys KEY... | serial
                                         (DRIVE: cd0 or fd0; KEY: QKeyCode names like ctrl alt delete;
                                         serial: this terminal is COM1 until EOF, Ctrl+] or power-off)
  snapshot NAME take [SNAPNAME] [--description TEXT] | restore SNAP | delete SNAP |
                list [--json] | inspect SNAP [--json]
  media list [--json] | add PATH | remove PATH|ID | watch FOLDER | unwatch FOLDER | folders [--json]
${diskUsage}
${logsUsage}
${libraryUsage}
  gui [--port N]                         the desktop app; falls back to the web UI without Electron
  web [--port N]                         serve the UI on http://127.0.0.1 (prints the URL with its token)
  engine ...                             run one engine in the foreground (hangar engine --help)

While an instance (gui, web or start --headless) holds the library, the other commands talk to
it over its control socket (<library>/control.sock), so they work on running machines.
The library folder is $HANGAR_HOME (default: $XDG_DATA_HOME/hangar or ~/.local/share/hangar).

Exit codes: 0 success, 1 the operation failed (the message says what to do), 2 usage error,
3 not found (no such machine, snapshot, media or folder).`;

/** Output streams (replaceable for embedding). */
export interface CliIo {
  out(text: string): void;
  err(text: string): void;
}
const processIo: CliIo = { out: (text) => process.stdout.write(`${text}\n`), err: (text) => process.stderr.write(`${text}\n`) };

/** An API failure the CLI reports and maps to an exit code. */
class CallFailed extends Error {
  constructor(
    readonly errorClass: string,
    message: string,
  ) {
    super(message);
  }
}

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
        return command === undefined ? exitCodes.usage : exitCodes.ok;
      case 'list':
        return await list(rest, io);
      case 'show':
        return await show(rest, io);
      case 'create':
        return await create(rest, io);
      case 'modify':
        return await modify(rest, io);
      case 'delete':
        return await remove(rest, io);
      case 'start':
        return await start(rest, io);
      case 'control':
        return await control(rest, io);
      case 'snapshot':
        return await snapshot(rest, io);
      case 'media':
        return await media(rest, io);
      case 'disk':
        return await runDiskCommand(rest, io);
      case 'library':
        return await runLibraryCommand(rest, io);
      case 'logs':
        return await runLogsCommand(rest, io);
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
      return exitCodes.usage;
    }
    if (error instanceof CallFailed) {
      io.err(`hangar: ${error.message} (${error.errorClass})`);
      return error.errorClass === 'NotFound' ? exitCodes.notFound : exitCodes.failed;
    }
    io.err(`hangar: ${error instanceof Error ? error.message : String(error)}`);
    return exitCodes.failed;
  }
}

/** Opens a connection for one command and always closes it. */
async function withConnection<T>(run: (connection: CoreConnection) => Promise<T>): Promise<T> {
  const connection = await openConnection();
  try {
    return await run(connection);
  } finally {
    await connection.close();
  }
}

/** The value of a result; a failure throws CallFailed (exit 1, or 3 for NotFound). */
function unwrap<T>(result: ApiResult<T>): T {
  if (result.ok) return result.value;
  throw new CallFailed(result.error.class, result.error.desc);
}

/** One call's value, typed by the call. */
async function call<N extends ApiCallName>(connection: CoreConnection, name: N, args: ApiArgs<N>, timeoutMs?: number): Promise<ApiValue<N>> {
  return unwrap(await connection.call(name, args, timeoutMs));
}

function table(io: CliIo, header: string[], rows: string[][]): void {
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)));
  for (const row of [header, ...rows]) io.out(row.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join('  ').trimEnd());
}

function oneName(positionals: string[], command: string): string {
  const [name, ...extra] = positionals;
  if (!name || extra.length > 0) throw new UsageError(`${command} takes one machine name.`);
  return name;
}

async function list(argv: string[], io: CliIo): Promise<number> {
  const parsed = parseArguments(argv, [], ['json']);
  if (parsed.positionals.length > 0) throw new UsageError('list takes no arguments.');
  return withConnection(async (connection) => {
    const machines = await call(connection, 'machines.list', {});
    if (parsed.flags.has('json')) io.out(JSON.stringify(machines, null, 2));
    else if (machines.length === 0) io.out('No machines yet. Create one with: hangar create NAME --engine v86 --memory 64 --cdrom ISO');
    else table(io, ['NAME', 'ENGINE', 'MEMORY', 'STATE', 'OS'], machines.map((m) => [m.name, m.engine, `${m.memoryMib} MiB`, m.state, m.osId]));
    return exitCodes.ok;
  });
}

async function show(argv: string[], io: CliIo): Promise<number> {
  const parsed = parseArguments(argv, [], ['json']);
  const name = oneName(parsed.positionals, 'show');
  return withConnection(async (connection) => {
    const machine: Record<string, unknown> = await call(connection, 'machines.get', { id: name });
    if (parsed.flags.has('json')) io.out(JSON.stringify(machine, null, 2));
    else {
      for (const key of ['name', 'id', 'state', 'reason', 'engine', 'osId', 'memoryMib', 'cpus', 'bootOrder', 'displayDevice', 'drives', 'disks', 'qmpSocket']) {
        const value = machine[key];
        if (value === undefined) continue;
        io.out(`${`${key}:`.padEnd(15)}${typeof value === 'string' || typeof value === 'number' ? String(value) : JSON.stringify(value)}`);
      }
    }
    return exitCodes.ok;
  });
}

/** "512M", "2G", "1T" or a bare number of MiB → MiB; undefined when it is not a size. */
export function parseSizeMib(text: string): number | undefined {
  const match = /^(\d+)([MGT]i?B?)?$/i.exec(text.trim());
  if (!match) return undefined;
  const unit = (match[2] ?? 'M')[0]?.toUpperCase();
  const value = Number(match[1]) * (unit === 'T' ? 1 << 20 : unit === 'G' ? 1024 : 1);
  return Number.isSafeInteger(value) && value > 0 ? value : undefined;
}

async function create(argv: string[], io: CliIo): Promise<number> {
  const parsed = parseArguments(argv, ['engine', 'memory', 'cpus', 'cdrom', 'floppy', 'os', 'disk'], []);
  const name = nameArgument(oneName(parsed.positionals, 'create'), 'machine');
  const engine = parsed.options.get('engine');
  if (engine !== 'v86' && engine !== 'qemu') throw new UsageError('--engine must be v86 or qemu.');
  const memoryMib = integerOption(parsed, 'memory', 1, 1 << 20);
  if (memoryMib === undefined) throw new UsageError('--memory MIB is required.');
  const cpus = integerOption(parsed, 'cpus', 1, 256);
  const args: ApiArgs<'machines.create'> = { name, engine, memoryMib };
  if (cpus !== undefined) args.cpus = cpus;
  const cdrom = parsed.options.get('cdrom');
  const floppy = parsed.options.get('floppy');
  if (cdrom) args.cdrom = resolve(cdrom);
  if (floppy) args.floppy = resolve(floppy);
  const disk = parsed.options.get('disk');
  if (disk !== undefined) {
    if (existsSync(disk)) args.diskPath = resolve(disk);
    else {
      const size = parseSizeMib(disk);
      if (size === undefined) throw new UsageError(`--disk takes a size (like 512M or 2G) or the path of an existing image; "${disk}" is neither.`);
      args.diskMib = size;
    }
  }
  const os = parsed.options.get('os');
  return withConnection(async (connection) => {
    if (os) args.osId = os;
    else if (cdrom) {
      const detected = await connection.call('os.detect', { path: resolve(cdrom) });
      const detection = detected.ok ? detected.value.detection : undefined;
      const osId = typeof detection === 'object' && detection !== null && 'id' in detection ? detection.id : undefined;
      if (typeof osId === 'string') args.osId = osId;
    }
    const machine = await call(connection, 'machines.create', args, 600_000);
    io.out(`Created "${machine.name}" (${machine.id}): ${machine.engine}, ${machine.memoryMib} MiB, OS ${machine.osId}.`);
    return exitCodes.ok;
  });
}

async function modify(argv: string[], io: CliIo): Promise<number> {
  const parsed = parseArguments(argv, ['name', 'memory', 'cpus', 'os', 'engine', 'boot', 'speed-limit', 'clipboard', 'notes'], []);
  const name = oneName(parsed.positionals, 'modify');
  const patch: ApiArgs<'machines.update'>['patch'] = {};
  const newName = parsed.options.get('name');
  if (newName !== undefined) patch.name = nameArgument(newName, 'machine');
  const memoryMib = integerOption(parsed, 'memory', 1, 1 << 20);
  if (memoryMib !== undefined) patch.memoryMib = memoryMib;
  const cpus = integerOption(parsed, 'cpus', 1, 256);
  if (cpus !== undefined) patch.cpus = cpus;
  const os = parsed.options.get('os');
  if (os !== undefined) patch.osId = os;
  const engine = parsed.options.get('engine');
  if (engine !== undefined) {
    if (engine !== 'v86' && engine !== 'qemu') throw new UsageError('--engine must be v86 or qemu.');
    patch.engine = engine;
  }
  const boot = parsed.options.get('boot');
  if (boot !== undefined) {
    const items = boot.split(',').filter(Boolean);
    const order = items.filter((item) => isOneOf(bootDevices, item));
    if (order.length === 0 || order.length !== items.length) throw new UsageError('--boot takes cdrom, floppy and disk separated by commas.');
    patch.bootOrder = order;
  }
  const speed = integerOption(parsed, 'speed-limit', 0, 100000);
  if (speed !== undefined) patch.speedLimitMips = speed;
  const clipboard = parsed.options.get('clipboard');
  if (clipboard !== undefined) {
    if (!isOneOf(clipboardModes, clipboard)) throw new UsageError(`--clipboard must be one of ${clipboardModes.join(', ')}.`);
    patch.clipboardMode = clipboard;
  }
  const notes = parsed.options.get('notes');
  if (notes !== undefined) patch.notes = notes;
  if (Object.keys(patch).length === 0) throw new UsageError('modify needs at least one option to change (see hangar --help).');
  return withConnection(async (connection) => {
    const machine = await call(connection, 'machines.update', { id: name, patch });
    io.out(`Modified "${machine.name}": ${machine.engine}, ${machine.memoryMib} MiB, ${machine.cpus} CPU(s), OS ${machine.osId}.`);
    if (machine.state !== 'stopped' && machine.state !== 'crashed') io.out('It is running: the new hardware applies once it is powered off and started again.');
    return exitCodes.ok;
  });
}

async function remove(argv: string[], io: CliIo): Promise<number> {
  const parsed = parseArguments(argv, [], ['keep-files']);
  const name = oneName(parsed.positionals, 'delete');
  return withConnection(async (connection) => {
    await call(connection, 'machines.delete', { id: name, keepFiles: parsed.flags.has('keep-files') });
    io.out(`Deleted "${name}".`);
    return exitCodes.ok;
  });
}

async function start(argv: string[], io: CliIo): Promise<number> {
  const parsed = parseArguments(argv, [], ['headless']);
  const name = oneName(parsed.positionals, 'start');
  const remote = await connectRemote();
  if (remote) {
    try {
      if (parsed.flags.has('headless')) {
        throw new CallFailed('Conflict', 'Another Hangar instance holds the library, so this terminal cannot run the machine itself. Run `hangar start NAME` without --headless to start it in that instance.');
      }
      const machine = await startAndSettle(remote, name);
      io.out(`Started "${machine.name}" in the running Hangar instance.`);
      if (machine.qmpSocket) io.out(`QMP socket: ${machine.qmpSocket}`);
      return exitCodes.ok;
    } finally {
      await remote.close();
    }
  }
  if (!parsed.flags.has('headless')) io.out('No Hangar instance holds the library: running the machine headless in this terminal (Ctrl+C powers it off).');
  return runHeadless(name, io);
}

/** How long `start` waits for a started machine to leave 'starting'. */
const startSettleMs = 120_000;

/**
 * Starts a machine and waits until it runs (or is paused, or powered off) or has failed; a
 * failure throws CallFailed with the engine's reason, so `start` never says "Started" for a
 * machine that is already gone.
 */
async function startAndSettle(connection: CoreConnection, name: string): Promise<MachineViewValue> {
  let machineId: string | undefined;
  let latest: { state: string; reason?: string } | undefined;
  let changed: () => void = () => undefined;
  // Subscribed before the call: a crash right after the start is not missed.
  const unsubscribe = connection.onEvent((event) => {
    if (event.event !== 'MACHINE_STATE' || machineId === undefined || event.data.id !== machineId) return;
    const data = event.data;
    latest = { state: data.state, ...(data.reason !== undefined ? { reason: data.reason } : {}) };
    changed();
  });
  try {
    machineId = (await call(connection, 'machines.get', { id: name })).id;
    const started = await call(connection, 'vm.start', { id: machineId });
    const deadline = Date.now() + startSettleMs;
    for (;;) {
      const current = await call(connection, 'machines.get', { id: machineId });
      const failed = [latest, current].find((state) => state?.state === 'crashed' || state?.state === 'stopped');
      if (failed !== undefined) throw new CallFailed('EngineFailed', `"${started.name}" failed right after it started: ${failed.reason ?? `it is ${failed.state}`}`);
      if (current.state !== 'starting') return { ...current, ...(started.qmpSocket ? { qmpSocket: started.qmpSocket } : {}) };
      if (Date.now() > deadline) throw new CallFailed('Timeout', `"${started.name}" did not finish starting within ${startSettleMs / 1000} s; check it with \`hangar show ${name}\`.`);
      await new Promise<void>((resolve) => {
        changed = resolve;
        setTimeout(resolve, 1000);
      });
    }
  } finally {
    unsubscribe();
  }
}

/** Holds the library, runs one machine and serves the control socket until the guest powers off or a signal. */
async function runHeadless(name: string, io: CliIo): Promise<number> {
  const core = await HangarCore.open({ folder: libraryFolder() });
  const connection = localConnection(core, false);
  try {
    let finished: (outcome: { code: number; message: string }) => void = () => undefined;
    const outcome = new Promise<{ code: number; message: string }>((resolve) => (finished = resolve));
    let machineId: string | undefined;
    const unsubscribe = connection.onEvent((event) => {
      if (event.event !== 'MACHINE_STATE') return;
      const data = event.data;
      if (data.id !== machineId) return;
      if (data.state === 'shutdown') finished({ code: exitCodes.ok, message: 'The guest powered off.' });
      else if (data.state === 'stopped') finished({ code: exitCodes.ok, message: 'The machine was powered off.' });
      else if (data.state === 'crashed') finished({ code: exitCodes.failed, message: `The machine crashed: ${data.reason ?? 'no reason given'}` });
    });
    const onSignal = (signal: NodeJS.Signals): void => finished({ code: exitCodes.ok, message: `Stopping (${signal}): powering the machine off.` });
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    try {
      const target = await call(connection, 'machines.get', { id: name });
      machineId = target.id;
      const machine = await call(connection, 'vm.start', { id: target.id });
      io.out(`Started "${machine.name}" (${machine.engine}, ${machine.memoryMib} MiB).`);
      const qmpSocket = machine.qmpSocket;
      if (qmpSocket) {
        // The engine opens its QMP socket once its backend is up.
        const deadline = Date.now() + 30_000;
        while (!existsSync(qmpSocket) && Date.now() < deadline) await new Promise((done) => setTimeout(done, 50));
        io.out(`QMP socket: ${qmpSocket}`);
      }
      if (core.controlSocket) io.out(`Control socket: ${core.controlSocket}`);
      io.out('Running until the guest powers off (Ctrl+C powers it off).');
      const result = await outcome;
      io.out(result.message);
      return result.code;
    } finally {
      unsubscribe();
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
  } finally {
    await core.close();
  }
}

/** `cd0`/`fd0` (or cdrom/floppy); anything else is a usage error. */
function driveArgument(drive: string | undefined): DriveSlotName {
  const aliases: Record<string, DriveSlotName> = { cd0: 'cd0', cdrom: 'cd0', cd: 'cd0', fd0: 'fd0', floppy: 'fd0', fd: 'fd0' };
  const slot = drive ? aliases[drive.toLowerCase()] : undefined;
  if (!slot) throw new UsageError(`DRIVE must be cd0 (the CD drive) or fd0 (the floppy drive)${drive ? `, not "${drive}"` : ''}.`);
  return slot;
}

async function control(argv: string[], io: CliIo): Promise<number> {
  const parsed = parseArguments(argv, [], ['force']);
  const [name, action, ...operands] = parsed.positionals;
  if (!name || !action) throw new UsageError('control takes a machine name and an action.');
  const simple: Record<string, 'vm.pause' | 'vm.resume' | 'vm.reset' | 'vm.powerdown' | 'vm.poweroff'> = { pause: 'vm.pause', resume: 'vm.resume', reset: 'vm.reset', powerdown: 'vm.powerdown', poweroff: 'vm.poweroff' };
  const operandCount = (count: number): void => {
    if (operands.length !== count) throw new UsageError(`control ${action} takes ${count === 0 ? 'no operands' : `${count} operand${count > 1 ? 's' : ''}`}.`);
  };
  let run: (connection: CoreConnection) => Promise<string>;
  const simpleCall = simple[action];
  if (simpleCall) {
    operandCount(0);
    run = async (connection) => (await call(connection, simpleCall, { id: name }), `${action}: done.`);
  } else if (action === 'eject') {
    operandCount(1);
    const slot = driveArgument(operands[0]);
    run = async (connection) => (await call(connection, 'vm.eject', { id: name, slot, ...(parsed.flags.has('force') ? { force: true } : {}) }), `Ejected ${slot}.`);
  } else if (action === 'insert') {
    operandCount(2);
    const slot = driveArgument(operands[0]);
    const path = resolve(operands[1] as string);
    run = async (connection) => (await call(connection, 'vm.insert', { id: name, slot, path }), `Inserted ${path} in ${slot}.`);
  } else if (action === 'screenshot') {
    operandCount(1);
    const file = resolve(operands[0] as string);
    run = async (connection) => {
      const { png } = await call(connection, 'vm.screenshot', { id: name });
      writeFileSync(file, Buffer.from(png, 'base64'));
      return `Wrote ${file}.`;
    };
  } else if (action === 'type') {
    operandCount(1);
    const text = (operands[0] as string).replace(/\\n/g, '\n');
    run = async (connection) => (await call(connection, 'vm.type-text', { id: name, text }, 60_000 + text.length * 100), `Typed ${text.length} character(s).`);
  } else if (action === 'serial') {
    operandCount(0);
    return withConnection((connection) => serialConsole(connection, name, io));
  } else if (action === 'keys') {
    if (operands.length === 0) throw new UsageError('control keys takes one or more QKeyCode names (e.g. ctrl alt delete).');
    run = async (connection) => (await call(connection, 'vm.send-keys', { id: name, keys: operands }), `Pressed ${operands.join('+')}.`);
  } else {
    throw new UsageError(`Unknown control action "${action}": use pause, resume, reset, powerdown, poweroff, eject, insert, screenshot, type, keys or serial.`);
  }
  return withConnection(async (connection) => {
    io.out(await run(connection));
    return exitCodes.ok;
  });
}

/** Detaches an interactive serial console (like telnet's escape). */
const serialDetachByte = 0x1d;

/**
 * `control NAME serial`: the guest's COM1 in this terminal. Prints the recent output first, then
 * follows SERIAL_OUTPUT; what is typed (raw, on a terminal) goes to the guest. Ends on EOF,
 * Ctrl+], a signal, or when the machine stops.
 */
async function serialConsole(connection: CoreConnection, name: string, io: CliIo): Promise<number> {
  const machine = await call(connection, 'machines.get', { id: name });
  // Refuses a stopped machine with the usual message.
  await call(connection, 'vm.status', { id: machine.id });
  const stdin = process.stdin;
  const raw = stdin.isTTY;
  let finish: (code: number) => void = () => undefined;
  const finished = new Promise<number>((resolve) => (finish = resolve));
  const unsubscribe = connection.onEvent((event) => {
    if (event.event === 'SERIAL_OUTPUT' && event.data.id === machine.id) process.stdout.write(Buffer.from(event.data.data, 'base64'));
    else if (event.event === 'MACHINE_STATE' && event.data.id === machine.id && (event.data.state === 'stopped' || event.data.state === 'crashed')) {
      const data = event.data;
      io.err(`\nhangar: "${machine.name}" ${data.state === 'crashed' ? `crashed${data.reason ? `: ${data.reason}` : ''}` : 'stopped'}.`);
      finish(data.state === 'crashed' ? exitCodes.failed : exitCodes.ok);
    }
  });
  const backlog = await call(connection, 'vm.serial-backlog', { id: machine.id });
  process.stdout.write(Buffer.from(backlog.data, 'base64'));
  if (raw) io.err(`[Serial console of "${machine.name}"; Ctrl+] detaches.]`);
  // Input is sent in order, one write at a time.
  let sending = Promise.resolve();
  const onData = (chunk: Buffer): void => {
    const detach = raw ? chunk.indexOf(serialDetachByte) : -1;
    const bytes = detach >= 0 ? chunk.subarray(0, detach) : chunk;
    if (bytes.byteLength > 0) {
      const data = bytes.toString('base64');
      sending = sending.then(async () => {
        const result = await connection.call('vm.serial-write', { id: machine.id, data, format: 'base64' });
        if (!result.ok) {
          io.err(`\nhangar: ${result.error.desc} (${result.error.class})`);
          finish(exitCodes.failed);
        }
      });
    }
    if (detach >= 0) finish(exitCodes.ok);
  };
  const onEnd = (): void => void sending.then(() => finish(exitCodes.ok));
  const onSignal = (): void => finish(exitCodes.ok);
  if (raw) stdin.setRawMode(true);
  stdin.on('data', onData);
  stdin.once('end', onEnd);
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    return await finished;
  } finally {
    unsubscribe();
    stdin.off('data', onData);
    stdin.off('end', onEnd);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    if (raw) stdin.setRawMode(false);
    stdin.pause();
  }
}

/** A snapshot of the API with its parent typed precisely (the schema says any: a string or null). */
function snapshotNode(snapshot: ApiValue<'snapshots.take'>): SnapshotViewValue {
  return { ...snapshot, parentId: typeof snapshot.parentId === 'string' ? snapshot.parentId : null };
}

/** Prints a snapshot tree, children indented under their parent; `*` marks the current one. */
function printSnapshotTree(io: CliIo, snapshots: SnapshotViewValue[], currentId: string | null): void {
  if (snapshots.length === 0) return void io.out('No snapshots.');
  const ids = new Set(snapshots.map((snapshot) => snapshot.id));
  const children = new Map<string | null, SnapshotViewValue[]>();
  for (const snapshot of snapshots) {
    const parent = snapshot.parentId !== null && ids.has(snapshot.parentId) ? snapshot.parentId : null;
    children.set(parent, [...(children.get(parent) ?? []), snapshot]);
  }
  const walk = (parent: string | null, depth: number): void => {
    for (const snapshot of children.get(parent) ?? []) {
      const size = snapshot.sizeBytes !== undefined ? `  ${(snapshot.sizeBytes / 1048576).toFixed(1)} MiB` : '';
      io.out(`${snapshot.id === currentId ? '*' : ' '} ${'  '.repeat(depth)}${snapshot.name}  (${snapshot.id})  ${snapshot.createdAt}${size}`);
      walk(snapshot.id, depth + 1);
    }
  };
  walk(null, 0);
}

async function snapshot(argv: string[], io: CliIo): Promise<number> {
  const parsed = parseArguments(argv, ['description'], ['json']);
  const [name, action, ...operands] = parsed.positionals;
  if (!name || !action) throw new UsageError('snapshot takes a machine name and take, restore, delete, list or inspect.');
  const oneSnapshot = (): string => {
    if (operands.length !== 1) throw new UsageError(`snapshot ${action} takes one snapshot name or id.`);
    return operands[0] as string;
  };
  if (action === 'take') {
    if (operands.length > 1) throw new UsageError('snapshot take takes at most one snapshot name (quote names with spaces).');
    const snapshotName = operands[0] !== undefined ? nameArgument(operands[0], 'snapshot') : `Snapshot ${new Date().toISOString().replace('T', ' ').slice(0, 19)}`;
    const description = parsed.options.get('description');
    return withConnection(async (connection) => {
      const taken = await call(connection, 'snapshots.take', { id: name, name: snapshotName, ...(description !== undefined ? { description } : {}) }, 600_000);
      io.out(parsed.flags.has('json') ? JSON.stringify(taken, null, 2) : `Took snapshot "${taken.name}" (${taken.id}).`);
      return exitCodes.ok;
    });
  }
  if (action === 'restore' || action === 'delete') {
    const target = oneSnapshot();
    return withConnection(async (connection) => {
      await call(connection, action === 'restore' ? 'snapshots.restore' : 'snapshots.delete', { id: name, snapshotId: target }, 600_000);
      io.out(action === 'restore' ? `Restored "${target}".` : `Deleted snapshot "${target}".`);
      return exitCodes.ok;
    });
  }
  if (action === 'list') {
    if (operands.length > 0) throw new UsageError('snapshot list takes no operands.');
    return withConnection(async (connection) => {
      const tree = await call(connection, 'snapshots.list', { id: name });
      if (parsed.flags.has('json')) io.out(JSON.stringify(tree, null, 2));
      else printSnapshotTree(io, tree.snapshots.map(snapshotNode), typeof tree.currentId === 'string' ? tree.currentId : null);
      return exitCodes.ok;
    });
  }
  if (action === 'inspect') {
    const target = oneSnapshot();
    return withConnection(async (connection) => {
      const found: Record<string, unknown> = await call(connection, 'snapshots.inspect', { id: name, snapshotId: target });
      if (parsed.flags.has('json')) io.out(JSON.stringify(found, null, 2));
      else {
        for (const key of ['name', 'id', 'engine', 'engineVersion', 'formatVersion', 'sizeBytes', 'loadable', 'reason', 'sections']) {
          const value = found[key];
          if (value !== undefined) io.out(`${`${key}:`.padEnd(15)}${typeof value === 'object' ? JSON.stringify(value) : String(value)}`);
        }
      }
      return exitCodes.ok;
    });
  }
  throw new UsageError(`Unknown snapshot action "${action}": use take, restore, delete, list or inspect.`);
}

async function media(argv: string[], io: CliIo): Promise<number> {
  const parsed = parseArguments(argv, [], ['json']);
  const [action, ...operands] = parsed.positionals;
  const onePath = (): string => {
    if (operands.length !== 1) throw new UsageError(`media ${action} takes one path.`);
    return resolve(operands[0] as string);
  };
  switch (action) {
    case 'list': {
      if (operands.length > 0) throw new UsageError('media list takes no operands.');
      return withConnection(async (connection) => {
        // Rows carry more than the schema names (present, osName): read those as what they are, unknown.
        const entries: Record<string, unknown>[] = await call(connection, 'media.list', {});
        if (parsed.flags.has('json')) io.out(JSON.stringify(entries, null, 2));
        else if (entries.length === 0) io.out('No media yet. Add a file with: hangar media add PATH, or watch a folder: hangar media watch FOLDER');
        else table(io, ['KIND', 'PRESENT', 'OS', 'PATH'], entries.map((entry) => [String(entry.kind), entry.present === false ? 'missing' : 'yes', typeof entry.osName === 'string' ? entry.osName : '', String(entry.path)]));
        return exitCodes.ok;
      });
    }
    case 'add': {
      const path = onePath();
      return withConnection(async (connection) => {
        const added = await call(connection, 'media.add', { path });
        io.out(`Added ${path} (${added.kind}, ${added.id}).`);
        return exitCodes.ok;
      });
    }
    case 'remove': {
      if (operands.length !== 1) throw new UsageError('media remove takes one path or media id.');
      const target = operands[0] as string;
      return withConnection(async (connection) => {
        await call(connection, 'media.remove', { id: existsSync(target) ? resolve(target) : target });
        io.out(`Removed ${target} from the media library (the file stays).`);
        return exitCodes.ok;
      });
    }
    case 'watch':
    case 'unwatch': {
      const path = onePath();
      if (action === 'watch' && !(existsSync(path) && statSync(path).isDirectory())) throw new CallFailed('NotFound', `${path} is not a folder.`);
      return withConnection(async (connection) => {
        await call(connection, action === 'watch' ? 'folders.add' : 'folders.remove', { path });
        io.out(action === 'watch' ? `Watching ${path}: media files in it join the library.` : `Stopped watching ${path}.`);
        return exitCodes.ok;
      });
    }
    case 'folders': {
      return withConnection(async (connection) => {
        const folders = await call(connection, 'folders.list', {});
        if (parsed.flags.has('json')) io.out(JSON.stringify(folders, null, 2));
        else for (const folder of folders) io.out(`${folder.path}${folder.isDefault ? '  (library media folder)' : ''}`);
        return exitCodes.ok;
      });
    }
    default:
      throw new UsageError('media takes list, add PATH, remove PATH|ID, watch FOLDER, unwatch FOLDER or folders.');
  }
}

/** Serves the web UI until SIGINT/SIGTERM; `note` explains why (when falling back from the GUI). */
async function serveWeb(argv: string[], io: CliIo, note: string | undefined): Promise<number> {
  const parsed = parseArguments(argv, ['port'], []);
  if (parsed.positionals.length > 0) throw new UsageError('web takes no arguments.');
  const port = integerOption(parsed, 'port', 0, 65535);
  const core = await HangarCore.open({ folder: libraryFolder(), watch: true });
  let shell;
  try {
    shell = await startWebShell({ core, ...(port !== undefined ? { port } : {}) });
  } catch (error) {
    await core.close();
    throw error;
  }
  if (note) io.out(note);
  io.out(`Hangar web UI: ${shell.url}`);
  // The GUI's fallback opens the page itself (openInBrowser only where a desktop session is);
  // HANGAR_NO_BROWSER=1 turns that off (tests, scripts).
  if (note && process.env.HANGAR_NO_BROWSER !== '1' && openInBrowser(shell.url)) io.out('Opened it in your browser.');
  if (core.controlSocket) io.out(`Control socket: ${core.controlSocket}`);
  io.out('Press Ctrl+C to stop.');
  const signal = await new Promise<NodeJS.Signals>((done) => {
    process.once('SIGINT', () => done('SIGINT'));
    process.once('SIGTERM', () => done('SIGTERM'));
  });
  io.out(`Stopping (${signal}): powering off running machines.`);
  // The shell first (it ends every client connection at once), so no client calls into a closing core.
  try {
    await shell.close();
  } finally {
    await core.close();
  }
  return exitCodes.ok;
}

async function gui(argv: string[], io: CliIo): Promise<number> {
  const electron = findElectron();
  if (!electron.ok) return serveWeb(argv, io, `Electron is not available: ${electron.reason} Serving the UI in the browser instead.`);
  const child = spawn(electron.binary, [electron.entry, ...argv], { stdio: 'inherit', env: process.env });
  return new Promise<number>((done) => {
    child.once('error', () => done(exitCodes.failed));
    child.once('exit', (code) => done(code ?? exitCodes.failed));
  });
}
