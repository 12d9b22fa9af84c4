/**
 * The `hangar` command (everything but `hangar engine`, which bin/hangar.js routes to the engine
 * host). Every command is an API client: over the control socket when another instance holds
 * the library, else on a core opened in this process (connection.ts). This file dispatches on the
 * command table (one module per command group under commands/), prints the usage text built from
 * it, and maps errors to exit codes.
 */
import { UsageError } from './arguments.js';
import type { CliCommand, CliIo } from './command.js';
import { CallFailed, exitCodes } from './command.js';
import { controlCommand } from './commands/control.js';
import { diskCommand } from './commands/disk.js';
import { libraryCommand } from './commands/library.js';
import { logsCommand } from './commands/logs.js';
import { machineCommands } from './commands/machines.js';
import { mediaCommand } from './commands/media.js';
import { qemuCommand } from './commands/qemu.js';
import { networkCommands } from './commands/network.js';
import { sharesCommand } from './commands/shares.js';
import { shellCommands } from './commands/shells.js';
import { snapshotCommand } from './commands/snapshot.js';
import { startCommand } from './commands/start.js';

export { exitCodes } from './command.js';
export type { CliIo } from './command.js';

/** The command table, in usage order. */
const commands: readonly CliCommand[] = [
  ...machineCommands,
  startCommand,
  controlCommand,
  ...networkCommands,
  sharesCommand,
  snapshotCommand,
  mediaCommand,
  diskCommand,
  logsCommand,
  qemuCommand,
  libraryCommand,
  ...shellCommands,
];

const usage = `usage: hangar COMMAND [options]

${commands.map((command) => command.usage).join('\n')}
  engine ...                             run one engine in the foreground (hangar engine --help)

While an instance (gui, web or start --headless) holds the library, the other commands talk to
it over its control socket (<library>/control.sock), so they work on running machines.
The library folder is $HANGAR_HOME (default: $XDG_DATA_HOME/hangar or ~/.local/share/hangar).

Exit codes: 0 success, 1 the operation failed (the message says what to do), 2 usage error,
3 not found (no such machine, snapshot, media or folder).`;

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
        return command === undefined ? exitCodes.usage : exitCodes.ok;
    }
    const entry = commands.find((candidate) => candidate.name === command);
    if (!entry) throw new UsageError(`Unknown command "${command}".`);
    return await entry.run(rest, io);
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
