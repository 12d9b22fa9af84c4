/**
 * `hangar control NAME ACTION`: drives a running machine (power, media, screenshot, keyboard),
 * `control NAME serial`, its COM1 in this terminal, and `control NAME forward …|link up|down`
 * (the network commands of ./network.ts).
 */
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { DriveSlotName } from '../../../shared/protocol/enums.js';
import { UsageError, parseArguments } from '../arguments.js';
import type { CliCommand, CliIo } from '../command.js';
import { call, exitCodes, withConnection } from '../command.js';
import type { CoreConnection } from '../connection.js';
import { forwardAction, linkAction } from './network.js';
import { sendFilesActions } from './send-files.js';

/** `cd0`/`fd0` (or cdrom/floppy); anything else is a usage error. */
function driveArgument(drive: string | undefined): DriveSlotName {
  const aliases: Record<string, DriveSlotName> = { cd0: 'cd0', cdrom: 'cd0', cd: 'cd0', fd0: 'fd0', floppy: 'fd0', fd: 'fd0' };
  const slot = drive ? aliases[drive.toLowerCase()] : undefined;
  if (!slot) throw new UsageError(`DRIVE must be cd0 (the CD drive) or fd0 (the floppy drive)${drive ? `, not "${drive}"` : ''}.`);
  return slot;
}

/**
 * Control actions that read their own operands and options (everything after `control NAME ACTION`).
 * Another command module registers its action here with one line.
 */
const delegatedActions: Record<string, (name: string, argv: string[], io: CliIo) => Promise<number>> = {
  forward: async (name, argv, io) => {
    const parsed = parseArguments(argv, ['name'], ['json']);
    const [action, ...operands] = parsed.positionals;
    return forwardAction(name, action, operands, { json: parsed.flags.has('json'), label: parsed.options.get('name') }, io, `control ${name} forward`);
  },
  link: async (name, argv, io) => linkAction(name, parseArguments(argv, [], []).positionals, io),
  ...sendFilesActions,
};

async function control(argv: string[], io: CliIo): Promise<number> {
  // The first two words that are not options are NAME and ACTION (control's own options take no value).
  const words = argv.flatMap((arg, index) => (arg.startsWith('--') ? [] : [index])).slice(0, 2);
  const delegated = words.length === 2 ? delegatedActions[argv[words[1] as number] as string] : undefined;
  if (delegated) return delegated(argv[words[0] as number] as string, argv.filter((_arg, index) => !words.includes(index)), io);
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
    throw new UsageError(`Unknown control action "${action}": use pause, resume, reset, powerdown, poweroff, eject, insert, screenshot, type, keys, serial, ${Object.keys(delegatedActions).join(', ')}.`);
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

/** `hangar control`. */
export const controlCommand: CliCommand = {
  name: 'control',
  usage: `  control NAME ACTION                    pause | resume | reset | powerdown | poweroff |
                                         eject DRIVE [--force] | insert DRIVE PATH |
                                         screenshot FILE | type TEXT | keys KEY... | serial |
                                         forward add tcp:[ADDR:]HOSTPORT:GUESTPORT [--name LABEL] |
                                         forward remove tcp:[ADDR:]HOSTPORT | forward list [--json] |
                                         link up|down |
                                         send-files [--floppy|--cd] [--label LABEL] FILE... |
                                         restore-medium
                                         (DRIVE: cd0 or fd0; KEY: QKeyCode names like ctrl alt delete;
                                         serial: this terminal is COM1 until EOF, Ctrl+] or power-off;
                                         forward and link: live on a running machine, and stored;
                                         send-files: the files on a CD image (or floppy) in its drive,
                                         restore-medium puts back the medium it replaced)`,
  run: control,
};
