/**
 * The engine process entry. Run it as a child (utilityProcess or child_process.fork) or
 * directly:
 *   node --import tsx src/emulator/host/entry.ts --engine v86 --memory 64 --cdrom PATH --qmp DIR/qmp.sock
 * Options: --engine v86|qemu, --memory MIB, --cpus N, --cdrom/--floppy/--disk PATH,
 * --disk-format raw|qcow2 (the disk's format; without it the header decides),
 * --boot cdrom,floppy,disk, --qmp PATH (UNIX socket, folder must be 0700), --state-dir DIR,
 * --paused, --options JSON (backend options), --foreground (exit when the guest powers off),
 * --nic nat|isolated|none [--nic-model MODEL] [--mac MAC] [--forward tcp:[ADDR:]HOSTPORT:GUESTPORT]…
 * (the network card; the same as options.network {mode, model, mac, connected, forwards}),
 * --share HOSTPATH[:NAME][:ro]… (shared folders over 9P, first tag host9p; the same as options.shares).
 * Exit codes: 0 normal, 2 bad usage, 1 failure.
 */
import { dirname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { MachineConfig } from '../backend.js';
import { parseForward, planNetwork } from '../common/network-plan.js';
import { parseShare, planShares } from '../common/share-plan.js';
import { loadBackend } from './backends.js';
import { Engine } from './engine.js';
import { parentChannelDrained, serveParentChannel } from './parent-channel.js';
import { UnixSocketServer, ensurePrivateFolder } from './unix-socket-server.js';

/** Parsed command line of an engine. */
export interface EngineOptions {
  readonly config: MachineConfig;
  readonly qmp?: string;
  readonly foreground: boolean;
}

/** A command-line mistake (exit code 2). */
export class UsageError extends Error {}

export const engineUsage =
  'usage: hangar engine --engine v86|qemu --memory MIB [--cpus N] [--cdrom PATH] [--floppy PATH] [--disk PATH [--disk-format raw|qcow2]] [--boot LIST] [--paused] [--state-dir DIR] [--options JSON] [--nic nat|isolated|none] [--nic-model MODEL] [--mac MAC] [--forward tcp:[ADDR:]HOSTPORT:GUESTPORT]... [--share HOSTPATH[:NAME][:ro]]... --qmp PATH';

/** Parses engine options from `argv`. */
export function parseEngineArgs(argv: readonly string[], defaults: { foreground?: boolean } = {}): EngineOptions {
  const values = new Map<string, string>();
  const flags = new Set<string>();
  const forwards: string[] = [];
  const shares: string[] = [];
  for (let index = 0; index < argv.length; index++) {
    const arg = argv[index] as string;
    if (arg === '--paused' || arg === '--foreground') {
      flags.add(arg.slice(2));
      continue;
    }
    if (!arg.startsWith('--')) throw new UsageError(`Unexpected argument "${arg}".`);
    const [name, inline] = arg.slice(2).split(/=(.*)/s, 2) as [string, string | undefined];
    const value = inline ?? argv[++index];
    if (value === undefined) throw new UsageError(`--${name} needs a value.`);
    if (!['engine', 'memory', 'cpus', 'cdrom', 'floppy', 'disk', 'disk-format', 'boot', 'qmp', 'state-dir', 'options', 'runtime-dir', 'nic', 'nic-model', 'mac', 'forward', 'share'].includes(name)) {
      throw new UsageError(`Unknown option --${name}.`);
    }
    if (name === 'forward') forwards.push(value);
    else if (name === 'share') shares.push(value);
    else values.set(name, value);
  }
  const engine = values.get('engine') ?? 'v86';
  if (engine !== 'v86' && engine !== 'qemu') throw new UsageError(`--engine must be v86 or qemu, not "${engine}".`);
  const memoryMib = Number(values.get('memory') ?? '64');
  if (!Number.isInteger(memoryMib) || memoryMib < 1 || memoryMib > 65536) throw new UsageError('--memory must be a whole number of MiB (1..65536).');
  const cpus = values.has('cpus') ? Number(values.get('cpus')) : undefined;
  if (cpus !== undefined && (!Number.isInteger(cpus) || cpus < 1)) throw new UsageError('--cpus must be a positive whole number.');
  const qmp = values.get('qmp');
  const diskFormat = values.get('disk-format');
  if (diskFormat !== undefined && diskFormat !== 'raw' && diskFormat !== 'qcow2') throw new UsageError(`--disk-format must be raw or qcow2, not "${diskFormat}".`);
  if (diskFormat !== undefined && !values.has('disk')) throw new UsageError('--disk-format describes --disk PATH; give the disk too.');
  const bootOrder = values.get('boot')?.split(',');
  if (bootOrder?.some((item) => !['cdrom', 'floppy', 'disk'].includes(item))) throw new UsageError('--boot takes cdrom, floppy and disk separated by commas.');
  let options: Record<string, unknown> | undefined;
  if (values.has('options')) {
    try {
      options = JSON.parse(values.get('options') as string) as Record<string, unknown>;
    } catch {
      throw new UsageError('--options must be a JSON object.');
    }
  }
  const network = networkOption(engine, values, forwards, options?.network);
  if (network !== undefined) options = { ...options, network };
  if (shares.length > 0) options = { ...options, shares: shareOption(shares) };
  const file = (name: string): string | undefined => (values.has(name) ? resolve(values.get(name) as string) : undefined);
  const runtimeDir = file('runtime-dir') ?? (qmp ? dirname(resolve(qmp)) : process.cwd());
  const config: MachineConfig = {
    engine,
    memoryMib,
    ...(cpus !== undefined ? { cpus } : {}),
    ...(file('cdrom') ? { cdrom: file('cdrom') } : {}),
    ...(file('floppy') ? { floppy: file('floppy') } : {}),
    ...(file('disk') ? { disk: file('disk') } : {}),
    ...(diskFormat !== undefined ? { diskFormat } : {}),
    ...(bootOrder ? { bootOrder: bootOrder as MachineConfig['bootOrder'] } : {}),
    runtimeDir,
    ...(file('state-dir') ? { stateDir: file('state-dir') } : {}),
    ...(flags.has('paused') ? { paused: true } : {}),
    ...(options ? { options } : {}),
  };
  return { config, ...(qmp ? { qmp: resolve(qmp) } : {}), foreground: flags.has('foreground') || defaults.foreground === true };
}

/** The network option from --nic/--nic-model/--mac/--forward (over options.network), checked for `engine`; undefined without any. */
function networkOption(engine: 'v86' | 'qemu', values: Map<string, string>, forwards: readonly string[], fromOptions: unknown): Record<string, unknown> | undefined {
  const given = values.has('nic') || values.has('nic-model') || values.has('mac') || forwards.length > 0;
  if (!given && fromOptions === undefined) return undefined;
  const network: Record<string, unknown> = typeof fromOptions === 'object' && fromOptions !== null ? { ...(fromOptions as Record<string, unknown>) } : {};
  if (values.has('nic')) network.mode = values.get('nic');
  if (values.has('nic-model')) network.model = values.get('nic-model');
  if (values.has('mac')) network.mac = values.get('mac');
  try {
    if (forwards.length > 0) network.forwards = forwards.map((text) => parseForward(text));
    // Checked here so a bad value is a usage error (exit 2), not a failed start.
    const plan = planNetwork(engine, network);
    if (plan.mode !== 'none' && network.mac === undefined) network.mac = plan.mac;
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  return network;
}

/** The shares option from --share flags, checked (a malformed flag or a duplicate name is a usage error). */
function shareOption(flags: readonly string[]): Record<string, unknown>[] {
  try {
    const shares = flags.map((text) => parseShare(text));
    // Names unique and at most MAX_SHARES; a folder that cannot be served is reported by the engine instead.
    planShares(shares);
    return shares.map((share) => ({ ...share }));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

/** How often a standalone engine checks that the process that started it still exists. */
const parentCheckMs = 500;

/** Calls `gone` once this process is re-parented (its parent exited, however it died). */
function watchParent(gone: () => void): NodeJS.Timeout {
  const parent = process.ppid;
  const timer = setInterval(() => {
    if (process.ppid === parent) return;
    clearInterval(timer);
    gone();
  }, parentCheckMs);
  timer.unref();
  return timer;
}

/** Runs one engine until quit, a signal, or (in foreground mode) guest power-off; returns the exit code. */
export async function runEngine(options: EngineOptions, announce: (line: string) => void = () => {}): Promise<number> {
  const engine = new Engine(options.config);
  let server: UnixSocketServer | undefined;
  let parentWatch: NodeJS.Timeout | undefined;
  const onSignal = (signal: string): void => engine.requestStop(signal);
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const factory = await loadBackend(options.config.engine);
    if (options.qmp) ensurePrivateFolder(dirname(options.qmp));
    // Without a parent channel (a standalone `hangar engine`), nothing tells the engine that the
    // process that started it is gone, not even when it was killed with SIGKILL: being re-parented
    // is that sign, and an engine nobody owns would run (with its guest and helpers) forever.
    if (!serveParentChannel(engine)) parentWatch = watchParent(() => engine.requestStop('the process that started the engine exited'));
    if (options.foreground) {
      engine.onEvent((event) => {
        if (event.event === 'SHUTDOWN') engine.requestStop('guest powered off');
      });
    }
    await engine.start(factory);
    // The socket appears once the backend is up, so a client that sees it can use every command.
    if (options.qmp) server = await UnixSocketServer.listen(options.qmp, engine);
    if (server) announce(`QMP socket: ${server.path}`);
    const reason = await engine.stopped;
    engine.log(`stopping: ${reason}`);
    return 0;
  } catch (error) {
    engine.log(`failed: ${(error as Error).message}`);
    return 1;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    clearInterval(parentWatch);
    await engine.dispose();
    await server?.close();
  }
}

async function main(): Promise<void> {
  // The engine writes guest RAM (snapshot files), disk overlays and sockets: private to the user
  // (0600 files, 0700 folders), on top of the explicit modes those writers use.
  process.umask(0o077);
  let options: EngineOptions;
  try {
    options = parseEngineArgs(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n${engineUsage}\n`);
    process.exit(2);
  }
  const code = await runEngine(options, (line) => process.stdout.write(`${line}\n`));
  // The reply to `quit` may still wait behind display frames on the parent channel.
  await parentChannelDrained(2_000);
  // Backends may hold timers or workers; the engine is done, so leave now.
  process.exit(code);
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) void main();
