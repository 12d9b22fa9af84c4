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

/** Output streams, as main.ts passes them. */
export interface DiskCommandIo {
  out(text: string): void;
  err(text: string): void;
}

export const diskUsage = `  disk check NAME [DRIVE] [--repair | --repair-all] [--json]
                                         check a machine's hard disks (header, qemu-img check);
                                         --repair frees leaked clusters, --repair-all also lets
                                         qemu-img fix errors (back the image up first); DRIVE: hd0…`;

type CheckResult = ApiReturn<'machines.check-disk'>;

/**
 * Runs `hangar disk …` with the arguments after `disk`; resolves with the exit code: 0 every
 * disk is usable, 1 damage remains or the call failed, 3 no such machine or disk. Usage
 * mistakes throw UsageError (main prints the usage, exit 2).
 */
export async function runDiskCommand(argv: string[], io: DiskCommandIo, connect: () => Promise<CoreConnection> = openConnection): Promise<number> {
  const [action, ...rest] = argv;
  if (action !== 'check') throw new UsageError(action === undefined ? 'disk needs an action: check.' : `Unknown disk action "${action}"; the action is check.`);
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
