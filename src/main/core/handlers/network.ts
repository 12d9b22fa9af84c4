/**
 * The network calls (`vm.network`, `vm.forward-add`, `vm.forward-remove`, `vm.set-link`): the
 * stored settings and, when the machine runs, its engine, changed together. A change the
 * running engine refuses (a busy host port) is not stored, so what is stored always worked.
 */
import type { Machine } from '../../../library/index.js';
import { checkNetworkSettings, forwardHostKey, type ForwardSetting } from '../../../shared/network-settings.js';
import type { ApiArgs } from '../../../shared/protocol/api/index.js';
import type { ApiHandlers, ApiValue } from '../../../shared/protocol/api/client.js';
import { checkEngineReturn } from '../../../shared/protocol/engine/replies.js';
import { EngineCommandError } from '../../supervisor/index.js';
import { CoreError } from '../core-error.js';
import type { HandlerContext } from './context.js';

type NetworkCalls = 'vm.network' | 'vm.forward-add' | 'vm.forward-remove' | 'vm.set-link';

/** The handlers of the network calls. */
export function networkHandlers(ctx: HandlerContext): Pick<ApiHandlers, NetworkCalls> {
  const { library, supervisor } = ctx;
  const isRunning = (machine: Machine): boolean => supervisor.status(machine.id).state === 'running' || supervisor.status(machine.id).state === 'paused';
  const engineFailure = (error: unknown, what: string): Error =>
    error instanceof EngineCommandError && error.errorClass === 'GenericError' ? new CoreError('Conflict', `${what}: ${error.message}`) : (error as Error);
  const storeForwards = (machine: Machine, forwards: ForwardSetting[]): void => {
    library.machines.update(machine.id, { network: { forwards } });
  };

  return {
    'vm.network': async (args: ApiArgs<'vm.network'>): Promise<ApiValue<'vm.network'>> => {
      const machine = ctx.machine(args.id);
      const stored = machine.network;
      if (!isRunning(machine)) {
        return {
          mode: stored.mode,
          model: stored.model,
          mac: stored.mac,
          connected: stored.connected,
          running: false,
          available: false,
          reason: `"${machine.name}" is not running; these are its stored settings.`,
          forwards: stored.forwards.map((forward) => ({ ...forward, status: 'stored' as const })),
        };
      }
      const reply = checkEngineReturn('query-network', await supervisor.execute(machine.id, 'query-network'));
      if (!reply.ok) throw new CoreError('EngineFailed', `The engine's answer to query-network is not what the engine protocol says (${reply.issue.path} ${reply.issue.message}); see the engine log (hangar logs NAME).`);
      const live = reply.value;
      const names = new Map(stored.forwards.map((forward) => [forwardHostKey(forward), forward.name]));
      return {
        mode: live.mode,
        model: live.model,
        mac: live.mac,
        connected: live.link,
        running: true,
        available: live.available,
        ...(live.reason !== undefined ? { reason: live.reason } : {}),
        forwards: live.forwards.map((forward) => {
          const setting = { protocol: forward.protocol, hostAddress: forward['host-address'], hostPort: forward['host-port'], guestPort: forward['guest-port'] };
          const name = names.get(forwardHostKey(setting));
          return { ...setting, ...(name !== undefined ? { name } : {}), status: forward.status, ...(forward.error !== undefined ? { error: forward.error } : {}) };
        }),
        ...(live['rx-frames'] !== undefined ? { rxFrames: live['rx-frames'] } : {}),
        ...(live['tx-frames'] !== undefined ? { txFrames: live['tx-frames'] } : {}),
      };
    },
    'vm.forward-add': async (args: ApiArgs<'vm.forward-add'>) => {
      const machine = ctx.machine(args.id);
      const forward: ForwardSetting = {
        protocol: args.protocol ?? 'tcp',
        hostAddress: args.hostAddress ?? '127.0.0.1',
        hostPort: args.hostPort,
        guestPort: args.guestPort,
        ...(args.name !== undefined ? { name: args.name } : {}),
      };
      const forwards = [...machine.network.forwards, forward];
      // Checked before the engine sees it: a duplicate or bad forward never reaches it.
      const checked = checkNetworkSettings(machine.engine, { ...machine.network, forwards });
      if (!checked.ok) throw new CoreError('InvalidArgument', checked.error);
      if (isRunning(machine) && machine.network.mode !== 'none') {
        try {
          await supervisor.execute(machine.id, 'network-forward-add', { protocol: forward.protocol, 'host-address': forward.hostAddress, 'host-port': forward.hostPort, 'guest-port': forward.guestPort });
        } catch (error) {
          throw engineFailure(error, `The forward ${forward.protocol}:${forward.hostAddress}:${forward.hostPort} was not added (nothing was stored)`);
        }
      }
      storeForwards(machine, forwards);
      return {};
    },
    'vm.forward-remove': async (args: ApiArgs<'vm.forward-remove'>) => {
      const machine = ctx.machine(args.id);
      const target = { protocol: args.protocol ?? 'tcp', hostAddress: args.hostAddress ?? '127.0.0.1', hostPort: args.hostPort };
      const key = forwardHostKey(target);
      const stored = machine.network.forwards.some((forward) => forwardHostKey(forward) === key);
      let removedLive = false;
      if (isRunning(machine) && machine.network.mode !== 'none') {
        try {
          await supervisor.execute(machine.id, 'network-forward-remove', { protocol: target.protocol, 'host-address': target.hostAddress, 'host-port': target.hostPort });
          removedLive = true;
        } catch (error) {
          // A stored forward the engine does not have (added while it was starting) is still removed from the settings.
          if (!stored && error instanceof EngineCommandError && error.errorClass === 'GenericError') {
            throw new CoreError('NotFound', `"${machine.name}" has no forward on ${target.protocol.toUpperCase()} ${target.hostAddress}:${target.hostPort} (${error.message}); \`hangar network ${machine.name}\` lists them.`);
          }
          if (!stored) throw error;
        }
      }
      if (!stored && !removedLive) throw new CoreError('NotFound', `"${machine.name}" has no forward on ${target.protocol.toUpperCase()} ${target.hostAddress}:${target.hostPort}; \`hangar network ${machine.name}\` lists them.`);
      if (stored) storeForwards(machine, machine.network.forwards.filter((forward) => forwardHostKey(forward) !== key));
      return {};
    },
    'vm.set-link': async (args: ApiArgs<'vm.set-link'>) => {
      const machine = ctx.machine(args.id);
      if (machine.network.mode === 'none') throw new CoreError('InvalidArgument', `"${machine.name}" has no network card (mode none); set its network mode to nat or isolated first.`);
      if (isRunning(machine)) await supervisor.execute(machine.id, 'set_link', { name: 'net0', up: args.up });
      library.machines.update(machine.id, { network: { connected: args.up } });
      return {};
    },
  };
}
