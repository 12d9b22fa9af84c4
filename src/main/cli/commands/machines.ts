/**
 * `hangar list | show | create | modify | delete`: the machines themselves (API `machines.*`).
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { ApiArgs } from '../../../shared/protocol/api/client.js';
import { bootDevices, clipboardModes, isOneOf } from '../../../shared/protocol/enums.js';
import { UsageError, integerOption, nameArgument, parseArguments } from '../arguments.js';
import type { CliCommand, CliIo } from '../command.js';
import { networkFromOptions, networkValueOptions, takeRepeated } from '../network-options.js';
import { sharesFromOptions, takeShareOptions } from '../share-options.js';
import { call, exitCodes, oneName, table, withConnection } from '../command.js';
import { osNameLookup } from '../os-names.js';
import type { CoreConnection } from '../connection.js';

async function list(argv: string[], io: CliIo): Promise<number> {
  const parsed = parseArguments(argv, [], ['json']);
  if (parsed.positionals.length > 0) throw new UsageError('list takes no arguments.');
  return withConnection(async (connection) => {
    const machines = await call(connection, 'machines.list', {});
    if (parsed.flags.has('json')) io.out(JSON.stringify(machines, null, 2));
    else if (machines.length === 0) io.out('No machines yet. Create one with: hangar create NAME --engine v86 --memory 64 --cdrom ISO');
    else {
      const osName = await osNameLookup(connection, machines.map((m) => m.osId));
      table(io, ['NAME', 'ENGINE', 'MEMORY', 'STATE', 'OS'], machines.map((m) => [m.name, m.engine, `${m.memoryMib} MiB`, m.state, m.osName ?? osName(m.osId)]));
    }
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
      const osName = await osNameLookup(connection, typeof machine.osId === 'string' ? [machine.osId] : []);
      for (const key of ['name', 'id', 'state', 'reason', 'engine', 'osId', 'memoryMib', 'cpus', 'bootOrder', 'displayDevice', 'drives', 'disks', 'shares', 'qmpSocket']) {
        const value = machine[key];
        if (value === undefined) continue;
        io.out(`${`${key}:`.padEnd(15)}${typeof value === 'string' || typeof value === 'number' ? String(value) : JSON.stringify(value)}`);
        if (key === 'osId' && typeof value === 'string') io.out(`${'os:'.padEnd(15)}${typeof machine.osName === 'string' ? machine.osName : osName(value)}`);
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
  const shareOptions = takeShareOptions(argv);
  const forwards = takeRepeated(shareOptions.rest, 'forward');
  const parsed = parseArguments(forwards.rest, ['engine', 'memory', 'cpus', 'cdrom', 'floppy', 'os', 'disk', ...networkValueOptions], []);
  const name = nameArgument(oneName(parsed.positionals, 'create'), 'machine');
  const engine = parsed.options.get('engine');
  if (engine !== 'v86' && engine !== 'qemu') throw new UsageError('--engine must be v86 or qemu.');
  const network = networkFromOptions(parsed.options, forwards.values, [], engine, undefined);
  const memoryMib = integerOption(parsed, 'memory', 1, 1 << 20);
  if (memoryMib === undefined) throw new UsageError('--memory MIB is required.');
  const cpus = integerOption(parsed, 'cpus', 1, 256);
  const args: ApiArgs<'machines.create'> = { name, engine, memoryMib };
  if (cpus !== undefined) args.cpus = cpus;
  if (network !== undefined) args.network = network;
  const shares = sharesFromOptions(shareOptions, undefined);
  if (shares !== undefined) args.shares = shares;
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
    const osName = await osNameLookup(connection, [machine.osId]);
    io.out(`Created "${machine.name}" (${machine.id}): ${machine.engine}, ${machine.memoryMib} MiB, OS ${machine.osName ?? osName(machine.osId)}.`);
    return exitCodes.ok;
  });
}

async function modify(argv: string[], io: CliIo): Promise<number> {
  const shareOptions = takeShareOptions(argv);
  const forwards = takeRepeated(shareOptions.rest, 'forward');
  const removals = takeRepeated(forwards.rest, 'no-forward');
  const parsed = parseArguments(removals.rest, ['name', 'memory', 'cpus', 'os', 'engine', 'boot', 'speed-limit', 'clipboard', 'serial', 'notes', ...diskValueOptions, ...networkValueOptions], ['delete-disk-file', 'disk-raw', 'disk-qcow2']);
  const disks = diskChanges(parsed);
  const networkAsked = networkValueOptions.some((option) => parsed.options.has(option)) || forwards.values.length > 0 || removals.values.length > 0;
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
  const serial = parsed.options.get('serial');
  if (serial !== undefined) {
    if (serial !== 'console' && serial !== 'off') throw new UsageError('--serial must be console or off.');
    patch.serialEnabled = serial === 'console';
  }
  const notes = parsed.options.get('notes');
  if (notes !== undefined) patch.notes = notes;
  if (Object.keys(patch).length === 0 && !networkAsked && !shareOptions.asked && !disks.asked) throw new UsageError('modify needs at least one option to change (see hangar --help).');
  return withConnection(async (connection) => {
    // Disks first: a removal makes room for the new disk, and a refused change stops before the rest.
    for (const line of await applyDiskChanges(connection, name, disks)) io.out(line);
    if (Object.keys(patch).length === 0 && !networkAsked && !shareOptions.asked) return exitCodes.ok;
    if (networkAsked) {
      // Forwards are added to and removed from the stored list, so the current one is read first.
      const current = await call(connection, 'machines.get', { id: name });
      const network = networkFromOptions(parsed.options, forwards.values, removals.values, patch.engine ?? current.engine, current.network);
      if (network !== undefined) patch.network = network;
    }
    if (shareOptions.asked) patch.shares = sharesFromOptions(shareOptions, (await call(connection, 'machines.get', { id: name })).shares);
    const machine = await call(connection, 'machines.update', { id: name, patch });
    const osName = machine.osName ?? (await osNameLookup(connection, [machine.osId]))(machine.osId);
    io.out(`Modified "${machine.name}": ${machine.engine}, ${machine.memoryMib} MiB, ${machine.cpus} CPU(s), OS ${osName}.`);
    if (machine.state !== 'stopped' && machine.state !== 'crashed') io.out('It is running: the new hardware applies once it is powered off and started again.');
    return exitCodes.ok;
  });
}

/** The disk options of `modify`. */
const diskValueOptions = ['add-disk', 'attach-disk', 'remove-disk'] as const;

interface DiskChanges {
  asked: boolean;
  remove?: { drive: string; deleteFile: boolean };
  add?: { sizeMib: number; format?: 'raw' | 'qcow2' };
  attach?: string;
}

/** `--remove-disk hda [--delete-disk-file]`, `--add-disk 8G [--disk-raw | --disk-qcow2]`, `--attach-disk FILE`. */
function diskChanges(parsed: ReturnType<typeof parseArguments>): DiskChanges {
  const changes: DiskChanges = { asked: false };
  const removeDrive = parsed.options.get('remove-disk');
  const addSize = parsed.options.get('add-disk');
  const attach = parsed.options.get('attach-disk');
  if (addSize !== undefined && attach !== undefined) throw new UsageError('Give --add-disk or --attach-disk, not both (a machine has one hard disk).');
  if (parsed.flags.has('delete-disk-file') && removeDrive === undefined) throw new UsageError('--delete-disk-file goes with --remove-disk DRIVE.');
  if (parsed.flags.has('disk-raw') && parsed.flags.has('disk-qcow2')) throw new UsageError('Give --disk-raw or --disk-qcow2, not both.');
  if ((parsed.flags.has('disk-raw') || parsed.flags.has('disk-qcow2')) && addSize === undefined) throw new UsageError('--disk-raw and --disk-qcow2 go with --add-disk SIZE.');
  if (removeDrive !== undefined) changes.remove = { drive: removeDrive, deleteFile: parsed.flags.has('delete-disk-file') };
  if (addSize !== undefined) {
    const sizeMib = parseSizeMib(addSize);
    if (sizeMib === undefined) throw new UsageError(`--add-disk takes a size like 512M or 8G; "${addSize}" is not one.`);
    changes.add = { sizeMib, ...(parsed.flags.has('disk-raw') ? { format: 'raw' as const } : parsed.flags.has('disk-qcow2') ? { format: 'qcow2' as const } : {}) };
  }
  if (attach !== undefined) changes.attach = resolve(attach);
  changes.asked = removeDrive !== undefined || addSize !== undefined || attach !== undefined;
  return changes;
}

/** Runs the disk changes in order (remove, then add or attach); answers what was done, one line each. */
async function applyDiskChanges(connection: CoreConnection, name: string, changes: DiskChanges): Promise<string[]> {
  const done: string[] = [];
  // The machine view allows fields beyond its schema; `disks` is one of them.
  const describe = (machine: object): string => {
    const disks = (machine as { disks?: unknown }).disks;
    const disk = (Array.isArray(disks) ? disks : []).at(-1) as { path?: string; format?: string; sizeBytes?: number } | undefined;
    return disk ? `${disk.path ?? '?'} (${disk.format ?? '?'}, ${Math.round((disk.sizeBytes ?? 0) / 1048576)} MiB)` : 'no disk';
  };
  if (changes.remove) {
    const removed = await call(connection, 'disks.remove', { id: name, drive: changes.remove.drive, deleteFile: changes.remove.deleteFile });
    done.push(`Removed the hard disk ${changes.remove.drive} of "${name}"${removed.keptFile !== undefined ? `; its file was kept: ${removed.keptFile}` : ' and deleted its file'}.`);
  }
  if (changes.add) {
    const machine = await call(connection, 'disks.add', { id: name, sizeMib: changes.add.sizeMib, ...(changes.add.format ? { format: changes.add.format } : {}) }, 600_000);
    done.push(`Added a new hard disk to "${machine.name}": ${describe(machine)}.`);
  }
  if (changes.attach !== undefined) {
    const machine = await call(connection, 'disks.attach', { id: name, path: changes.attach }, 120_000);
    done.push(`Attached ${describe(machine)} to "${machine.name}".`);
  }
  return done;
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

/** The machine commands, in usage order. */
export const machineCommands: readonly CliCommand[] = [
  {
    name: 'list',
    usage: `  list [--json]                          list the machines and their state`,
    run: list,
  },
  {
    name: 'show',
    usage: `  show NAME [--json]                     show one machine`,
    run: show,
  },
  {
    name: 'create',
    usage: `  create NAME --engine v86|qemu --memory MIB [--cpus N] [--cdrom ISO] [--floppy IMG]
         [--disk SIZE|PATH] [--os OSID]  create a machine (SIZE like 512M or 2G makes a new
                                         qcow2 disk; a PATH attaches an existing image)
         [--nic nat|isolated|none] [--nic-model MODEL] [--mac MAC] [--cable on|off]
         [--forward tcp:[ADDR:]HOSTPORT:GUESTPORT]...  network card (default nat) and forwards
         [--share HOSTPATH[:NAME][:ro]]...  shared folders (the first is mounted as host9p)`,
    run: create,
  },
  {
    name: 'modify',
    usage: `  modify NAME [--name NEW] [--memory MIB] [--cpus N] [--os OSID] [--engine v86|qemu]
         [--boot cdrom,floppy,disk] [--speed-limit MIPS] [--clipboard MODE] [--notes TEXT]
         [--serial console|off] [--nic MODE] [--nic-model MODEL] [--mac MAC] [--cable on|off]
         [--forward tcp:[ADDR:]HOSTPORT:GUESTPORT]... [--no-forward tcp:[ADDR:]HOSTPORT]...
         [--share HOSTPATH[:NAME][:ro]]... [--no-share NAME]...
         [--remove-disk hda [--delete-disk-file]]  detach the hard disk (its file is kept unless asked)
         [--add-disk SIZE [--disk-raw|--disk-qcow2]]  a new disk (qcow2 on QEMU, raw on v86)
         [--attach-disk FILE]            an existing raw or qcow2 image (machine powered off)`,
    run: modify,
  },
  {
    name: 'delete',
    usage: `  delete NAME [--keep-files]             delete a machine (and its disks unless --keep-files)`,
    run: remove,
  },
];
