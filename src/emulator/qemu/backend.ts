/**
 * The QEMU engine backend: runs qemu-system-x86_64 (started paused, QMP and VNC on UNIX
 * sockets in the machine's runtime folder) and maps the engine protocol onto QMP, and VNC onto
 * the display channel. Handles KVM failures by relaunching on TCG.
 *
 * This file only composes the modules, each with one job: machine.ts (shared state, QMP calls),
 * process.ts (launch, accelerator, exit), events.ts (event queue, run state, power), display.ts
 * (VNC), media.ts, snapshots.ts, clipboard.ts, input.ts, serial.ts, speed-limit.ts.
 */
import { rmSync } from 'node:fs';
import type { DisplayMessage } from '../../shared/protocol/display.js';
import type { RunStateName } from '../../shared/protocol/engine/index.js';
import { ProtocolError, type BackendHost, type CommandHandlers, type EngineBackend, type MachineConfig } from '../backend.js';
import type { Accelerator } from './arguments.js';
import { QemuClipboard } from './clipboard.js';
import { QemuDisplay } from './display.js';
import { QemuEvents } from './events.js';
import { QemuInput } from './input.js';
import { QemuMachine } from './machine.js';
import { installMedia } from './media.js';
import { applyNetworkAtLaunch, installNetwork } from './network.js';
import { QemuProcess } from './process.js';
import { QemuSerial } from './serial.js';
import { QemuSnapshots } from './snapshots.js';
import { installSpeedLimit } from './speed-limit.js';

/** The QEMU backend. Create with `QemuBackend.start`. */
export class QemuBackend implements EngineBackend {
  readonly kind = 'qemu' as const;
  readonly handlers: CommandHandlers;
  private readonly machine: QemuMachine;
  private readonly process: QemuProcess;
  private readonly serial: QemuSerial;
  private readonly display: QemuDisplay;
  private readonly input: QemuInput;

  private constructor(config: MachineConfig, host: BackendHost) {
    const machine = new QemuMachine(config, host);
    this.machine = machine;
    const clipboard = new QemuClipboard(machine);
    const snapshots = new QemuSnapshots(machine, clipboard);
    this.serial = new QemuSerial(machine);
    this.display = new QemuDisplay(machine);
    // The process hands QEMU's events to the queue created just below; none arrive before boot().
    this.process = new QemuProcess(machine, { serial: this.serial, display: this.display, clipboard, onEvent: (session, event) => events.onQemuEvent(session, event) });
    const events = new QemuEvents(machine, this.process, snapshots);
    this.input = new QemuInput(machine);
    installMedia(machine);
    installNetwork(machine);
    machine.addHandlers(machine.shares.handlers());
    installSpeedLimit(machine, this.process, clipboard, snapshots);
    const qemu = this.process;
    machine.addHandlers({
      'query-version': () => ({
        qemu: { major: qemu.qemuVersion.major, minor: qemu.qemuVersion.minor, micro: qemu.qemuVersion.micro },
        package: `qemu ${qemu.qemuVersion.package}`.trim(),
      }),
      'query-engine': () => ({
        engine: 'qemu',
        version: `${qemu.qemuVersion.major}.${qemu.qemuVersion.minor}.${qemu.qemuVersion.micro}`,
        accelerator: machine.session?.accelerator ?? 'tcg',
        ...(machine.session?.accelerator !== 'kvm' && qemu.acceleratorReason !== undefined ? { 'accelerator-reason': qemu.acceleratorReason } : {}),
        'clipboard-agent': true,
        'memory-mib': config.memoryMib,
      }),
    });
    this.handlers = machine.handlers;
  }

  /** Finds QEMU, picks the accelerator, launches and (unless `paused`) starts the guest. */
  static async start(config: MachineConfig, host: BackendHost): Promise<QemuBackend> {
    const backend = new QemuBackend(config, host);
    try {
      await backend.process.boot();
      await applyNetworkAtLaunch(backend.machine);
    } catch (error) {
      await backend.dispose();
      throw error;
    }
    return backend;
  }

  /** How many input commands the VNC client followed with refresh nudges (tests). */
  get inputsFollowedByRefresh(): number {
    return this.machine.session?.rfb?.inputsFollowed ?? 0;
  }

  status(): RunStateName {
    return this.machine.runState;
  }

  /** The accelerator QEMU runs with now. */
  get accelerator(): Accelerator | undefined {
    return this.machine.session?.accelerator;
  }

  /** Runs a human monitor command (diagnostics and tests); rejects when QEMU answers `Error:`. */
  async hmp(command: string): Promise<string> {
    const output = await this.machine.call<string>('human-monitor-command', { 'command-line': command });
    if (/^Error:/m.test(output)) throw new ProtocolError('GenericError', output.trim());
    return output;
  }

  /** The last few KiB QEMU printed on stdout/stderr (HMP qemu-io output lands here). */
  get output(): string {
    return this.machine.session?.output ?? '';
  }

  /** The QEMU process id (for tests and diagnostics). */
  get pid(): number | undefined {
    return this.machine.session?.child.pid;
  }

  replayDisplay(send: (message: DisplayMessage) => void): void {
    this.display.replay(send);
  }

  async dispose(): Promise<void> {
    const machine = this.machine;
    if (machine.disposed) return;
    machine.disposed = true;
    this.serial.dispose();
    const session = machine.session;
    if (session !== undefined) await this.process.retire(session);
    for (const path of Object.values(machine.sockets)) rmSync(path, { force: true });
  }
}
