/**
 * Starts one engine per running VM, tracks its run state from engine events, notices when an
 * engine ends on its own (crash: reported with the reason as soon as the process exit is seen)
 * and stops every engine on shutdown, so no engine outlives the app.
 */
import { EventEmitter } from 'node:events';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { QmpEvent } from '../../shared/protocol/envelope.js';
import type { EngineChannel, EngineLauncher } from './engine-launcher.js';
import { forkLauncher } from './engine-launcher.js';
import { EngineCommandError, EngineSession, describeExit, lastLines } from './engine-session.js';

/** What the supervisor knows about a VM's engine. */
export type VmRunState = 'starting' | 'running' | 'paused' | 'shutdown' | 'stopping' | 'stopped' | 'crashed';

/** How to start one VM. */
export interface VmLaunchSpec {
  engine: 'v86' | 'qemu';
  memoryMib: number;
  cpus?: number;
  cdrom?: string;
  floppy?: string;
  disk?: string;
  boot?: readonly string[];
  paused?: boolean;
  stateDir?: string;
  options?: Record<string, unknown>;
}

export interface VmStatus {
  state: VmRunState;
  reason?: string;
}

export interface SupervisorEvents {
  state: [vmId: string, status: VmStatus];
  /** Every event a VM's engine sends (SERIAL_OUTPUT, DEVICE_TRAY_MOVED, …), as it came. */
  'engine-event': [vmId: string, event: QmpEvent];
}

export interface SupervisorOptions {
  /** A private (0700) folder for the engines' QMP sockets. */
  runtimeDir: string;
  launcher?: EngineLauncher;
  /** Time an engine may take to greet and negotiate. */
  startTimeoutMs?: number;
  /** Time an engine may take to stop after `quit` before it is killed. */
  stopTimeoutMs?: number;
  /** How often a running engine is asked `query-status` to notice a hang (0: never). Default 5 s. */
  watchdogIntervalMs?: number;
  /** How long the watchdog's `query-status` may take before the engine counts as hung. Default 20 s. */
  watchdogTimeoutMs?: number;
}

interface RunningVm {
  session: EngineSession;
  status: VmStatus;
  socketDir: string;
  stopRequested: boolean;
  exited: Promise<void>;
  /** Set when the watchdog killed a hung engine: the crash reason. */
  hungReason?: string;
  watchdog?: NodeJS.Timeout;
}

/** Engines that must die with this process even on an abrupt exit. */
const liveChannels = new Set<EngineChannel>();
let exitHookInstalled = false;
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const channel of liveChannels) channel.kill('SIGKILL');
  });
}

export class Supervisor extends EventEmitter<SupervisorEvents> {
  private readonly vms = new Map<string, RunningVm>();
  private readonly launcher: EngineLauncher;
  private shuttingDown = false;

  constructor(private readonly options: SupervisorOptions) {
    super();
    this.launcher = options.launcher ?? forkLauncher;
    installExitHook();
  }

  /** The VM's state, or 'stopped' when it has no engine (and never had one). */
  status(vmId: string): VmStatus {
    return this.vms.get(vmId)?.status ?? { state: 'stopped' };
  }

  /** Whether the VM has a live engine. */
  isActive(vmId: string): boolean {
    const vm = this.vms.get(vmId);
    return vm !== undefined && vm.session.exit === undefined;
  }

  /** Ids of VMs with a live engine. */
  active(): string[] {
    return [...this.vms.keys()].filter((id) => this.isActive(id));
  }

  /** Starts an engine for `vmId` and waits until it answers QMP. */
  async start(vmId: string, spec: VmLaunchSpec): Promise<VmStatus> {
    if (this.shuttingDown) throw new EngineCommandError('Unavailable', 'The app is shutting down.');
    if (this.isActive(vmId)) throw new EngineCommandError('Conflict', 'The machine is already running.');
    // Short socket paths: UNIX socket paths are limited to ~107 bytes.
    const socketDir = join(this.options.runtimeDir, `${vmId.replace(/[^A-Za-z0-9]/g, '').slice(0, 12)}-${process.pid.toString(36)}`);
    rmSync(socketDir, { recursive: true, force: true });
    mkdirSync(socketDir, { recursive: true, mode: 0o700 });
    const channel = this.launcher.launch(engineArguments(spec, join(socketDir, 'qmp.sock')));
    liveChannels.add(channel);
    const session = new EngineSession(channel);
    const vm: RunningVm = { session, status: { state: 'starting' }, socketDir, stopRequested: false, exited: Promise.resolve() };
    vm.exited = new Promise((resolve) =>
      channel.onExit((exit) => {
        liveChannels.delete(channel);
        clearInterval(vm.watchdog);
        rmSync(socketDir, { recursive: true, force: true });
        if (vm.hungReason) this.setStatus(vmId, vm, { state: 'crashed', reason: vm.hungReason });
        else if (vm.stopRequested || vm.status.state === 'shutdown') this.setStatus(vmId, vm, { state: 'stopped' });
        else {
          const tail = lastLines(channel.stderrTail(), 3);
          this.setStatus(vmId, vm, { state: 'crashed', reason: `The engine ended unexpectedly (${describeExit(exit)}).${tail ? ` Last output: ${tail}` : ''}` });
        }
        resolve();
      }),
    );
    this.vms.set(vmId, vm);
    this.emit('state', vmId, vm.status);
    session.onEvent((event) => {
      // A guest power-off sends SHUTDOWN then STOP: it stays 'shutdown', not 'paused'.
      if (event.event === 'STOP') {
        if (vm.status.state !== 'shutdown') this.setStatus(vmId, vm, { state: 'paused' });
      }
      else if (event.event === 'RESUME') this.setStatus(vmId, vm, { state: 'running' });
      else if (event.event === 'SHUTDOWN') this.setStatus(vmId, vm, { state: 'shutdown' });
      this.emit('engine-event', vmId, event);
    });
    try {
      await session.negotiate(this.options.startTimeoutMs ?? 60_000);
      const status = (await session.execute('query-status', {})) as { running: boolean; status: string };
      if (vm.status.state === 'starting') this.setStatus(vmId, vm, { state: status.running ? 'running' : 'paused' });
      this.startWatchdog(vmId, vm);
      return vm.status;
    } catch (error) {
      vm.stopRequested = true;
      channel.kill('SIGKILL');
      await vm.exited;
      throw error;
    }
  }

  /** Runs an engine command on a running VM. */
  execute(vmId: string, name: string, args: Record<string, unknown> = {}, timeoutMs?: number): Promise<unknown> {
    const vm = this.vms.get(vmId);
    if (!vm || vm.session.exit) return Promise.reject(new EngineCommandError('Unavailable', 'The machine is not running; start it first.'));
    return vm.session.execute(name, args, timeoutMs);
  }

  /** Path of the running engine's QMP UNIX socket (it appears once the engine is up), or undefined. */
  qmpSocket(vmId: string): string | undefined {
    const vm = this.vms.get(vmId);
    return vm && !vm.session.exit ? join(vm.socketDir, 'qmp.sock') : undefined;
  }

  /** Resolves when the VM's engine has exited (at once when it has none). */
  exited(vmId: string): Promise<void> {
    return this.vms.get(vmId)?.exited ?? Promise.resolve();
  }

  /** The engine session (for the display channel), when running. */
  session(vmId: string): EngineSession | undefined {
    const vm = this.vms.get(vmId);
    return vm && !vm.session.exit ? vm.session : undefined;
  }

  /** Stops a VM's engine: `quit`, then SIGKILL after the stop timeout. Resolves when it has exited. */
  async stop(vmId: string): Promise<void> {
    const vm = this.vms.get(vmId);
    if (!vm || vm.session.exit) return;
    vm.stopRequested = true;
    this.setStatus(vmId, vm, { state: 'stopping' });
    vm.session.execute('quit', {}, 2000).catch(() => undefined);
    const timer = setTimeout(() => vm.session.channel.kill('SIGKILL'), this.options.stopTimeoutMs ?? 5000);
    await vm.exited;
    clearTimeout(timer);
  }

  /** Stops every engine; later starts are refused. */
  async shutdown(): Promise<void> {
    this.shuttingDown = true;
    await Promise.all([...this.vms.keys()].map((id) => this.stop(id)));
  }

  /** Asks the engine for its status now and then; an engine that stops answering is killed and reported crashed. */
  private startWatchdog(vmId: string, vm: RunningVm): void {
    const interval = this.options.watchdogIntervalMs ?? 5000;
    if (interval <= 0) return;
    const timeoutMs = this.options.watchdogTimeoutMs ?? 20_000;
    let asking = false;
    vm.watchdog = setInterval(() => {
      if (asking || vm.session.exit || vm.stopRequested) return;
      asking = true;
      vm.session
        .execute('query-status', {}, timeoutMs)
        .catch((error: unknown) => {
          if (!(error instanceof EngineCommandError) || error.errorClass !== 'Timeout' || vm.session.exit || vm.stopRequested) return;
          vm.hungReason = `The engine stopped answering (no reply to query-status within ${Math.round(timeoutMs / 1000)} s) and was stopped. Start the machine again.`;
          vm.session.channel.kill('SIGKILL');
        })
        .finally(() => (asking = false));
    }, interval);
    vm.watchdog.unref();
  }

  private setStatus(vmId: string, vm: RunningVm, status: VmStatus): void {
    if (vm.status.state === status.state && vm.status.reason === status.reason) return;
    vm.status = status;
    this.emit('state', vmId, status);
  }
}

function engineArguments(spec: VmLaunchSpec, socketPath: string): string[] {
  const args = ['--engine', spec.engine, '--memory', String(spec.memoryMib), '--qmp', socketPath];
  if (spec.cpus !== undefined) args.push('--cpus', String(spec.cpus));
  if (spec.cdrom) args.push('--cdrom', spec.cdrom);
  if (spec.floppy) args.push('--floppy', spec.floppy);
  if (spec.disk) args.push('--disk', spec.disk);
  if (spec.boot && spec.boot.length > 0) args.push('--boot', spec.boot.join(','));
  if (spec.paused) args.push('--paused');
  if (spec.stateDir) args.push('--state-dir', spec.stateDir);
  if (spec.options) args.push('--options', JSON.stringify(spec.options));
  return args;
}
