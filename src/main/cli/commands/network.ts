/**
 * `hangar network NAME` (the network card and each forward with its status) and
 * `hangar forward NAME add|remove|list` (= `hangar control NAME forward …`; `control NAME link
 * up|down` is here too): forwards changed on the running engine and in the stored settings
 * together, or only stored when the machine is stopped (API `vm.network`, `vm.forward-add`,
 * `vm.forward-remove`, `vm.set-link`).
 */
import { parseForwardHost, parseForwardText } from '../../../shared/network-settings.js';
import { UsageError, parseArguments } from '../arguments.js';
import type { CliCommand, CliIo } from '../command.js';
import { call, exitCodes, oneName, withConnection } from '../command.js';
import { forwardLine } from '../network-options.js';

function usage<T>(read: () => T): T {
  try {
    return read();
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

async function showNetwork(name: string, json: boolean, io: CliIo): Promise<number> {
  return withConnection(async (connection) => {
    const network = await call(connection, 'vm.network', { id: name });
    if (json) io.out(JSON.stringify(network, null, 2));
    else {
      io.out(`mode:      ${network.mode}`);
      if (network.mode !== 'none') {
        io.out(`model:     ${network.model}`);
        io.out(`mac:       ${network.mac}`);
        io.out(`cable:     ${network.connected ? 'connected' : 'disconnected'}`);
      }
      io.out(`running:   ${network.running ? 'yes' : 'no (stored settings)'}`);
      if (network.running && !network.available && network.reason) io.out(`network:   unavailable: ${network.reason}`);
      if (network.forwards.length === 0) io.out('forwards:  none');
      else {
        io.out('forwards:');
        for (const forward of network.forwards) io.out(`  ${forwardLine(forward)}`);
      }
    }
    return exitCodes.ok;
  });
}

async function network(argv: string[], io: CliIo): Promise<number> {
  const parsed = parseArguments(argv, [], ['json']);
  return showNetwork(oneName(parsed.positionals, 'network'), parsed.flags.has('json'), io);
}

/** Options a forward action may carry. */
export interface ForwardActionOptions {
  /** `list` prints JSON. */
  json: boolean;
  /** `add` labels the rule. */
  label?: string;
}

/**
 * One forward action on machine `name`: `add tcp:[ADDR:]HOSTPORT:GUESTPORT`, `remove
 * tcp:[ADDR:]HOSTPORT` or `list`; shared by `hangar forward NAME …` and `hangar control NAME forward …`.
 */
export async function forwardAction(name: string, action: string | undefined, operands: readonly string[], options: ForwardActionOptions, io: CliIo, command = `forward ${name}`): Promise<number> {
  if (!action) throw new UsageError(`${command} takes add, remove or list.`);
  if (action !== 'add' && options.label !== undefined) throw new UsageError('--name labels a rule in forward add only.');
  if (action !== 'list' && options.json) throw new UsageError('--json goes with forward list only.');
  if (action === 'list') {
    if (operands.length > 0) throw new UsageError('forward list takes no operands.');
    return showNetwork(name, options.json, io);
  }
  if (action !== 'add' && action !== 'remove') throw new UsageError(`forward takes add, remove or list, not "${action}".`);
  if (operands.length !== 1) throw new UsageError(`forward ${action} takes one operand, like ${action === 'add' ? 'tcp:2222:22 (HOSTPORT:GUESTPORT)' : 'tcp:2222 (the host port)'}.`);
  const operand = operands[0] as string;
  if (action === 'add') {
    const rule = usage(() => parseForwardText(operand));
    return withConnection(async (connection) => {
      await call(connection, 'vm.forward-add', { id: name, ...rule, ...(options.label !== undefined ? { name: options.label } : {}) });
      io.out(`Forwarding ${rule.protocol} ${rule.hostAddress}:${rule.hostPort} to the guest's port ${rule.guestPort}.`);
      return exitCodes.ok;
    });
  }
  const host = usage(() => parseForwardHost(operand));
  return withConnection(async (connection) => {
    await call(connection, 'vm.forward-remove', { id: name, ...host });
    io.out(`Removed the forward on ${host.protocol} ${host.hostAddress}:${host.hostPort}.`);
    return exitCodes.ok;
  });
}

/** `link up|down` on machine `name`: the network cable, stored and applied at once when it runs. */
export async function linkAction(name: string, operands: readonly string[], io: CliIo): Promise<number> {
  const state = operands[0];
  if (operands.length !== 1 || (state !== 'up' && state !== 'down')) throw new UsageError(`link takes up (cable connected) or down (cable out)${state !== undefined ? `, not "${operands.join(' ')}"` : ''}.`);
  return withConnection(async (connection) => {
    await call(connection, 'vm.set-link', { id: name, up: state === 'up' });
    io.out(`The network cable of "${name}" is ${state === 'up' ? 'connected' : 'disconnected'}.`);
    return exitCodes.ok;
  });
}

async function forward(argv: string[], io: CliIo): Promise<number> {
  const parsed = parseArguments(argv, ['name'], ['json']);
  const [name, action, ...operands] = parsed.positionals;
  if (!name || !action) throw new UsageError('forward takes a machine name and add, remove or list.');
  return forwardAction(name, action, operands, { json: parsed.flags.has('json'), label: parsed.options.get('name') }, io);
}

/** The network commands, in usage order. */
export const networkCommands: readonly CliCommand[] = [
  {
    name: 'network',
    usage: `  network NAME [--json]                  the network card (mode, MAC, cable) and each forward
                                         with its status (active, failed and why; stored when stopped)`,
    run: network,
  },
  {
    name: 'forward',
    usage: `  forward NAME add tcp:[ADDR:]HOSTPORT:GUESTPORT [--name LABEL] | remove tcp:[ADDR:]HOSTPORT | list
                                         change forwards: live on a running machine and stored`,
    run: forward,
  },
];
