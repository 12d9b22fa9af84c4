/**
 * `hangar disk check NAME [DRIVE] [--repair | --repair-all] [--json]`: what `qemu-img check`
 * (and the header check) finds on a machine's hard disks, and the repair a refused start points
 * to. An API client like every command (API `machines.check-disk`).
 */
import type { ApiResult, ApiReturn } from '../../../shared/protocol/api/index.js';
import { UsageError, parseArguments } from '../arguments.js';
import type { CliCommand } from '../command.js';
import type { CoreConnection } from '../connection.js';
import { openConnection } from '../connection.js';
import { parseSizeMib } from './machines.js';

/** Output streams, as main.ts passes them. */
export interface DiskCommandIo {
  out(text: string): void;
  err(text: string): void;
}

export const diskUsage = `  disk check NAME [DRIVE] [--repair | --repair-all] [--json]
                                         check a machine's hard disks (header, qemu-img check);
                                         --repair frees leaked clusters, --repair-all also lets
                                         qemu-img fix errors (back the image up first); DRIVE: hda…
  disk resize NAME DRIVE SIZE            grow a powered-off machine's disk (like: hda 16G; never shrinks)
  disk convert NAME DRIVE qcow2|raw      convert it (QEMU snapshots need qcow2)`;

type CheckResult = ApiReturn<'machines.check-disk'>;

/**
 * Runs `hangar disk …` with the arguments after `disk`; resolves with the exit code: 0 every
 * disk is usable, 1 damage remains or the call failed, 3 no such machine or disk. Usage
 * mistakes throw UsageError (main prints the usage, exit 2).
 */
export async function runDiskCommand(argv: string[], io: DiskCommandIo, connect: () => Promise<CoreConnection> = openConnection): Promise<number> {
  const [action, ...rest] = argv;
  if (action === 'resize' || action === 'convert') return runDiskChange(action, rest, io, connect);
  if (action !== 'check') throw new UsageError(action === undefined ? 'disk needs an action: check, resize or convert.' : `Unknown disk action "${action}"; the actions are check, resize and convert.`);
  const parsed = parseArguments(rest, [], ['repair', 'repair-all', 'json']);
  const [name, drive, ...extra] = parsed.positionals;
  if (!name || extra.length > 0) throw new UsageError('disk check takes a machine name and optionally a drive (hd0…).');
  if (parsed.flags.has('repair') && parsed.flags.has('repair-all')) throw new UsageError('Give --repair or --repair-all, not both.');
  const repair = parsed.flags.has('repair-all') ? 'all' : parsed.flags.has('repair') ? 'leaks' : undefined;
  const connection = await connect();
  let result: ApiResult<unknown>;
  try {
    // A repair rewrites metadata of the whole image: allow it minutes.
    result = await connection.call('machines.check-disk', { id: name, ...(drive ? { drive } : {}), ...(repair ? { repair } : {}) }, 600_000);
  } finally {
    await connection.close();
  }
  if (!result.ok) {
    io.err(`hangar: ${result.error.desc} (${result.error.class})`);
    return result.error.class === 'NotFound' ? 3 : 1;
  }
  const value = result.value as CheckResult;
  if (parsed.flags.has('json')) io.out(JSON.stringify(value, null, 2));
  else report(value, io);
  return value.disks.every((disk) => disk.ok) ? 0 : 1;
}

/**
 * `disk resize NAME DRIVE SIZE` (grow only) and `disk convert NAME DRIVE raw|qcow2`, on a
 * powered-off machine (API `disks.resize`, `disks.convert`). Exit 0 done, 1 refused, 3 not found.
 */
async function runDiskChange(action: 'resize' | 'convert', argv: string[], io: DiskCommandIo, connect: () => Promise<CoreConnection>): Promise<number> {
  const parsed = parseArguments(argv, [], []);
  const [name, drive, value, ...extra] = parsed.positionals;
  if (!name || !drive || !value || extra.length > 0) {
    throw new UsageError(action === 'resize' ? 'disk resize takes a machine name, a drive (hda…) and the new size (like 16G).' : 'disk convert takes a machine name, a drive (hda…) and the format (qcow2 or raw).');
  }
  let result: ApiResult<unknown>;
  const connection = await connect();
  try {
    if (action === 'resize') {
      const sizeMib = parseSizeMib(value);
      if (sizeMib === undefined) throw new UsageError(`"${value}" is not a size; give one like 16G or 20480M.`);
      result = await connection.call('disks.resize', { id: name, drive, sizeMib }, 600_000);
    } else {
      if (value !== 'qcow2' && value !== 'raw') throw new UsageError(`"${value}" is not a disk format; give qcow2 or raw.`);
      result = await connection.call('disks.convert', { id: name, drive, format: value }, 3_600_000);
    }
  } finally {
    await connection.close();
  }
  if (!result.ok) {
    io.err(`hangar: ${result.error.desc} (${result.error.class})`);
    return result.error.class === 'NotFound' ? 3 : 1;
  }
  const machine = result.value as { name: string; disks?: { position: number; path: string; format: string; sizeBytes: number }[] };
  const disk = machine.disks?.[0];
  io.out(
    disk
      ? `${action === 'resize' ? 'Resized' : 'Converted'} the hard disk ${drive} of "${machine.name}": ${disk.path} (${disk.format}, ${formatMib(disk.sizeBytes)}).${action === 'resize' ? ' Grow the partition inside the guest to use the new space.' : ''}`
      : `${action === 'resize' ? 'Resized' : 'Converted'} the hard disk ${drive} of "${machine.name}".`,
  );
  return 0;
}

/** Bytes as "16 GiB" or "512 MiB". */
function formatMib(bytes: number): string {
  const mib = bytes / 1048576;
  return mib >= 1024 && mib % 1024 === 0 ? `${mib / 1024} GiB` : `${Math.round(mib)} MiB`;
}

function report(value: CheckResult, io: DiskCommandIo): void {
  if (value.disks.length === 0) {
    io.out('This machine has no hard disks.');
    return;
  }
  for (const disk of value.disks) {
    const verdict = disk.headerProblem !== undefined ? 'DAMAGED HEADER' : disk.corruptions > 0 ? 'DAMAGED' : disk.leaks > 0 ? 'usable (leaked clusters)' : disk.checked ? 'OK' : 'OK (header only)';
    io.out(`${disk.drive} ${disk.path} (${disk.format}): ${verdict}`);
    for (const line of disk.detail.split('\n')) io.out(`  ${line}`);
    io.out(`  ${disk.advice}`);
  }
}

/** `hangar disk`. */
export const diskCommand: CliCommand = { name: 'disk', usage: diskUsage, run: (argv, io) => runDiskCommand(argv, io) };
