/**
 * `hangar engine …`: runs one engine in the foreground for debugging and scripting. Prints the
 * QMP socket path; exits when the guest powers off, on `quit`, or on SIGINT/SIGTERM, removing
 * its socket. Exit codes: 0 normal, 2 bad usage, 1 failure.
 */
import { UsageError, engineUsage, parseEngineArgs, runEngine } from './entry.js';

/** Runs `hangar engine` with the arguments after `engine`; resolves to the exit code. */
export async function runEngineCommand(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(`${engineUsage}\n`);
    return 0;
  }
  let options;
  try {
    options = parseEngineArgs(argv, { foreground: true });
    if (!options.qmp) throw new UsageError('--qmp PATH is required.');
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`${error.message}\n${engineUsage}\n`);
    return 2;
  }
  // runEngine disposes of the backend (emulator, QEMU child, sockets, timers): the process ends
  // on its own with the code bin/hangar.js sets.
  return await runEngine(options, (line) => process.stdout.write(`${line}\n`));
}
