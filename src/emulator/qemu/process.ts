/**
 * The QEMU process and its accelerator: finds qemu-system-x86_64, picks KVM or TCG, launches QEMU
 * (started paused, QMP, VNC and serial on UNIX sockets in the machine's runtime folder) owned by
 * this engine, connects to it, and handles its exit — relaunching on TCG when KVM fails.
 */
import { chmodSync, existsSync, rmSync } from 'node:fs';
import type { RunStateName } from '../../shared/protocol/engine/index.js';
import { spawnOwned } from '../../node/owned-child.js';
import { chooseAccelerator, rememberKvmUnusable } from './accelerator.js';
import { buildArguments, displayAdapter, icountPreset, type Accelerator } from './arguments.js';
import type { QemuClipboard } from './clipboard.js';
import { findQemuBinary } from './discovery.js';
import type { QemuDisplay } from './display.js';
import { qemuExitReason } from './exit-reason.js';
import { hostStatePath } from './host-state.js';
import { describeExit, type QemuMachine, type Session } from './machine.js';
import { QmpClient, type QmpEvent } from './qmp.js';
import type { QemuSerial } from './serial.js';

/** How long after start a QEMU exit under KVM counts as "KVM aborts here". */
const KVM_EARLY_ABORT_MS = 15_000;

/** The modules a launch connects to the new QEMU. */
export interface ProcessParts {
  readonly serial: QemuSerial;
  readonly display: QemuDisplay;
  readonly clipboard: QemuClipboard;
  /** Handles one QEMU event (events.ts queues them in order). */
  onEvent(session: Session, event: QmpEvent): void;
}

/** Launches, relaunches and retires the QEMU process of one machine. */
export class QemuProcess {
  private binary = '';
  /** QEMU's version, read once from the first process. */
  qemuVersion = { major: 0, minor: 0, micro: 0, package: '' };
  private readonly statePath: string;
  /** The -icount speed limit the next launch uses (speed-limit.ts changes it). */
  speedLimit: { shift: number; mips: number } | undefined;
  /** Set once the machine ran with -icount: its state can only move to another -icount QEMU. */
  icountSticky = false;
  /** Why the machine runs on TCG rather than KVM (query-engine reports it); undefined on KVM. */
  acceleratorReason: string | undefined;

  constructor(
    private readonly machine: QemuMachine,
    private readonly parts: ProcessParts,
  ) {
    const config = machine.config;
    this.statePath = hostStatePath(config.options?.hostStateDir);
    const speed = config.options?.speedLimitMips;
    if (typeof speed === 'number' && speed > 0) {
      this.speedLimit = icountPreset(speed);
      this.icountSticky = true;
    }
  }

  /** Finds QEMU, picks the accelerator, launches and (unless `paused`) starts the guest. */
  async boot(): Promise<void> {
    const config = this.machine.config;
    displayAdapter(config.options?.display);
    for (const path of [config.cdrom, config.floppy, config.disk]) {
      if (path !== undefined && !existsSync(path)) throw new Error(`The image ${path} does not exist. Fix the machine's storage settings.`);
    }
    this.binary = findQemuBinary(config.options?.qemuPath);
    const kvmDevice = typeof config.options?.kvmDevice === 'string' ? config.options.kvmDevice : undefined;
    let choice = await chooseAccelerator(this.binary, config.options?.accelerator, this.statePath, kvmDevice);
    if (choice.accelerator === 'kvm' && this.speedLimit !== undefined) {
      if (config.options?.accelerator === 'kvm') throw new Error('A speed limit needs TCG; KVM runs at host speed. Remove the speed limit or let Hangar choose the accelerator.');
      choice = { accelerator: 'tcg', reason: 'a speed limit is set, which needs TCG' };
    }
    // The decision and its reason go to the engine log either way: a slow guest is often TCG.
    this.machine.host.log(choice.reason !== undefined ? `qemu: accelerator ${choice.accelerator}: ${choice.reason}` : `qemu: accelerator ${choice.accelerator} (${config.options?.accelerator === choice.accelerator ? 'asked for by the engine options' : 'it works on this host'})`);
    this.acceleratorReason = choice.reason;
    await this.launchWithFallback(choice.accelerator, []);
    if (config.paused !== true) await this.machine.resume();
  }

  /** Launches; when KVM fails to initialise, remembers it and launches on TCG. */
  private async launchWithFallback(accelerator: Accelerator, extra: string[]): Promise<Session> {
    try {
      return await this.launch(accelerator, extra);
    } catch (error) {
      if (accelerator !== 'kvm' || this.machine.config.options?.accelerator === 'kvm' || this.machine.disposed) throw error;
      this.kvmFailed(`QEMU failed to start under KVM: ${(error as Error).message}`);
      return this.launch('tcg', extra);
    }
  }

  /** Marks KVM unusable on this host and tells the user the machine moves to TCG. */
  kvmFailed(reason: string): void {
    rememberKvmUnusable(this.statePath, reason, this.binary);
    this.acceleratorReason = reason;
    this.machine.host.log(`qemu: ${reason}; relaunching on TCG`);
    const message = `${reason}. KVM is now marked unusable on this host and the machine runs on TCG (slower, but works). The guest was restarted.`;
    this.machine.emit('ENGINE_ERROR', { reason: message, fatal: false });
  }

  private async launch(accelerator: Accelerator, extra: string[]): Promise<Session> {
    const machine = this.machine;
    const clipboard = this.parts.clipboard;
    for (const path of Object.values(machine.sockets)) rmSync(path, { force: true });
    const args = buildArguments(machine.config, machine.sockets, {
      accelerator,
      icount: this.speedLimit !== undefined ? { shift: this.speedLimit.shift, align: true } : this.icountSticky ? { shift: 'auto', align: false } : undefined,
      clipboard: clipboard.enabled,
      clipboardPort: !extra.includes('-incoming'),
      display: displayAdapter(machine.config.options?.display),
      tablet: machine.config.options?.tablet !== false,
      network: machine.network.plan,
      shares: machine.shares.servable,
    });
    args.push(...extra);
    machine.host.log(`qemu: ${this.binary} ${args.join(' ')}`);
    // QEMU must die with this engine even when the engine is SIGKILLed: a survivor keeps the
    // disk's write lock and could still finish a savevm into the image.
    const child = spawnOwned(this.binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const session: Session = { child, accelerator, startedAt: Date.now(), args, output: '', retiring: false, connected: false };
    const collect = (chunk: Buffer): void => {
      session.output = (session.output + chunk.toString('utf8')).slice(-4000);
    };
    child.stdout?.on('data', collect);
    child.stderr?.on('data', collect);
    // QEMU's own warnings and errors, line by line, into the engine log (through the engine's stderr).
    let partial = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      const lines = (partial + chunk.toString('utf8')).split('\n');
      partial = (lines.pop() ?? '').slice(-4000);
      for (const line of lines) if (line.trim() !== '') machine.host.log(`qemu stderr: ${line}`);
    });
    child.stderr?.once('end', () => partial.trim() !== '' && machine.host.log(`qemu stderr: ${partial}`));
    child.on('error', (error) => {
      session.exited = { code: null, signal: null };
      session.output += `\n${error.message}`;
    });
    child.on('exit', (code, signal) => {
      session.exited = { code, signal };
      this.onExit(session);
    });
    machine.session = session;
    clipboard.attached = clipboard.enabled && !extra.includes('-incoming');

    // The reason is QEMU's own explanation; the full command line is in the engine log above.
    const failure = (): string | undefined =>
      session.exited === undefined ? undefined : `QEMU ${describeExit(session.exited)}: ${qemuExitReason(session.output, args, 'start') || 'no message'}`;
    try {
      session.qmp = await QmpClient.open(machine.sockets.qmp, 30_000, failure);
      // QEMU binds its sockets with the engine's umask (077 → 0700); library files and sockets are 0600.
      for (const path of Object.values(machine.sockets)) if (existsSync(path)) chmodSync(path, 0o600);
    } catch (error) {
      session.retiring = true;
      child.kill('SIGKILL');
      throw new Error(failure() ?? (error as Error).message);
    }
    try {
      await this.connectSession(session, session.qmp);
    } catch (error) {
      session.qmp.close();
      session.rfb?.close();
      session.serial?.destroy();
      await this.retire(session);
      throw new Error(failure() ?? (error as Error).message);
    }
    session.connected = true;
    if (session.exited !== undefined) this.onExit(session);
    return session;
  }

  /** Connects QMP events, serial and VNC of a freshly started QEMU. */
  private async connectSession(session: Session, qmp: QmpClient): Promise<void> {
    qmp.onEvent((event) => this.parts.onEvent(session, event));
    this.parts.clipboard.connect(qmp);
    if (this.qemuVersion.package === '') {
      const version = await qmp.execute<{ qemu: { major: number; minor: number; micro: number }; package: string }>('query-version');
      this.qemuVersion = { ...version.qemu, package: version.package };
    }
    session.serial = await this.parts.serial.connect(session);
    session.rfb = await this.parts.display.connect(session);
    const status = await qmp.execute<{ status: RunStateName }>('query-status');
    this.machine.runState = status.status;
  }

  private onExit(session: Session): void {
    const machine = this.machine;
    this.parts.serial.flushPending();
    session.qmp?.close();
    session.rfb?.close();
    session.serial?.destroy();
    if (session.retiring || !session.connected || machine.disposed || machine.session !== session) return;
    const exit = session.exited ?? { code: null, signal: null };
    const output = qemuExitReason(session.output, session.args, 'end');
    if (session.accelerator === 'kvm' && Date.now() - session.startedAt < KVM_EARLY_ABORT_MS && machine.config.options?.accelerator !== 'kvm') {
      this.kvmFailed(`QEMU ${describeExit(exit)} soon after starting under KVM${output ? ` (${output})` : ''}`);
      void this.relaunch('tcg', machine.runState === 'running');
      return;
    }
    machine.runState = 'internal-error';
    machine.emit('ENGINE_ERROR', {
      reason: `QEMU ${describeExit(exit)} unexpectedly${output ? ` (${output})` : ''}. The guest is gone; start the machine again.`,
      fatal: true,
    });
  }

  /** Replaces the QEMU process (accelerator fallback, speed limit); the guest starts over. */
  async relaunch(accelerator: Accelerator, run: boolean, extra: string[] = []): Promise<void> {
    const machine = this.machine;
    machine.relaunching = true;
    let launched = false;
    try {
      const old = machine.session;
      if (old !== undefined) await this.retire(old);
      await this.launch(accelerator, extra);
      launched = true;
      if (run) await machine.resume();
    } catch (error) {
      machine.runState = 'internal-error';
      machine.emit('ENGINE_ERROR', { reason: `QEMU could not be restarted: ${(error as Error).message}`, fatal: true });
    } finally {
      machine.relaunching = false;
    }
    // The new QEMU has a fresh user network: the cable and forwards set so far come back.
    if (launched) await machine.network.reapply().catch((error: Error) => machine.host.log(`qemu: network after restart: ${error.message}`));
  }

  /** Ends a session's process on purpose and waits for it to exit. */
  async retire(session: Session): Promise<void> {
    session.retiring = true;
    if (session.exited !== undefined) return;
    const exited = new Promise<void>((resolve) => session.child.once('exit', () => resolve()));
    try {
      await session.qmp?.execute('quit', {}, 2000);
    } catch {
      // Killing below covers a QEMU that does not answer.
    }
    const timer = setTimeout(() => session.child.kill('SIGKILL'), 3000);
    await exited;
    clearTimeout(timer);
  }
}
