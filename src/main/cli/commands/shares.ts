/**
 * `hangar shares NAME [--json]`: a machine's shared folders, each with its mount tag, whether the
 * running engine serves it (or why not) and the Linux guest command that mounts it (API
 * `vm.shares`). Shares are changed with `hangar modify NAME --share … --no-share …`.
 */
import { parseArguments } from '../arguments.js';
import type { CliCommand, CliIo } from '../command.js';
import { call, exitCodes, oneName, table, withConnection } from '../command.js';

async function shares(argv: string[], io: CliIo): Promise<number> {
  const parsed = parseArguments(argv, [], ['json']);
  const name = oneName(parsed.positionals, 'shares');
  return withConnection(async (connection) => {
    const result = await call(connection, 'vm.shares', { id: name });
    if (parsed.flags.has('json')) {
      io.out(JSON.stringify(result, null, 2));
      return exitCodes.ok;
    }
    if (result.shares.length === 0) {
      io.out(`"${name}" shares no folders. Add one with: hangar modify "${name}" --share HOSTPATH[:NAME][:ro]`);
      return exitCodes.ok;
    }
    table(
      io,
      ['NAME', 'TAG', 'ACCESS', 'STATUS', 'HOST FOLDER'],
      result.shares.map((share) => [share.name, share.tag, share.readOnly ? 'read-only' : 'read-write', share.status, share.hostPath]),
    );
    for (const share of result.shares) if (share.error !== undefined) io.out(`${share.name}: ${share.error}`);
    if (result.note !== undefined) io.out(result.note);
    io.out('');
    io.out('In a Linux guest (as root):');
    for (const share of result.shares) io.out(`  ${share.mountCommand}`);
    io.out(`Windows guests need a 9P or virtiofs driver; without one, send files on a CD: hangar control "${name}" send-files FILE...`);
    return exitCodes.ok;
  });
}

/** `hangar shares`. */
export const sharesCommand: CliCommand = {
  name: 'shares',
  usage: `  shares NAME [--json]                   the shared folders: mount tag, served or not (and why),
                                         the guest's mount command`,
  run: shares,
};
