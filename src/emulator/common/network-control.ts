/**
 * The network commands both engines answer the same way (query-network, network-forward-add,
 * network-forward-remove, set_link) over an engine-specific driver: QEMU's own user netdev, or
 * v86's NIC bridged to the NAT process. Keeps the forward list with each rule's status, so a
 * launch-time forward whose host port is busy stays listed as failed (with the sentence) while
 * the guest runs on.
 */
import type { CommandHandlers } from '../backend.js';
import { ProtocolError } from '../backend.js';
import type { EngineEventData } from '../../shared/protocol/engine/index.js';
import { forwardKey, forwardProblem, type PortForward } from '../net/port-forwards.js';
import type { NetworkPlan } from './network-plan.js';

/** What an engine does for the network commands; methods reject with an Error whose message is a sentence. */
export interface NetworkDriver {
  addForward(forward: PortForward): Promise<void>;
  removeForward(forward: PortForward): Promise<void>;
  setLink(up: boolean): Promise<void>;
  /** Frames moved so far, when the engine counts them. */
  counters?(): { rx: number; tx: number };
}

interface Rule {
  readonly forward: PortForward;
  status: 'active' | 'failed';
  error?: string;
}

/** The network state of one engine and its protocol handlers. */
export class NetworkControl {
  private readonly rules = new Map<string, Rule>();
  private driver: NetworkDriver | undefined;
  private unavailable: string | undefined;
  private link: boolean;

  constructor(
    readonly plan: NetworkPlan,
    private readonly emitFailed: (data: EngineEventData<'NETWORK_FORWARD_FAILED'>) => void,
  ) {
    this.link = plan.connected;
  }

  /** Connects the engine's driver, or records why the network could not be set up. */
  attach(driver: NetworkDriver | { readonly unavailable: string }): void {
    if ('unavailable' in driver) this.unavailable = driver.unavailable;
    else this.driver = driver;
  }

  /** Applies the launch-time forwards (after the guest started); a refused one is kept as failed and reported by an event. */
  async applyLaunchForwards(): Promise<void> {
    for (const forward of this.plan.forwards) {
      const rule: Rule = { forward, status: 'active' };
      this.rules.set(forwardKey(forward), rule);
      try {
        await this.requireDriver().addForward(forward);
      } catch (error) {
        rule.status = 'failed';
        rule.error = (error as Error).message;
        this.emitFailed({ protocol: forward.protocol, 'host-address': forward.hostAddress, 'host-port': forward.hostPort, 'guest-port': forward.guestPort, error: rule.error });
      }
    }
  }

  /**
   * Sets the cable and the active forwards again on a fresh network stack (QEMU relaunched for
   * the accelerator or speed limit); a forward that is refused now becomes failed.
   */
  async reapply(): Promise<void> {
    const driver = this.driver;
    if (driver === undefined) return;
    if (!this.link) await driver.setLink(false);
    for (const rule of this.rules.values()) {
      if (rule.status !== 'active') continue;
      try {
        await driver.addForward(rule.forward);
      } catch (error) {
        rule.status = 'failed';
        rule.error = (error as Error).message;
        const forward = rule.forward;
        this.emitFailed({ protocol: forward.protocol, 'host-address': forward.hostAddress, 'host-port': forward.hostPort, 'guest-port': forward.guestPort, error: rule.error });
      }
    }
  }

  /** The protocol handlers. */
  handlers(): CommandHandlers {
    return {
      'query-network': () => {
        const counters = this.driver?.counters?.();
        return {
          mode: this.plan.mode,
          model: this.plan.model,
          mac: this.plan.mac,
          link: this.plan.mode !== 'none' && this.link,
          available: this.plan.mode !== 'none' && this.driver !== undefined,
          ...(this.reason() !== undefined ? { reason: this.reason() } : {}),
          forwards: [...this.rules.values()].map((rule) => ({
            protocol: rule.forward.protocol,
            'host-address': rule.forward.hostAddress,
            'host-port': rule.forward.hostPort,
            'guest-port': rule.forward.guestPort,
            status: rule.status,
            ...(rule.error !== undefined ? { error: rule.error } : {}),
          })),
          ...(counters ? { 'rx-frames': counters.rx, 'tx-frames': counters.tx } : {}),
        };
      },
      'network-forward-add': async (args) => {
        const forward: PortForward = { protocol: args.protocol ?? 'tcp', hostAddress: args['host-address'] ?? '127.0.0.1', hostPort: args['host-port'], guestPort: args['guest-port'] };
        const problem = forwardProblem(forward);
        if (problem !== undefined) throw new ProtocolError('GenericError', problem);
        const driver = this.requireDriver();
        const key = forwardKey(forward);
        const existing = this.rules.get(key);
        if (existing?.status === 'active') throw new ProtocolError('GenericError', `A forward already listens on ${forward.protocol.toUpperCase()} ${forward.hostAddress}:${forward.hostPort}; remove it first.`);
        try {
          await driver.addForward(forward);
        } catch (error) {
          throw new ProtocolError('GenericError', (error as Error).message);
        }
        this.rules.set(key, { forward, status: 'active' });
        return {};
      },
      'network-forward-remove': async (args) => {
        const side = { protocol: args.protocol ?? 'tcp', hostAddress: args['host-address'] ?? '127.0.0.1', hostPort: args['host-port'] } as const;
        const driver = this.requireDriver();
        const key = forwardKey(side);
        const rule = this.rules.get(key);
        if (rule === undefined) throw new ProtocolError('GenericError', `No forward listens on ${side.protocol.toUpperCase()} ${side.hostAddress}:${side.hostPort}.`);
        if (rule.status === 'active') {
          try {
            await driver.removeForward(rule.forward);
          } catch (error) {
            throw new ProtocolError('GenericError', (error as Error).message);
          }
        }
        this.rules.delete(key);
        return {};
      },
      set_link: async (args) => {
        if (this.plan.mode === 'none' || (args.name !== 'net0' && args.name !== 'nic0')) {
          throw new ProtocolError('DeviceNotFound', `No network card is named ${JSON.stringify(args.name)}${this.plan.mode === 'none' ? ' (the machine has no network card)' : '; the card is net0'}.`);
        }
        try {
          await this.requireDriver().setLink(args.up);
        } catch (error) {
          throw error instanceof ProtocolError ? error : new ProtocolError('GenericError', (error as Error).message);
        }
        this.link = args.up;
        return {};
      },
    };
  }

  private reason(): string | undefined {
    if (this.plan.mode === 'none') return 'The machine has no network card (network mode none).';
    return this.unavailable;
  }

  private requireDriver(): NetworkDriver {
    if (this.driver !== undefined) return this.driver;
    throw new ProtocolError('GenericError', this.reason() ?? 'The network is not set up yet; retry in a moment.');
  }
}
