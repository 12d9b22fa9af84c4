/**
 * The QEMU engine backend: runs qemu-system-x86_64 (started paused, QMP and VNC on UNIX
 * sockets in the machine's runtime folder) and maps the engine protocol onto QMP, and VNC onto
 * the display channel. Handles KVM failures by relaunching on TCG.
 */
import type { ChildProcess } from 'node:child_process';
import { existsSync, rmSync, statSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { removableKindProblem } from '../media-kind.js';
import type { DisplayMessage } from '../../shared/protocol/display.js';
import type { EngineArgs, EngineEventData, EngineEventName, EngineReturn, RunStateName } from '../../shared/protocol/engine/index.js';
import { spawnOwned } from '../owned-child.js';
import { consoleSerialPort } from '../../shared/protocol/enums.js';
import { ProtocolError, type BackendHost, type CommandHandlers, type EngineBackend, type MachineConfig } from '../backend.js';
import { chooseAccelerator, rememberKvmUnusable } from './accelerator.js';
import {
  buildArguments,
  displayAdapter,
  icountPreset,
  machineDrives,
  socketPaths,
  type Accelerator,
  type DriveInfo,
  type QemuSockets,
} from './arguments.js';
import { findQemuBinary } from './discovery.js';
import { explainSnapshotFailure } from './disk-space.js';
import { qemuExitReason } from './exit-reason.js';
import { hostStatePath } from './host-state.js';
import { keyStrokeFor } from '../../shared/input/us-layout.js';
import { qkeycodeToXt } from '../../shared/input/qkeycode.js';
import { toQemuKey } from './keys.js';
import { QmpClient, QmpError, type QmpEvent } from './qmp.js';
import { RfbClient, type RfbCursor } from './rfb.js';
import { readTextScreen } from './text-screen.js';

/** How long after start a QEMU exit under KVM counts as "KVM aborts here". */
const KVM_EARLY_ABORT_MS = 15_000;

/** Statuses in which the guest cannot simply continue, with what the user can do. */
const faultAdvice: Partial<Record<RunStateName, string>> = {
  'internal-error': 'QEMU hit an internal error running the guest (often an accelerator problem). Reset the machine (system_reset) to start over, or force TCG in the machine settings.',
  'io-error': 'A disk I/O error paused the guest (for example the host disk is full). Free space or fix the disk, then continue (cont).',
  'guest-panicked': 'The guest operating system panicked. Reset the machine (system_reset).',
  'restore-vm': 'Loading the snapshot failed and the guest is stopped. Load another snapshot, or reset the machine (system_reset).',
  watchdog: 'The guest watchdog fired. Reset the machine (system_reset).',
};

interface ExitInfo {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/** One QEMU process with its connections. */
interface Session {
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

interface SnapshotJob {
  readonly type: 'snapshot-save' | 'snapshot-load' | 'snapshot-delete';
  readonly tag: string;
}

function describeExit(exit: ExitInfo): string {
  return exit.signal !== null ? `was killed by ${exit.signal}` : `exited with code ${exit.code ?? '?'}`;
}

function qmpFailure(error: unknown): ProtocolError {
  if (error instanceof ProtocolError) return error;
  if (error instanceof QmpError) {
    const errorClass = error.errorClass === 'DeviceNotFound' || /not found/i.test(error.message) ? 'DeviceNotFound' : 'GenericError';
    return new ProtocolError(errorClass, error.message);
  }
  return new ProtocolError('GenericError', (error as Error).message);
}

/** The QEMU backend. Create with `QemuBackend.start`. */
export class QemuBackend implements EngineBackend {
  readonly kind = 'qemu' as const;
  readonly handlers: CommandHandlers;
  private session: Session | undefined;
  private runState: RunStateName = 'prelaunch';
  private binary = '';
  private qemuVersion = { major: 0, minor: 0, micro: 0, package: '' };
  private readonly sockets: QemuSockets;
  private readonly drives: DriveInfo[];
  private readonly statePath: string;
  private speedLimit: { shift: number; mips: number } | undefined;
  /** Set once the machine ran with -icount: its state can only move to another -icount QEMU. */
  private icountSticky = false;
  private readonly clipboardEnabled: boolean;
  private clipboardAttached: boolean;
  private readonly snapshotJobs = new Map<string, SnapshotJob>();
  private disposed = false;
  /** How many key batches went over VNC extended key events (diagnostics and tests). */
  keysViaVnc = 0;
  private relaunching = false;
  private cursor: RfbCursor | undefined;
  private pointerAbsolute = false;
  private dirty: { x: number; y: number; width: number; height: number }[] = [];
  private serialBuffer: Buffer[] = [];
  private serialTimer: NodeJS.Timeout | undefined;
  /**
   * QEMU events are handled one at a time in the order QEMU sent them: STOP asks for the status
   * before it is reported, and a RESUME that QEMU sent after it must not overtake it.
   */
  private eventQueue: Promise<void> = Promise.resolve();
  /** The last run-state event sent (STOP or RESUME), so a job's end can correct it. */
  private lastRunEvent: 'STOP' | 'RESUME' | undefined;

  private constructor(
    private readonly config: MachineConfig,
    private readonly host: BackendHost,
  ) {
    this.sockets = socketPaths(config.runtimeDir);
    this.drives = machineDrives(config);
    this.statePath = hostStatePath(config.options?.hostStateDir);
    this.clipboardEnabled = config.options?.clipboard === true;
    this.clipboardAttached = this.clipboardEnabled;
    const speed = config.options?.speedLimitMips;
    if (typeof speed === 'number' && speed > 0) {
      this.speedLimit = icountPreset(speed);
      this.icountSticky = true;
    }
    this.handlers = this.createHandlers();
  }

  /** Finds QEMU, picks the accelerator, launches and (unless `paused`) starts the guest. */
  static async start(config: MachineConfig, host: BackendHost): Promise<QemuBackend> {
    const backend = new QemuBackend(config, host);
    try {
      await backend.boot();
    } catch (error) {
      await backend.dispose();
      throw error;
    }
    return backend;
  }

  private async boot(): Promise<void> {
    displayAdapter(this.config.options?.display);
    for (const path of [this.config.cdrom, this.config.floppy, this.config.disk]) {
      if (path !== undefined && !existsSync(path)) throw new Error(`The image ${path} does not exist. Fix the machine's storage settings.`);
    }
    this.binary = findQemuBinary(this.config.options?.qemuPath);
    const kvmDevice = typeof this.config.options?.kvmDevice === 'string' ? this.config.options.kvmDevice : undefined;
    let choice = await chooseAccelerator(this.binary, this.config.options?.accelerator, this.statePath, kvmDevice);
    if (choice.accelerator === 'kvm' && this.speedLimit !== undefined) {
      if (this.config.options?.accelerator === 'kvm') throw new Error('A speed limit needs TCG; KVM runs at host speed. Remove the speed limit or let Hangar choose the accelerator.');
      choice = { accelerator: 'tcg', reason: 'a speed limit is set, which needs TCG' };
    }
    if (choice.reason !== undefined) this.host.log(`qemu: using TCG: ${choice.reason}`);
    await this.launchWithFallback(choice.accelerator, []);
    if (this.config.paused !== true) await this.resume();
  }

  /** Launches; when KVM fails to initialise, remembers it and launches on TCG. */
  private async launchWithFallback(accelerator: Accelerator, extra: string[]): Promise<Session> {
    try {
      return await this.launch(accelerator, extra);
    } catch (error) {
      if (accelerator !== 'kvm' || this.config.options?.accelerator === 'kvm' || this.disposed) throw error;
      this.kvmFailed(`QEMU failed to start under KVM: ${(error as Error).message}`);
      return this.launch('tcg', extra);
    }
  }

  private kvmFailed(reason: string): void {
    rememberKvmUnusable(this.statePath, reason);
    this.host.log(`qemu: ${reason}; relaunching on TCG`);
    const message = `${reason}. KVM is now marked unusable on this host and the machine runs on TCG (slower, but works). The guest was restarted.`;
    this.emit('ENGINE_ERROR', { reason: message, fatal: false });
  }

  private async launch(accelerator: Accelerator, extra: string[]): Promise<Session> {
    for (const path of Object.values(this.sockets)) rmSync(path, { force: true });
    const args = buildArguments(this.config, this.sockets, {
      accelerator,
      icount: this.speedLimit !== undefined ? { shift: this.speedLimit.shift, align: true } : this.icountSticky ? { shift: 'auto', align: false } : undefined,
      clipboard: this.clipboardEnabled,
      clipboardPort: !extra.includes('-incoming'),
      display: displayAdapter(this.config.options?.display),
      tablet: this.config.options?.tablet !== false,
    });
    args.push(...extra);
    this.host.log(`qemu: ${this.binary} ${args.join(' ')}`);
    // QEMU must die with this engine even when the engine is SIGKILLed: a survivor keeps the
    // disk's write lock and could still finish a savevm into the image.
    const child = spawnOwned(this.binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const session: Session = { child, accelerator, startedAt: Date.now(), args, output: '', retiring: false, connected: false };
    const collect = (chunk: Buffer): void => {
      session.output = (session.output + chunk.toString('utf8')).slice(-4000);
    };
    child.stdout?.on('data', collect);
    child.stderr?.on('data', collect);
    child.on('error', (error) => {
      session.exited = { code: null, signal: null };
      session.output += `\n${error.message}`;
    });
    child.on('exit', (code, signal) => {
      session.exited = { code, signal };
      this.onExit(session);
    });
    this.session = session;
    this.clipboardAttached = this.clipboardEnabled && !extra.includes('-incoming');

    // The reason is QEMU's own explanation; the full command line is in the engine log above.
    const failure = (): string | undefined =>
      session.exited === undefined ? undefined : `QEMU ${describeExit(session.exited)}: ${qemuExitReason(session.output, args, 'start') || 'no message'}`;
    try {
      session.qmp = await QmpClient.open(this.sockets.qmp, 30_000, failure);
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
    qmp.onEvent((event) => this.onQemuEvent(session, event));
    if (this.qemuVersion.package === '') {
      const version = await qmp.execute<{ qemu: { major: number; minor: number; micro: number }; package: string }>('query-version');
      this.qemuVersion = { ...version.qemu, package: version.package };
    }
    session.serial = await this.connectSerial(session);
    session.rfb = await RfbClient.open(this.sockets.vnc, {
      resize: (width, height) => {
        if (this.session !== session) return;
        this.dirty = [];
        this.host.display({ type: 'mode', mode: 'graphics', width, height });
      },
      rect: (x, y, width, height) => this.dirty.push({ x, y, width, height }),
      frame: () => this.flushFrame(session),
      cursor: (cursor) => {
        this.cursor = cursor;
        this.host.display(this.cursorMessage());
      },
      pointerType: (absolute) => {
        this.pointerAbsolute = absolute;
        this.host.display({ type: 'pointer-mode', absolute });
      },
      clipboard: (text) => this.emit('CLIPBOARD_CHANGED', { text }),
    });
    const status = await qmp.execute<{ status: RunStateName }>('query-status');
    this.runState = status.status;
  }

  private connectSerial(session: Session): Promise<Socket> {
    return new Promise((resolve, reject) => {
      const socket = connect(this.sockets.serial);
      socket.once('connect', () => {
        socket.removeAllListeners('error');
        socket.on('error', (error) => this.host.log(`qemu: serial socket: ${error.message}`));
        socket.on('data', (chunk: Buffer) => {
          if (this.session !== session) return;
          this.serialBuffer.push(chunk);
          this.serialTimer ??= setTimeout(() => this.flushSerial(), 20);
        });
        resolve(socket);
      });
      socket.once('error', (error) => reject(new Error(`cannot connect to QEMU's serial socket: ${error.message}`)));
    });
  }

  private flushSerial(): void {
    this.serialTimer = undefined;
    if (this.serialBuffer.length === 0) return;
    const data = Buffer.concat(this.serialBuffer).toString('base64');
    this.serialBuffer = [];
    this.emit('SERIAL_OUTPUT', { port: consoleSerialPort, data });
  }

  private flushFrame(session: Session): void {
    const rfb = session.rfb;
    if (this.session !== session || rfb === undefined) return;
    const rects = this.dirty;
    this.dirty = [];
    for (const rect of rects) {
      if (rect.x + rect.width > rfb.width || rect.y + rect.height > rfb.height) continue;
      this.host.display({ type: 'rect', ...rect, pixels: rfb.copyRect(rect.x, rect.y, rect.width, rect.height) });
    }
  }

  private cursorMessage(): DisplayMessage {
    const cursor = this.cursor;
    if (cursor === undefined || cursor.width === 0 || cursor.height === 0) {
      return { type: 'cursor-sprite', visible: false, width: 0, height: 0, hotX: 0, hotY: 0, pixels: new Uint8Array(0) };
    }
    return { type: 'cursor-sprite', visible: true, ...cursor };
  }

  /** Emits a protocol event unless the backend is already disposed. */
  private emit<N extends EngineEventName>(name: N, data: EngineEventData<N>): void {
    if (this.disposed) return;
    if (name === 'STOP' || name === 'RESUME') this.lastRunEvent = name;
    this.host.emit(name, data);
  }

  private onExit(session: Session): void {
    if (this.serialTimer !== undefined) this.flushSerial();
    session.qmp?.close();
    session.rfb?.close();
    session.serial?.destroy();
    if (session.retiring || !session.connected || this.disposed || this.session !== session) return;
    const exit = session.exited ?? { code: null, signal: null };
    const output = qemuExitReason(session.output, session.args, 'end');
    if (session.accelerator === 'kvm' && Date.now() - session.startedAt < KVM_EARLY_ABORT_MS && this.config.options?.accelerator !== 'kvm') {
      this.kvmFailed(`QEMU ${describeExit(exit)} soon after starting under KVM${output ? ` (${output})` : ''}`);
      void this.relaunch('tcg', this.runState === 'running');
      return;
    }
    this.runState = 'internal-error';
    this.emit('ENGINE_ERROR', {
      reason: `QEMU ${describeExit(exit)} unexpectedly${output ? ` (${output})` : ''}. The guest is gone; start the machine again.`,
      fatal: true,
    });
  }

  /** Replaces the QEMU process (accelerator fallback); the guest starts over. */
  private async relaunch(accelerator: Accelerator, run: boolean, extra: string[] = []): Promise<void> {
    this.relaunching = true;
    try {
      const old = this.session;
      if (old !== undefined) await this.retire(old);
      await this.launch(accelerator, extra);
      if (run) await this.resume();
    } catch (error) {
      this.runState = 'internal-error';
      this.emit('ENGINE_ERROR', { reason: `QEMU could not be restarted: ${(error as Error).message}`, fatal: true });
    } finally {
      this.relaunching = false;
    }
  }

  /** Ends a session's process on purpose and waits for it to exit. */
  private async retire(session: Session): Promise<void> {
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

  private async resume(): Promise<void> {
    await this.qmp(true).execute('cont');
    this.runState = 'running';
  }

  /** The live QMP connection; `internal` callers (relaunch itself) may use it while relaunching. */
  private qmp(internal = false): QmpClient {
    const session = this.session;
    if (this.relaunching && !internal) throw new ProtocolError('WrongState', 'QEMU is being restarted; retry in a moment.');
    if (session?.qmp === undefined || !session.qmp.open || session.exited !== undefined) {
      const why = session?.exited === undefined ? 'it is not running' : `it ${describeExit(session.exited)}`;
      throw new ProtocolError('GenericError', `QEMU cannot take commands: ${why}. Start the machine again.`);
    }
    return session.qmp;
  }

  private async call<T>(name: string, args: Record<string, unknown> = {}, timeoutMs = 30_000): Promise<T> {
    try {
      return await this.qmp().execute<T>(name, args, timeoutMs);
    } catch (error) {
      throw qmpFailure(error);
    }
  }

  private onQemuEvent(session: Session, event: QmpEvent): void {
    if (this.session !== session || session.retiring) return;
    this.eventQueue = this.eventQueue
      .then(() => this.handleQemuEvent(session, event))
      .catch((error: unknown) => this.host.log(`qemu: handling the ${event.event} event: ${(error as Error).message}`));
  }

  private async handleQemuEvent(session: Session, event: QmpEvent): Promise<void> {
    // An event queued behind a relaunch belongs to the QEMU that was replaced.
    if (this.session !== session || session.retiring) return;
    const data = event.data;
    switch (event.event) {
      case 'STOP':
        await this.onStop(session);
        break;
      case 'RESUME':
        this.runState = 'running';
        this.emit('RESUME', {});
        break;
      case 'RESET':
        this.emit('RESET', { guest: data.guest === true, reason: String(data.reason ?? 'host-qmp-system-reset') });
        break;
      case 'SHUTDOWN':
        this.runState = 'shutdown';
        this.emit('SHUTDOWN', { guest: data.guest === true, reason: String(data.reason ?? 'guest-shutdown') });
        break;
      case 'POWERDOWN':
        this.emit('POWERDOWN', {});
        break;
      case 'DEVICE_TRAY_MOVED':
        this.emit('DEVICE_TRAY_MOVED', { device: String(data.device ?? ''), id: this.qdevId(String(data.id ?? '')), 'tray-open': data['tray-open'] === true });
        break;
      case 'BLOCK_IO_ERROR':
        this.emit('BLOCK_IO_ERROR', {
          device: String(data.device ?? ''),
          ...(typeof data['node-name'] === 'string' ? { 'node-name': data['node-name'] } : {}),
          operation: data.operation === 'read' ? 'read' : 'write',
          action: data.action === 'ignore' || data.action === 'report' ? data.action : 'stop',
          ...(typeof data.nospace === 'boolean' ? { nospace: data.nospace } : {}),
          reason: String(data.reason ?? 'I/O error'),
        });
        break;
      case 'JOB_STATUS_CHANGE': {
        const id = String(data.id ?? '');
        const status = String(data.status ?? 'undefined') as EngineEventData<'JOB_STATUS_CHANGE'>['status'];
        // Whoever waits for "concluded" then sees the machine's real state and the clipboard back.
        if (status === 'concluded') await this.onJobConcluded(session, id);
        this.emit('JOB_STATUS_CHANGE', { id, status });
        break;
      }
      default:
        break;
    }
  }

  /** QEMU reports the QOM path for some devices; the protocol uses the qdev id. */
  private qdevId(id: string): string {
    const match = /\/machine\/peripheral\/([^/]+)/.exec(id);
    return match?.[1] ?? id;
  }

  private async onStop(session: Session): Promise<void> {
    let status: RunStateName = 'paused';
    try {
      status = (await session.qmp!.execute<{ status: RunStateName }>('query-status', {}, 10_000)).status;
    } catch {
      // QEMU went away; onExit reports it.
    }
    if (this.session !== session) return;
    this.runState = status;
    this.emit('STOP', {});
    if (status === 'internal-error' && session.accelerator === 'kvm' && this.config.options?.accelerator !== 'kvm') {
      this.kvmFailed('the guest stopped with a KVM internal error');
      // Not awaited: the new QEMU's events queue behind this one.
      void this.relaunch('tcg', true);
      return;
    }
    const advice = faultAdvice[status];
    // A failed snapshot load is reported with its reason when its job concludes.
    if (advice !== undefined && status !== 'restore-vm' && !this.snapshotLoadRunning()) this.emit('ENGINE_ERROR', { reason: `The guest stopped (${status}). ${advice}`, fatal: false });
  }

  /**
   * Makes the last STOP/RESUME sent agree with QEMU's status now. A snapshot job stops and
   * resumes the guest within moments; whatever was reported during it, its end is authoritative.
   */
  private async syncRunState(session: Session, when: string): Promise<void> {
    let status: RunStateName;
    try {
      status = (await session.qmp!.execute<{ status: RunStateName }>('query-status', {}, 10_000)).status;
    } catch (error) {
      this.host.log(`qemu: status ${when}: ${(error as Error).message}`);
      return;
    }
    if (this.session !== session || session.retiring) return;
    this.runState = status;
    const running = status === 'running';
    if (running && this.lastRunEvent === 'STOP') this.emit('RESUME', {});
    else if (!running && this.lastRunEvent === 'RESUME') this.emit('STOP', {});
  }

  private snapshotLoadRunning(): boolean {
    return [...this.snapshotJobs.values()].some((job) => job.type === 'snapshot-load');
  }

  private async onJobConcluded(session: Session, id: string): Promise<void> {
    const job = this.snapshotJobs.get(id);
    if (job === undefined) return;
    this.snapshotJobs.delete(id);
    await this.syncRunState(session, `after job ${id}`);
    try {
      const jobs = await this.call<{ id: string; error?: string }[]>('query-jobs');
      const error = jobs.find((entry) => entry.id === id)?.error;
      if (error !== undefined && job.type === 'snapshot-load') {
        const status = (await this.call<{ status: RunStateName }>('query-status')).status;
        this.runState = status;
        this.emit('ENGINE_ERROR', {
          reason: `Loading snapshot "${job.tag}" failed: ${error}. The guest is stopped (${status}); load another snapshot or reset the machine (system_reset).`,
          fatal: false,
        });
      }
    } catch (error) {
      this.host.log(`qemu: after job ${id}: ${(error as Error).message}`);
    }
    if (this.snapshotJobs.size === 0 && this.clipboardEnabled && !this.clipboardAttached) await this.attachClipboard('the snapshot job ended');
  }

  private async detachClipboard(reason: string): Promise<void> {
    if (!this.clipboardAttached) return;
    const qmp = this.qmp();
    const deleted = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        stop();
        reject(new ProtocolError('GenericError', 'the clipboard agent port did not detach within 10 s'));
      }, 10_000);
      const stop = qmp.onEvent((event) => {
        if (event.event === 'DEVICE_DELETED' && event.data.device === 'vdagent-port0') {
          clearTimeout(timer);
          stop();
          resolve();
        }
      });
    });
    await this.call('device_del', { id: 'vdagent-port0' });
    await deleted;
    await this.call('chardev-remove', { id: 'vdagent0' });
    this.clipboardAttached = false;
    this.emit('CLIPBOARD_AGENT', { attached: false, reason });
  }

  private async attachClipboard(reason: string): Promise<void> {
    try {
      await this.call('chardev-add', { id: 'vdagent0', backend: { type: 'qemu-vdagent', data: { clipboard: true, mouse: false } } });
      await this.call('device_add', { driver: 'virtserialport', bus: 'vser0.0', chardev: 'vdagent0', name: 'com.redhat.spice.0', id: 'vdagent-port0' });
      this.clipboardAttached = true;
      this.emit('CLIPBOARD_AGENT', { attached: true, reason });
    } catch (error) {
      this.emit('ENGINE_ERROR', { reason: `The clipboard agent could not be re-attached: ${(error as Error).message}. Restart the machine to get the shared clipboard back.`, fatal: false });
    }
  }

  private snapshotNodes(): string[] {
    const nodes = this.drives.flatMap((drive) => (drive.nodeName === undefined ? [] : [drive.nodeName]));
    const rawDisk = this.drives.find((drive) => drive.type === 'disk' && drive.format !== 'qcow2');
    if (rawDisk !== undefined) throw new ProtocolError('GenericError', 'Snapshots with RAM need the disk in qcow2 format; this machine has a raw disk. Convert it to qcow2 (qemu-img convert) first.');
    if (nodes.length === 0) throw new ProtocolError('GenericError', 'Snapshots with RAM are stored in a qcow2 disk, and this machine has none. Add a qcow2 disk to take snapshots.');
    return nodes;
  }

  private nodeName(name: string): string {
    return this.drives.find((drive) => drive.id === name || drive.backend === name)?.nodeName ?? name;
  }

  private async startSnapshotJob(
    type: SnapshotJob['type'],
    args: { 'job-id': string; tag: string; vmstate?: string; devices?: string[] },
  ): Promise<Record<string, never>> {
    const nodes = this.snapshotNodes();
    if (this.snapshotJobs.has(args['job-id'])) throw new ProtocolError('GenericError', `A job with id "${args['job-id']}" is already running; pick another job-id.`);
    if (this.clipboardEnabled) await this.detachClipboard(`${type} "${args.tag}"`);
    const devices = (args.devices ?? nodes).map((name) => this.nodeName(name));
    const qemuArgs: Record<string, unknown> = { 'job-id': args['job-id'], tag: args.tag, devices };
    if (type !== 'snapshot-delete') qemuArgs.vmstate = this.nodeName(args.vmstate ?? nodes[0]!);
    this.snapshotJobs.set(args['job-id'], { type, tag: args.tag });
    try {
      await this.call(type, qemuArgs);
    } catch (error) {
      this.snapshotJobs.delete(args['job-id']);
      if (this.snapshotJobs.size === 0 && this.clipboardEnabled) await this.attachClipboard(`${type} could not start`);
      throw error;
    }
    return {};
  }

  /** A snapshot job's error, naming a full disk when that is why QEMU could not write. */
  private jobError(type: string, error: string): string {
    const disk = this.config.disk;
    if ((type !== 'snapshot-save' && type !== 'snapshot-delete') || disk === undefined) return error;
    return explainSnapshotFailure(error, disk, this.config.memoryMib * 1024 * 1024);
  }

  /** Changes the -icount preset by moving the running guest into a new QEMU process. */
  private async applySpeedLimit(preset: { shift: number; mips: number } | undefined): Promise<void> {
    if (!['running', 'paused', 'prelaunch', 'suspended'].includes(this.runState)) {
      // Migrating out of e.g. restore-vm aborts QEMU 7.2.
      throw new ProtocolError('WrongState', `The speed limit cannot be changed while the guest is ${this.runState}; reset it first (system_reset).`);
    }
    if (this.snapshotJobs.size > 0) throw new ProtocolError('WrongState', 'A snapshot job is running; change the speed limit when it has concluded.');
    const wasRunning = this.runState === 'running';
    const previous = this.speedLimit;
    const previousSticky = this.icountSticky;
    this.speedLimit = preset;
    if (preset !== undefined) this.icountSticky = true;
    if (this.runState === 'prelaunch') {
      // Nothing ran yet, so no icount state has to be carried over.
      this.icountSticky = preset !== undefined;
      await this.relaunch('tcg', false);
      return;
    }
    const file = join(this.config.stateDir ?? this.config.runtimeDir, `qemu-speed-${process.pid}.state`);
    try {
      // The vdagent chardev blocks migration; the new QEMU starts without the port and gets it back after.
      if (this.clipboardEnabled) await this.detachClipboard('the speed limit is being changed');
      if (wasRunning) await this.call('stop');
      await this.call('migrate', { uri: `exec:cat > '${file.replaceAll("'", "'\\''")}'` });
      const deadline = Date.now() + 120_000;
      for (;;) {
        const info = await this.call<{ status?: string; 'error-desc'?: string }>('query-migrate');
        if (info.status === 'completed') break;
        if (info.status === 'failed' || info.status === 'cancelled') throw new ProtocolError('GenericError', `saving the machine state failed: ${info['error-desc'] ?? info.status}`);
        if (Date.now() > deadline) throw new ProtocolError('GenericError', 'saving the machine state took over 2 minutes');
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    } catch (error) {
      this.speedLimit = previous;
      this.icountSticky = previousSticky;
      if (wasRunning) await this.call('cont').catch(() => undefined);
      if (this.clipboardEnabled && !this.clipboardAttached) await this.attachClipboard('changing the speed limit failed');
      throw qmpFailure(error);
    }
    try {
      await this.relaunch('tcg', false, ['-incoming', 'defer']);
      await this.call('migrate-incoming', { uri: `exec:cat '${file.replaceAll("'", "'\\''")}'` });
      const deadline = Date.now() + 120_000;
      for (;;) {
        const info = await this.call<{ status?: string; 'error-desc'?: string }>('query-migrate');
        if (info.status === 'completed') break;
        if (info.status === 'failed') throw new ProtocolError('GenericError', `restoring the machine state failed: ${info['error-desc'] ?? 'unknown error'}`);
        if (Date.now() > deadline) throw new ProtocolError('GenericError', 'restoring the machine state took over 2 minutes');
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      this.runState = (await this.call<{ status: RunStateName }>('query-status')).status;
      if (this.clipboardEnabled) await this.attachClipboard('the speed limit was changed');
      if (wasRunning) await this.resume();
    } finally {
      rmSync(file, { force: true });
    }
  }

  private async typeText(text: string, delayMs: number): Promise<{ typed: number; skipped: number }> {
    let typed = 0;
    let skipped = 0;
    for (const character of text) {
      const stroke = keyStrokeFor(character);
      const key = stroke === undefined ? undefined : { qcode: stroke.key, shift: stroke.shift };
      if (key === undefined) {
        skipped++;
        continue;
      }
      const press = (down: boolean): { type: 'key'; data: { down: boolean; key: { type: 'qcode'; data: string } } } => ({
        type: 'key',
        data: { down, key: { type: 'qcode', data: key.qcode } },
      });
      const shift = (down: boolean): { type: 'key'; data: { down: boolean; key: { type: 'qcode'; data: string } } } => ({
        type: 'key',
        data: { down, key: { type: 'qcode', data: 'shift' } },
      });
      const events = key.shift ? [shift(true), press(true), press(false), shift(false)] : [press(true), press(false)];
      await this.call('input-send-event', { events });
      typed++;
      if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
    }
    return { typed, skipped };
  }

  private async queryBlock(): Promise<EngineReturn<'query-block'>> {
    type QemuBlock = {
      device: string;
      qdev?: string;
      removable: boolean;
      locked: boolean;
      tray_open?: boolean;
      'io-status'?: 'ok' | 'failed' | 'nospace';
      inserted?: { file: string; ro: boolean; drv: string; image?: { 'virtual-size'?: number } };
    };
    const blocks = await this.call<QemuBlock[]>('query-block');
    return blocks.flatMap((block) => {
      const drive = this.drives.find((entry) => entry.backend === block.device || entry.id === this.qdevId(block.qdev ?? ''));
      if (drive === undefined) return [];
      return [
        {
          device: block.device,
          qdev: drive.id,
          type: drive.type,
          removable: block.removable,
          locked: block.locked,
          ...(block.tray_open === undefined ? {} : { tray_open: block.tray_open }),
          ...(block['io-status'] === undefined ? {} : { 'io-status': block['io-status'] }),
          ...(block.inserted === undefined
            ? {}
            : {
                inserted: {
                  file: block.inserted.file,
                  ro: block.inserted.ro,
                  drv: block.inserted.drv,
                  ...(block.inserted.image?.['virtual-size'] === undefined ? {} : { 'virtual-size': block.inserted.image['virtual-size'] }),
                },
              }),
        },
      ];
    });
  }

  private driveId(args: { id?: string; device?: string }): DriveInfo {
    const id = args.id ?? args.device;
    if (id === undefined) throw new ProtocolError('GenericError', 'Name the drive with "id" (cd0, fd0).');
    const drive = this.drives.find((entry) => entry.id === id || entry.backend === id);
    if (drive === undefined) throw new ProtocolError('DeviceNotFound', `No drive has id "${id}"; this machine has ${this.drives.map((entry) => entry.id).join(', ')}.`);
    return drive;
  }

  private createHandlers(): CommandHandlers {
    return {
      'query-version': () => ({
        qemu: { major: this.qemuVersion.major, minor: this.qemuVersion.minor, micro: this.qemuVersion.micro },
        package: `qemu ${this.qemuVersion.package}`.trim(),
      }),
      'query-engine': () => ({
        engine: 'qemu',
        version: `${this.qemuVersion.major}.${this.qemuVersion.minor}.${this.qemuVersion.micro}`,
        accelerator: this.session?.accelerator ?? 'tcg',
        'memory-mib': this.config.memoryMib,
      }),
      'query-status': async () => {
        try {
          const status = await this.qmp().execute<{ status: RunStateName; running: boolean }>('query-status', {}, 10_000);
          this.runState = status.status;
          return { status: status.status, running: status.running };
        } catch {
          return { status: this.runState, running: false };
        }
      },
      stop: async () => {
        this.qmp();
        if (['shutdown', 'internal-error', 'guest-panicked'].includes(this.runState)) {
          throw new ProtocolError('WrongState', `The guest cannot be paused: it is ${this.runState}.`);
        }
        await this.call('stop');
        return {};
      },
      cont: async () => {
        this.qmp();
        if (['shutdown', 'internal-error', 'guest-panicked', 'restore-vm'].includes(this.runState)) {
          throw new ProtocolError('WrongState', `The guest cannot continue: it is ${this.runState}. Reset it first (system_reset).`);
        }
        try {
          await this.qmp().execute('cont');
        } catch (error) {
          if (error instanceof QmpError && /reset/i.test(error.message)) throw new ProtocolError('WrongState', `${error.message}: reset it first (system_reset).`);
          throw qmpFailure(error);
        }
        return {};
      },
      system_reset: async () => {
        await this.call('system_reset');
        return {};
      },
      system_powerdown: async () => {
        await this.call('system_powerdown');
        return {};
      },
      screendump: async (args) => {
        await this.call('screendump', { filename: args.filename, format: args.format ?? 'png' });
        return {};
      },
      'query-screen-text': async () => {
        const rfb = this.session?.rfb;
        const width = rfb?.width ?? 0;
        const height = rfb?.height ?? 0;
        if (width === 0 || height === 0) return { mode: 'off', cols: 0, rows: 0, width: 0, height: 0, lines: [], cursor: { row: 0, col: 0, visible: false } };
        let screen;
        try {
          screen = await readTextScreen(this.qmp(), width);
        } catch (error) {
          throw qmpFailure(error);
        }
        if (screen === undefined) return { mode: 'graphics', cols: 0, rows: 0, width, height, lines: [], cursor: { row: 0, col: 0, visible: false } };
        return { mode: 'text', width, height, ...screen };
      },
      'input-send-event': async (args) => {
        // Keys go as QEMU extended key events over VNC (XT codes, layout-independent) when the
        // server acknowledged them and every key is known; anything else through QMP, which
        // also names unknown keys in its error.
        const rfb = this.session?.rfb;
        const scancodes = args.events.map((event) => (event.type !== 'key' ? undefined : event.data.key.type === 'number' ? event.data.key.data : qkeycodeToXt.get(event.data.key.data)));
        if (rfb?.open === true && rfb.extendedKeys && !this.relaunching && scancodes.every((code) => code !== undefined)) {
          args.events.forEach((event, index) => rfb.sendExtendedKey(event.type === 'key' && event.data.down, scancodes[index]!));
          this.keysViaVnc++;
          return {};
        }
        const events = args.events.map((event) => (event.type === 'key' ? { type: 'key', data: { down: event.data.down, key: toQemuKey(event.data.key) } } : event));
        await this.call('input-send-event', { events });
        return {};
      },
      'send-key': async (args) => {
        await this.call('send-key', { keys: args.keys.map((key) => toQemuKey(key)), 'hold-time': args['hold-time'] ?? 100 });
        return {};
      },
      'input-type-text': (args) => this.typeText(args.text, args['delay-ms'] ?? 10),
      'query-block': () => this.queryBlock(),
      eject: async (args) => {
        const drive = this.driveId(args);
        if (drive.type === 'disk') throw new ProtocolError('GenericError', `Drive ${drive.id} is a hard disk, which is not removable.`);
        await this.call('eject', { id: drive.id, force: args.force ?? false });
        return {};
      },
      'blockdev-change-medium': async (args) => {
        const drive = this.driveId(args);
        if (drive.type === 'disk') throw new ProtocolError('GenericError', `Drive ${drive.id} is a hard disk; media can only be changed in CD and floppy drives.`);
        let stats;
        try {
          stats = statSync(args.filename);
        } catch {
          throw new ProtocolError('GenericError', `The image ${args.filename} does not exist or cannot be read.`);
        }
        if (!stats.isFile()) throw new ProtocolError('GenericError', `${args.filename} is not a regular file; choose an image file.`);
        if (stats.size === 0) throw new ProtocolError('GenericError', `${args.filename} is empty; choose a non-empty image.`);
        const kindProblem = drive.id === 'cd0' || drive.id === 'fd0' ? removableKindProblem(args.filename, stats.size, drive.id) : undefined;
        if (kindProblem) throw new ProtocolError('GenericError', kindProblem);
        await this.call('blockdev-change-medium', {
          id: drive.id,
          filename: args.filename,
          format: args.format ?? 'raw',
          ...(args['read-only-mode'] === undefined ? {} : { 'read-only-mode': args['read-only-mode'] }),
        });
        return {};
      },
      'snapshot-save': (args) => this.startSnapshotJob('snapshot-save', args),
      'snapshot-load': (args) => this.startSnapshotJob('snapshot-load', args),
      'snapshot-delete': (args) => this.startSnapshotJob('snapshot-delete', args),
      'query-jobs': async () => {
        const jobs = await this.call<{ id: string; type: string; status: EngineReturn<'query-jobs'>[number]['status']; 'current-progress': number; 'total-progress': number; error?: string }[]>('query-jobs');
        return jobs.map((job) => ({
          id: job.id,
          type: job.type,
          status: job.status,
          'current-progress': job['current-progress'],
          'total-progress': job['total-progress'],
          ...(job.error === undefined ? {} : { error: this.jobError(job.type, job.error) }),
        }));
      },
      'job-dismiss': async (args) => {
        await this.call('job-dismiss', { id: args.id });
        return {};
      },
      'query-snapshots': async () => {
        const node = this.drives.find((drive) => drive.nodeName !== undefined);
        if (node === undefined) return [];
        type Snapshot = { name: string; 'vm-state-size': number; 'date-sec': number; 'date-nsec': number; 'vm-clock-sec': number; 'vm-clock-nsec': number };
        const blocks = await this.call<{ device: string; inserted?: { image?: { snapshots?: Snapshot[] } } }[]>('query-block');
        const snapshots = blocks.find((block) => block.device === node.backend)?.inserted?.image?.snapshots ?? [];
        return snapshots.map((snapshot) => ({
          tag: snapshot.name,
          'vm-state-size': snapshot['vm-state-size'],
          'date-sec': snapshot['date-sec'],
          'date-nsec': snapshot['date-nsec'],
          'vm-clock-sec': snapshot['vm-clock-sec'],
          'vm-clock-nsec': snapshot['vm-clock-nsec'],
        }));
      },
      'set-speed-limit': async (args: EngineArgs<'set-speed-limit'>) => {
        if (this.session?.accelerator === 'kvm') {
          throw new ProtocolError('NotSupported', 'This machine runs under KVM, which runs at host speed and cannot be limited. Force TCG in the machine settings to use a speed limit.');
        }
        const preset = args.mips === 0 ? undefined : icountPreset(args.mips);
        if (preset?.shift !== this.speedLimit?.shift) await this.applySpeedLimit(preset);
        return { mips: preset?.mips ?? 0 };
      },
      'query-speed-limit': () => ({ mips: this.speedLimit?.mips ?? 0 }),
      'serial-write': (args) => {
        const bytes = Buffer.from(args.data, args.format === 'base64' ? 'base64' : 'utf8');
        const serial = this.session?.serial;
        if (serial === undefined || serial.destroyed) throw new ProtocolError('GenericError', 'The serial port is not connected (QEMU is not running).');
        serial.write(bytes);
        return { written: bytes.length };
      },
      'clipboard-set': (args) => {
        if (!this.clipboardEnabled) throw new ProtocolError('NotSupported', 'This machine has no clipboard agent; enable the shared clipboard in the machine settings (the guest needs spice-vdagent).');
        if (!this.clipboardAttached) throw new ProtocolError('WrongState', 'The clipboard agent is detached for a snapshot job; retry when the job has concluded.');
        const rfb = this.session?.rfb;
        if (rfb === undefined || !rfb.open) throw new ProtocolError('GenericError', 'The VNC connection to QEMU is closed.');
        rfb.sendClipboardText(args.text);
        return {};
      },
      'query-clipboard': () => {
        const text = this.session?.rfb?.guestClipboard;
        return { enabled: this.clipboardEnabled, attached: this.clipboardAttached, ...(text === undefined ? {} : { text }) };
      },
    };
  }

  status(): RunStateName {
    return this.runState;
  }

  /** The accelerator QEMU runs with now. */
  get accelerator(): Accelerator | undefined {
    return this.session?.accelerator;
  }

  /** Runs a human monitor command (diagnostics and tests); rejects when QEMU answers `Error:`. */
  async hmp(command: string): Promise<string> {
    const output = await this.call<string>('human-monitor-command', { 'command-line': command });
    if (/^Error:/m.test(output)) throw new ProtocolError('GenericError', output.trim());
    return output;
  }

  /** The last few KiB QEMU printed on stdout/stderr (HMP qemu-io output lands here). */
  get output(): string {
    return this.session?.output ?? '';
  }

  /** The QEMU process id (for tests and diagnostics). */
  get pid(): number | undefined {
    return this.session?.child.pid;
  }

  replayDisplay(send: (message: DisplayMessage) => void): void {
    const rfb = this.session?.rfb;
    if (rfb === undefined || rfb.width === 0) {
      send({ type: 'mode', mode: 'off' });
      return;
    }
    send({ type: 'mode', mode: 'graphics', width: rfb.width, height: rfb.height });
    send({ type: 'rect', x: 0, y: 0, width: rfb.width, height: rfb.height, pixels: rfb.copyRect(0, 0, rfb.width, rfb.height) });
    send(this.cursorMessage());
    send({ type: 'pointer-mode', absolute: this.pointerAbsolute });
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    if (this.serialTimer !== undefined) clearTimeout(this.serialTimer);
    const session = this.session;
    if (session !== undefined) await this.retire(session);
    for (const path of Object.values(this.sockets)) rmSync(path, { force: true });
  }
}
