/**
 * Starts one engine per running VM, tracks its run state from engine events, notices when an
 * engine ends on its own (crash: reported with the reason as soon as the process exit is seen)
 * and stops every engine on shutdown, so no engine outlives the app.
 */
import { EventEmitter } from 'node:events';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { QmpEvent } from '../../shared/protocol/envelope.js';
import type { EngineKindName, MachineStateName } from '../../shared/protocol/enums.js';
import type { EngineChannel, EngineLauncher } from './engine-launcher.js';
import { forkLauncher } from './engine-launcher.js';
import { EngineCommandError, EngineSession, describeExit, engineFailureReason } from './engine-session.js';
import { EngineLog } from './engine-log.js';
import { commandFailureLogLine, commandLogLine, eventLogLine, stateLogLine } from './engine-log-lines.js';
import { SerialLogWriter } from './serial-log.js';
import type { EngineExit } from './engine-launcher.js';
import { cleanStaleRuntime } from './stale-runtime.js';
import { Owner } from '../../node/disposables.js';

/** What the supervisor knows about a VM's engine (the API's machine states). */
export type VmRunState = MachineStateName;

/** How to start one VM. */
export interface VmLaunchSpec {
  engine: EngineKindName;
  memoryMib: number;
  cpus?: number;
  cdrom?: string;
  floppy?: string;
  disk?: string;
  /** Format of `disk` as stored in the library (passed as --disk-format, so the engine never guesses). */
  diskFormat?: 'raw' | 'qcow2';
  boot?: readonly string[];
  paused?: boolean;
  stateDir?: string;
  options?: Record<string, unknown>;
  /** Shared folders, each an engine `--share HOSTPATH:NAME[:ro]` value (src/shared/share-settings.ts shareFlagText). */
  shares?: readonly string[];
  /** Where this run's engine output is appended (the machine's logs/engine.log); crash reasons name it. */
  logFile?: string;
  /** Where the guest's COM1 output is appended with a timestamp per line (the machine's logs/serial.log), when the machine keeps one. */
  serialLogFile?: string;
  /** What main did to the machine before this start (a disk repaired): written to the engine log and reported. */
  notes?: readonly string[];
}

export interface VmStatus {
  state: VmRunState;
  reason?: string;
}

/** What `start` resolves with: the state, and what was cleaned up from an earlier run first. */
export interface VmStartResult extends VmStatus {
  /** One sentence per stale folder or leftover process removed before the start (often empty). */
  cleaned: string[];
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
  /** Where the supervisor reports what it did on its own (cleanups). Default: stderr. */
  log?: (line: string) => void;
}

interface RunningVm {
  session: EngineSession;
  status: VmStatus;
  socketDir: string;
  stopRequested: boolean;
  exited: Promise<void>;
  /** Set when the watchdog killed a hung engine, or the engine reported a fatal error: the crash reason. */
  hungReason?: string;
  /** The engine log of this run, until the engine has exited. */
  log?: EngineLog;
  logFile?: string;
  /** The serial log of this run (COM1 output), when the machine keeps one. */
  serialLog?: SerialLogWriter;
  /** This run's timers (watchdog, kill after a stop timeout): disposed when the engine has exited. */
  owner: Owner;
  /** How many times the engine was asked for its run state; only the latest answer is shown. */
  runStateQueries?: number;
  /** The latest run-state question, settled once its answer is shown (or dropped for a newer one). */
  latestRunStateQuery?: Promise<void>;
}

/** Engine events after which the run state is asked again (common/run-state.ts says when they come). */
const runEvents: ReadonlySet<string> = new Set(['STOP', 'RESUME', 'SHUTDOWN', 'RESET']);
/** The states main shows from the engine's query-status; the others (starting, stopping, ...) are main's own. */
const engineRunStates: ReadonlySet<VmStatus['state']> = new Set(['running', 'paused', 'shutdown']);
/** How long the engine may take to say its run state (QEMU answers after a snapshot save ends). */
const runStateQueryTimeoutMs = 60_000;

/** The state main shows for an engine run state: running, shutdown (the guest powered off), or paused for any other. */
export function shownRunState(status: string): 'running' | 'paused' | 'shutdown' {
  return status === 'running' ? 'running' : status === 'shutdown' ? 'shutdown' : 'paused';
}

/**
 * Owns the engines of one app: each VM's entry lives while its engine does, and is removed once
 * the engine has exited (a crash leaves only its status, which the API shows until the next
 * start or until the machine is forgotten). `shutdown()` (or `await using`) stops them all.
 */
export class Supervisor extends EventEmitter<SupervisorEvents> implements AsyncDisposable {
  private readonly vms = new Map<string, RunningVm>();
  /** How the last run of a VM ended when it crashed: what `status` reports once the run is gone. */
  private readonly crashes = new Map<string, VmStatus>();
  private readonly launcher: EngineLauncher;
  private shuttingDown = false;
  /**
   * Engines must die with this process even when it exits without a shutdown (an uncaught
   * error): installed while this supervisor has a live engine, removed when it has none, so
   * no listener outlives the engines it is for.
   */
  private readonly killOnExit = (): void => {
    for (const vm of this.vms.values()) if (vm.session.exit === undefined) vm.session.channel.kill('SIGKILL');
  };

  constructor(private readonly options: SupervisorOptions) {
    super();
    this.launcher = options.launcher ?? forkLauncher;
  }

  /** The VM's state: its engine's, else how its last run crashed, else 'stopped'. */
  status(vmId: string): VmStatus {
    return this.vms.get(vmId)?.status ?? this.crashes.get(vmId) ?? { state: 'stopped' };
  }

  /** Ids the supervisor holds anything for: VMs with an engine, and VMs whose last run crashed. */
  tracked(): string[] {
    return [...new Set([...this.vms.keys(), ...this.crashes.keys()])];
  }

  /** Drops what is kept of a VM that is not running (its crash status), e.g. when it is deleted. */
  forget(vmId: string): void {
    if (!this.isActive(vmId)) this.crashes.delete(vmId);
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

  /**
   * Starts an engine for `vmId` and waits until its machine is up (or fails: then it rejects
   * with the reason and the VM is 'crashed' with it). A stale runtime folder or leftover process
   * from an earlier run of this VM is cleaned first; the result says what was cleaned.
   */
  async start(vmId: string, spec: VmLaunchSpec): Promise<VmStartResult> {
    if (this.shuttingDown) throw new EngineCommandError('Unavailable', 'The app is shutting down.');
    if (this.isActive(vmId)) throw new EngineCommandError('Conflict', 'The machine is already running.');
    // Short socket paths: UNIX socket paths are limited to ~107 bytes.
    const prefix = vmId.replace(/[^A-Za-z0-9]/g, '').slice(0, 12);
    const socketDir = join(this.options.runtimeDir, `${prefix}-${process.pid.toString(36)}`);
    const inUse = new Set([...this.vms.values()].filter((other) => other.session.exit === undefined).map((other) => other.socketDir));
    const cleaned = await cleanStaleRuntime(this.options.runtimeDir, prefix, inUse);
    const log = this.options.log ?? ((line: string) => process.stderr.write(`hangar: ${line}\n`));
    for (const line of [...cleaned, ...(spec.notes ?? [])]) log(`before starting ${vmId}: ${line}`);
    if (this.isActive(vmId)) throw new EngineCommandError('Conflict', 'The machine is already running.');
    mkdirSync(socketDir, { recursive: true, mode: 0o700 });
    let channel: EngineChannel;
    try {
      channel = this.launcher.launch(engineArguments(spec, join(socketDir, 'qmp.sock')));
    } catch (error) {
      rmSync(socketDir, { recursive: true, force: true });
      throw new EngineCommandError('EngineFailed', `The engine could not be started: ${(error as Error).message}`);
    }
    // off first: the hook is installed once, however the runs before this one ended.
    process.off('exit', this.killOnExit);
    process.on('exit', this.killOnExit);
    const session = new EngineSession(channel);
    const vm: RunningVm = { session, status: { state: 'starting' }, socketDir, stopRequested: false, exited: Promise.resolve(), owner: new Owner() };
    if (spec.logFile) {
      const engineLog = new EngineLog(spec.logFile, { report: log });
      for (const note of spec.notes ?? []) engineLog.note(note);
      engineLog.note(`engine started: ${spec.engine}, pid ${channel.pid ?? 'unknown'}`);
      channel.onOutput((text) => engineLog.append(text));
      vm.log = engineLog;
      vm.logFile = spec.logFile;
    }
    if (spec.serialLogFile) vm.serialLog = new SerialLogWriter(new EngineLog(spec.serialLogFile, { report: log }), `engine started: ${spec.engine}, pid ${channel.pid ?? 'unknown'}`);
    vm.exited = new Promise((resolve) =>
      channel.onExit((exit) => {
        if (this.active().length === 0) process.off('exit', this.killOnExit);
        void vm.owner.dispose();
        rmSync(socketDir, { recursive: true, force: true });
        // While starting, start() itself reports the failure (with the engine's reason).
        if (vm.status.state !== 'starting') {
          this.setStatus(vmId, vm, endStatus(vm, `The engine ended unexpectedly (${describeExit(exit)}). ${engineFailureReason(channel.stderrTail())}`.trim()));
          // The exit line is on disk before a stop or shutdown returns; a stuck disk holds it up 1 s at most.
          let timer: NodeJS.Timeout | undefined;
          void Promise.race([closeLog(vm, exit), new Promise((done) => (timer = setTimeout(done, 1000)))]).then(() => {
            clearTimeout(timer);
            this.retire(vmId, vm);
            resolve();
          });
          return;
        }
        resolve();
      }),
    );
    this.vms.set(vmId, vm);
    this.crashes.delete(vmId);
    this.emit('state', vmId, vm.status);
    session.onEvent((event) => {
      // SHUTDOWN is the engine's report that the guest powered off (an engine that then ends has
      // stopped, not crashed); otherwise the run state is the engine's answer after each run
      // event, never a guess from the event.
      if (event.event === 'SHUTDOWN') this.setStatus(vmId, vm, { state: 'shutdown' });
      if (runEvents.has(event.event)) void this.refreshRunState(vmId, vm);
      else if (event.event === 'ENGINE_ERROR') this.onEngineError(vmId, vm, event.data);
      if (event.event === 'SERIAL_OUTPUT') vm.serialLog?.output(event.data);
      const line = eventLogLine(event);
      if (line !== undefined) vm.log?.note(line);
      this.emit('engine-event', vmId, event);
    });
    try {
      await session.negotiate(this.options.startTimeoutMs ?? 60_000);
      // The engine answers once its machine is up, or with why it could not start.
      const status = (await session.execute('query-status', {}, this.options.startTimeoutMs ?? 60_000)) as { running: boolean; status: string };
      if (vm.status.state === 'starting') this.setStatus(vmId, vm, { state: status.running ? 'running' : 'paused' });
      this.startWatchdog(vmId, vm);
      return { ...vm.status, cleaned };
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      vm.stopRequested = true;
      channel.kill('SIGKILL');
      await vm.exited;
      this.setStatus(vmId, vm, { state: 'crashed', reason: message });
      if (session.exit) void closeLog(vm, session.exit);
      this.retire(vmId, vm);
      const reason = vm.status.reason ?? message;
      throw new EngineCommandError(error instanceof EngineCommandError && error.errorClass !== 'GenericError' ? error.errorClass : 'EngineFailed', reason);
    }
  }

  /**
   * A fatal ENGINE_ERROR (the emulator is gone, e.g. QEMU died): the VM is crashed with the
   * engine's reason, and the engine is stopped so the machine can be started again.
   */
  private onEngineError(vmId: string, vm: RunningVm, data: unknown): void {
    const { fatal, reason } = (data ?? {}) as { fatal?: unknown; reason?: unknown };
    if (fatal !== true || vm.stopRequested || vm.session.exit) return;
    vm.hungReason = typeof reason === 'string' && reason !== '' ? reason : 'The emulator failed.';
    this.setStatus(vmId, vm, { state: 'crashed', reason: vm.hungReason });
    vm.stopRequested = true;
    vm.session.execute('quit', {}, 2000).catch(() => undefined);
    vm.owner.setTimeout(() => vm.session.channel.kill('SIGKILL'), this.options.stopTimeoutMs ?? 5000);
  }

  /**
   * Asks the engine for its run state and shows it; resolves once shown (or when the engine could
   * not say, which leaves the state as it was). Callers use it at the end of jobs that stop and
   * resume the guest (snapshots), so what they report next is the engine's word.
   */
  async syncRunState(vmId: string): Promise<void> {
    const vm = this.vms.get(vmId);
    if (!vm) return;
    await this.refreshRunState(vmId, vm);
    // An event may have asked again while this answer was on its way; that answer is dropped, and
    // the newer one is what will be shown: wait for it too (each question has its own timeout).
    // A guest that keeps resetting would ask forever: a few rounds, then the last shown stands.
    let latest: Promise<void> | undefined;
    for (let round = 0; round < 4 && latest !== vm.latestRunStateQuery; round++) {
      latest = vm.latestRunStateQuery;
      await latest;
    }
  }

  private refreshRunState(vmId: string, vm: RunningVm): Promise<void> {
    const query = this.askRunState(vmId, vm);
    vm.latestRunStateQuery = query;
    return query;
  }

  private async askRunState(vmId: string, vm: RunningVm): Promise<void> {
    const asked = (vm.runStateQueries = (vm.runStateQueries ?? 0) + 1);
    let status: string;
    try {
      status = ((await vm.session.execute('query-status', {}, runStateQueryTimeoutMs)) as { status: string }).status;
    } catch (error) {
      // The engine ending is reported by its exit; a slow answer leaves the last state shown.
      if (!vm.session.exit) vm.log?.note(`run state not refreshed: ${error instanceof Error ? error.message : String(error)}`);
      return;
    }
    // A later question's answer is newer; while starting or stopping, main decides the state.
    if (asked !== vm.runStateQueries || vm.session.exit || vm.stopRequested || !engineRunStates.has(vm.status.state)) return;
    this.setStatus(vmId, vm, { state: shownRunState(status) });
  }

  /** Runs an engine command on a running VM. */
  execute(vmId: string, name: string, args: Record<string, unknown> = {}, timeoutMs?: number): Promise<unknown> {
    const vm = this.vms.get(vmId);
    if (!vm || vm.session.exit) return Promise.reject(new EngineCommandError('Unavailable', 'The machine is not running; start it first.'));
    // The engine log traces what main asked of the engine and what the engine refused.
    const line = commandLogLine(name, args);
    if (line !== undefined) vm.log?.note(line);
    return vm.session.execute(name, args, timeoutMs).catch((error: unknown) => {
      vm.log?.note(commandFailureLogLine(name, error));
      throw error;
    });
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
    vm.owner.setTimeout(() => vm.session.channel.kill('SIGKILL'), this.options.stopTimeoutMs ?? 5000);
    await vm.exited;
  }

  /** Stops every engine; later starts are refused. */
  async shutdown(): Promise<void> {
    this.shuttingDown = true;
    await Promise.all([...this.vms.keys()].map((id) => this.stop(id)));
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.shutdown();
  }

  /**
   * A run whose engine has exited leaves the map; a crash leaves its status behind. Called when
   * the exit is handled and again when a failed start has set its final status.
   */
  private retire(vmId: string, vm: RunningVm): void {
    const current = this.vms.get(vmId);
    if (current !== undefined && current !== vm) return; // A newer run of this VM owns the id.
    this.vms.delete(vmId);
    if (vm.status.state === 'crashed') this.crashes.set(vmId, vm.status);
  }

  /** Asks the engine for its status now and then; an engine that stops answering is killed and reported crashed. */
  private startWatchdog(vmId: string, vm: RunningVm): void {
    const interval = this.options.watchdogIntervalMs ?? 5000;
    if (interval <= 0) return;
    const timeoutMs = this.options.watchdogTimeoutMs ?? 20_000;
    let asking = false;
    const watchdog = vm.owner.setInterval(() => {
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
    watchdog.unref();
  }

  private setStatus(vmId: string, vm: RunningVm, status: VmStatus): void {
    // A crash says where to read more: the engine's whole output is in its log.
    if (status.state === 'crashed' && status.reason !== undefined && vm.logFile && !status.reason.endsWith(`(engine log: ${vm.logFile})`)) status = { ...status, reason: `${status.reason} (engine log: ${vm.logFile})` };
    if (vm.status.state === status.state && vm.status.reason === status.reason) return;
    vm.status = status;
    vm.log?.note(stateLogLine(status.state, status.reason?.replace(` (engine log: ${vm.logFile})`, '')));
    this.emit('state', vmId, status);
  }
}

/** Ends the run's engine log with how the engine ended (and the crash reason), and closes it. */
function closeLog(vm: RunningVm, exit: EngineExit): Promise<void> {
  const serial = vm.serialLog?.close(`engine exited (${describeExit(exit)})`) ?? Promise.resolve();
  vm.serialLog = undefined;
  const log = vm.log;
  if (!log) return serial;
  vm.log = undefined;
  const hint = ` (engine log: ${vm.logFile})`;
  const reason = vm.status.reason?.endsWith(hint) ? vm.status.reason.slice(0, -hint.length) : vm.status.reason;
  const crashed = vm.status.state === 'crashed' && reason ? `; crashed: ${reason}` : '';
  log.note(`engine exited (${describeExit(exit)})${crashed}`);
  return Promise.all([log.close(), serial]).then(() => undefined);
}

/** The state of a VM whose engine has ended; `unexpected` is the reason when nobody asked it to. */
function endStatus(vm: RunningVm, unexpected: string): VmStatus {
  if (vm.hungReason) return { state: 'crashed', reason: vm.hungReason };
  if (vm.stopRequested || vm.status.state === 'shutdown') return { state: 'stopped' };
  return { state: 'crashed', reason: unexpected };
}

function engineArguments(spec: VmLaunchSpec, socketPath: string): string[] {
  const args = ['--engine', spec.engine, '--memory', String(spec.memoryMib), '--qmp', socketPath];
  if (spec.cpus !== undefined) args.push('--cpus', String(spec.cpus));
  if (spec.cdrom) args.push('--cdrom', spec.cdrom);
  if (spec.floppy) args.push('--floppy', spec.floppy);
  if (spec.disk) args.push('--disk', spec.disk);
  if (spec.disk && spec.diskFormat) args.push('--disk-format', spec.diskFormat);
  if (spec.boot && spec.boot.length > 0) args.push('--boot', spec.boot.join(','));
  if (spec.paused) args.push('--paused');
  if (spec.stateDir) args.push('--state-dir', spec.stateDir);
  if (spec.options) args.push('--options', JSON.stringify(spec.options));
  for (const share of spec.shares ?? []) args.push('--share', share);
  return args;
}
