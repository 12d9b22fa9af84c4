/**
 * QemuMachine: what the QEMU backend's modules share — the config, the host, the current QEMU
 * process (session) and its QMP connection, the run state (common/run-state.ts),
 * and the command handlers each module registers.
 *
 * Modules (process.ts, events.ts, display.ts, media.ts, snapshots.ts, clipboard.ts, input.ts,
 * serial.ts, speed-limit.ts) take the machine and add their handlers; backend.ts wires them.
 */
import type { ChildProcess } from 'node:child_process';
import type { Socket } from 'node:net';
import type { EngineEventData, EngineEventName, RunStateName } from '../../shared/protocol/engine/index.js';
import { ProtocolError, type BackendHost, type CommandHandlers, type MachineConfig } from '../backend.js';
import { machineDrives, socketPaths, type Accelerator, type DriveInfo, type QemuSockets } from './arguments.js';
import { QmpError, type QmpClient } from './qmp.js';
import type { RfbClient } from './rfb.js';
import { RunState } from '../common/run-state.js';
import { NetworkControl } from '../common/network-control.js';
import { planNetwork } from '../common/network-plan.js';
import { ShareControl } from '../common/share-control.js';

/** How a QEMU process ended. */
export interface ExitInfo {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/** One QEMU process with its connections. */
export interface Session {
  readonly child: ChildProcess;
  readonly accelerator: Accelerator;
  readonly startedAt: number;
  /** QEMU's command line (to recognise options echoed in its errors). */
  readonly args: readonly string[];
  qmp?: QmpClient;
  rfb?: RfbClient;
  serial?: Socket;
  output: string;
  exited?: ExitInfo;
  /** Set when we end the process on purpose (dispose, relaunch). */
  retiring: boolean;
  /** Set once launch completed; until then launch itself handles an exit. */
  connected: boolean;
}

/** "was killed by SIGKILL" / "exited with code 1", for messages about a QEMU exit. */
export function describeExit(exit: ExitInfo): string {
  return exit.signal !== null ? `was killed by ${exit.signal}` : `exited with code ${exit.code ?? '?'}`;
}

/** Turns a QMP (or any) failure into the protocol error a handler answers with. */
export function qmpFailure(error: unknown): ProtocolError {
  if (error instanceof ProtocolError) return error;
  if (error instanceof QmpError) {
    const errorClass = error.errorClass === 'DeviceNotFound' || /not found/i.test(error.message) ? 'DeviceNotFound' : 'GenericError';
    return new ProtocolError(errorClass, error.message);
  }
  return new ProtocolError('GenericError', (error as Error).message);
}

/** The state every module of the QEMU backend shares. */
export class QemuMachine {
  /** The QEMU process running now (replaced by a relaunch). */
  session: Session | undefined;
  /** The run state and the STOP/RESUME events that report it (common/run-state.ts). */
  readonly run: RunState;
  disposed = false;
  /** True while the QEMU process is being replaced; commands are refused meanwhile. */
  relaunching = false;
  readonly sockets: QemuSockets;
  readonly drives: DriveInfo[];
  /** Every command handler the backend's modules registered. */
  readonly handlers: CommandHandlers = {};
  /** The network card's plan and the forwards' state (common/network-control.ts). */
  readonly network: NetworkControl;
  /** The shared folders and their status (common/share-control.ts). */
  readonly shares: ShareControl;

  constructor(
    readonly config: MachineConfig,
    readonly host: BackendHost,
  ) {
    this.network = new NetworkControl(planNetwork('qemu', config.options?.network), (data) => this.emit('NETWORK_FORWARD_FAILED', data));
    this.shares = new ShareControl(config.options?.shares, (line) => host.log(`qemu: ${line}`));
    this.sockets = socketPaths(config.runtimeDir);
    this.drives = machineDrives(config);
    this.run = new RunState((event) => this.emit(event, {}));
  }

  /** The run state now. */
  get runState(): RunStateName {
    return this.run.state;
  }

  /** Sets the run state as QEMU reports it, without events (QEMU sends its own). */
  set runState(state: RunStateName) {
    this.run.set(state, { quiet: true });
  }

  /** Adds command handlers. */
  addHandlers(handlers: CommandHandlers): void {
    Object.assign(this.handlers, handlers);
  }

  /** Emits a protocol event unless the backend is already disposed. */
  emit<N extends EngineEventName>(name: N, data: EngineEventData<N>): void {
    if (this.disposed) return;
    this.host.emit(name, data);
  }

  /** The live QMP connection; `internal` callers (relaunch itself) may use it while relaunching. */
  qmp(internal = false): QmpClient {
    const session = this.session;
    if (this.relaunching && !internal) throw new ProtocolError('WrongState', 'QEMU is being restarted; retry in a moment.');
    if (session?.qmp === undefined || !session.qmp.open || session.exited !== undefined) {
      const why = session?.exited === undefined ? 'it is not running' : `it ${describeExit(session.exited)}`;
      throw new ProtocolError('GenericError', `QEMU cannot take commands: ${why}. Start the machine again.`);
    }
    return session.qmp;
  }

  /** Runs a QMP command, answering failures as protocol errors. */
  async call<T>(name: string, args: Record<string, unknown> = {}, timeoutMs = 30_000): Promise<T> {
    try {
      return await this.qmp().execute<T>(name, args, timeoutMs);
    } catch (error) {
      throw qmpFailure(error);
    }
  }

  /** Starts the guest (also while relaunching). */
  async resume(): Promise<void> {
    await this.qmp(true).execute('cont');
    this.runState = 'running';
  }

  /** Asks QEMU for its status and makes the last STOP/RESUME sent agree with it (RunState.settle). */
  async syncRunState(session: Session, when: string): Promise<void> {
    let status: RunStateName;
    try {
      status = (await session.qmp!.execute<{ status: RunStateName }>('query-status', {}, 10_000)).status;
    } catch (error) {
      this.host.log(`qemu: status ${when}: ${(error as Error).message}`);
      return;
    }
    if (this.session !== session || session.retiring) return;
    this.run.settle(status);
  }
}
