/**
 * `hangar network NAME` (the network card and each forward with its status) and
 * `hangar forward NAME add|remove|list`: forwards changed on the running engine and in the stored
 * settings together, or only stored when the machine is stopped (API `vm.network`,
 * `vm.forward-add`, `vm.forward-remove`).
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

async function forward(argv: string[], io: CliIo): Promise<number> {
  const parsed = parseArguments(argv, ['name'], ['json']);
  const [name, action, ...operands] = parsed.positionals;
  if (!name || !action) throw new UsageError('forward takes a machine name and add, remove or list.');
  if (action === 'list') {
    if (operands.length > 0) throw new UsageError('forward list takes no operands.');
    return showNetwork(name, parsed.flags.has('json'), io);
  }
  if (operands.length !== 1) throw new UsageError(`forward ${action} takes one operand (like tcp:2222:22${action === 'remove' ? ' for add, tcp:2222 for remove' : ''}).`);
  const operand = operands[0] as string;
  if (action === 'add') {
    const rule = usage(() => parseForwardText(operand));
    const label = parsed.options.get('name');
    return withConnection(async (connection) => {
      await call(connection, 'vm.forward-add', { id: name, ...rule, ...(label !== undefined ? { name: label } : {}) });
      io.out(`Forwarding ${rule.protocol} ${rule.hostAddress}:${rule.hostPort} to the guest's port ${rule.guestPort}.`);
      return exitCodes.ok;
    });
  }
  if (action === 'remove') {
    const host = usage(() => parseForwardHost(operand));
    return withConnection(async (connection) => {
      await call(connection, 'vm.forward-remove', { id: name, ...host });
      io.out(`Removed the forward on ${host.protocol} ${host.hostAddress}:${host.hostPort}.`);
      return exitCodes.ok;
    });
  }
  throw new UsageError(`forward takes add, remove or list, not "${action}".`);
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
