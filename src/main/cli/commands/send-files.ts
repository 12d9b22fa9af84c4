/**
 * `hangar control NAME send-files [--floppy|--cd] [--label LABEL] FILE…`: puts host files in the
 * machine's CD drive (or floppy drive) as a freshly built image, running or stopped; and
 * `hangar control NAME restore-medium`, which puts back the medium it replaced.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { UsageError, parseArguments } from '../arguments.js';
import type { CliIo } from '../command.js';
import { call, exitCodes, withConnection } from '../command.js';

/** Building an image of many gigabytes on a loaded machine takes long; the core has its own timeouts. */
const sendTimeoutMs = 60 * 60 * 1000;

/**
 * The control actions of this module, for control.ts's table of delegated actions: each gets the
 * machine name and what follows the action.
 */
export const sendFilesActions: Record<string, (name: string, argv: string[], io: CliIo) => Promise<number>> = {
  'send-files': sendFiles,
  'restore-medium': restoreMedium,
};

async function restoreMedium(name: string, argv: string[], io: CliIo): Promise<number> {
  if (argv.length > 0) throw new UsageError('control restore-medium takes no operands.');
  return withConnection(async (connection) => {
    const result = await call(connection, 'vm.restore-medium', { id: name });
    io.out(result.restored !== undefined ? `Put ${result.restored} back in ${result.slot}.` : `Emptied ${result.slot} (it was empty before the files were sent).`);
    return exitCodes.ok;
  });
}

/** `control NAME send-files [--floppy|--cd] [--label LABEL] [--] FILE…`. */
async function sendFiles(name: string, argv: string[], io: CliIo): Promise<number> {
  // After `--` everything is a file, even a name that starts with dashes.
  const separator = argv.indexOf('--');
  const parsed = parseArguments(separator >= 0 ? argv.slice(0, separator) : argv, ['label'], ['floppy', 'cd']);
  const files = [...parsed.positionals, ...(separator >= 0 ? argv.slice(separator + 1) : [])];
  if (files.length === 0) throw new UsageError('control send-files takes one or more files or folders.');
  if (parsed.flags.has('floppy') && parsed.flags.has('cd')) throw new UsageError('Give --floppy or --cd, not both.');
  const target = parsed.flags.has('floppy') ? 'fd0' : parsed.flags.has('cd') ? 'cd0' : 'auto';
  const label = parsed.options.get('label');
  const paths = files.map((file) => resolve(file));
  // A typo is a usage mistake (exit 2), caught before anything is built.
  for (const path of paths) if (!existsSync(path)) throw new UsageError(`${path} does not exist; give files or folders that do.`);
  return withConnection(async (connection) => {
    const machine = await call(connection, 'machines.get', { id: name });
    // Progress only on a terminal (a script reads the one result line).
    const stopProgress = process.stderr.isTTY
      ? connection.onEvent((event) => {
          if (event.event === 'PROGRESS' && event.data.operation === 'send-files' && event.data.machineId === machine.id && !event.data.done) {
            process.stderr.write(`\rBuilding the image… ${Math.round(event.data.fraction * 100)}%`);
          }
        })
      : () => undefined;
    try {
      const result = await call(connection, 'vm.send-files', { id: machine.id, paths, target, ...(label !== undefined ? { label } : {}) }, sendTimeoutMs);
      if (process.stderr.isTTY) process.stderr.write('\n');
      const drive = result.slot === 'cd0' ? 'CD drive (cd0)' : 'floppy drive (fd0)';
      io.out(`Sent ${result.files} file(s), ${result.bytes} bytes, to the ${drive} of "${machine.name}" as ${result.image}.`);
      io.out(`${result.replaced !== undefined ? `It replaced ${result.replaced}` : 'The drive was empty'}; \`hangar control ${machine.name} restore-medium\` puts ${result.replaced !== undefined ? 'it' : 'that'} back.`);
      return exitCodes.ok;
    } finally {
      stopProgress();
    }
  });
}
