/**
 * The engine: owns one backend, dispatches validated commands to its handlers, answers
 * `qmp_capabilities`/`query-commands`/`quit` itself, and sends timestamped events to every
 * negotiated client. A handler's ProtocolError becomes an error reply of its class; any other
 * throw is an emulator fault: status `internal-error`, an ENGINE_ERROR event, and from then on
 * only queries and `quit` are served.
 */
import type { BackendFactory, BackendHost, EngineBackend, MachineConfig } from '../backend.js';
import { ProtocolError } from '../backend.js';
import type { DisplayMessage } from '../../shared/protocol/display.js';
import { engineCommands, engineProtocolVersion } from '../../shared/protocol/engine/index.js';
import type { EngineEventName, RunStateName } from '../../shared/protocol/engine/index.js';
import { errorReply, qmpTimestamp, returnReply } from '../../shared/protocol/envelope.js';
import type { CommandCall, QmpEvent, QmpGreeting, QmpReply } from '../../shared/protocol/envelope.js';
import type { Rect } from '../display/rect.js';
import type { SharedFrame } from '../display/shared-frame.js';
import { DisplayFanout } from './display-fanout.js';
import type { DisplayViewer } from './display-fanout.js';
import type { SessionEngine } from './qmp-session.js';

const hostCommands = new Set(['qmp_capabilities', 'query-commands', 'query-status', 'quit']);
/**
 * Display bytes queued for every viewer above which a backend that can holds off producing
 * frames (displayBacklogged): about one 1024×768 frame, so a viewer that reads again finds at
 * most that much waiting, then the changes made since, at once.
 */
const heldFrameBacklogBytes = 2 << 20;
/** Commands still served after an emulator fault. */
const afterFault = (name: string): boolean => name.startsWith('query-') || hostCommands.has(name) || name === 'screendump';

/** Extra time commands that legitimately take long (typing) are allowed, in milliseconds. */
function expectedDuration(call: CommandCall): number {
  if (call.name === 'input-type-text') {
    const text = typeof call.args.text === 'string' ? call.args.text : '';
    return text.length * ((call.args['delay-ms'] as number | undefined) ?? 10) * 4;
  }
  if (call.name === 'send-key') return (call.args['hold-time'] as number | undefined) ?? 100;
  return 0;
}

/** Hangar's own version, reported in the greeting. */
const [major = 0, minor = 1] = engineProtocolVersion.split('.').map(Number);

/** One running engine. */
export class Engine implements SessionEngine, BackendHost {
  private backend: EngineBackend | undefined;
  private readonly listeners = new Set<(event: QmpEvent) => void>();
  private fault: string | undefined;
  private names: Set<string> = new Set(hostCommands);
  private quitting = false;
  private startFailure: string | undefined;
  private readonly cleanups: (() => Promise<void>)[] = [];
  readonly display = this.post.bind(this);
  /** Every viewer (the display socket, the parent channel) copies or serializes a message inside `post` (DisplayViewer). */
  readonly displayCopiesPixels = true;
  readonly viewers = new DisplayFanout((send) => this.backend?.replayDisplay(send));
  /** Resolves when `quit` was answered (or the host asked the engine to stop). */
  readonly stopped: Promise<string>;
  private resolveStopped!: (reason: string) => void;
  /** Resolves once the backend started (or failed to); commands wait for it. */
  private readonly started: Promise<void>;
  private resolveStarted!: () => void;

  constructor(
    readonly config: MachineConfig,
    private readonly logLine: (line: string) => void = (line) => process.stderr.write(`${line}\n`),
    /** How long a backend handler may take before the engine declares the emulator hung. */
    private readonly commandTimeoutMs = 300_000,
  ) {
    this.stopped = new Promise((resolve) => (this.resolveStopped = resolve));
    this.started = new Promise((resolve) => (this.resolveStarted = resolve));
  }

  /** Creates and starts the backend. */
  async start(factory: BackendFactory): Promise<void> {
    try {
      this.backend = await factory(this.config, this);
      this.names = new Set([...hostCommands, ...Object.keys(this.backend.handlers)].filter((name) => Object.hasOwn(engineCommands, name)));
    } catch (error) {
      // Commands that waited for the start learn why it failed (the process exits right after).
      this.startFailure = error instanceof Error ? error.message : String(error);
      throw error;
    } finally {
      this.resolveStarted();
    }
  }


  // BackendHost
  emit<N extends EngineEventName>(name: N, data: unknown): void {
    const event: QmpEvent = { event: name, data, timestamp: qmpTimestamp(Date.now()) };
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch (error) {
        this.log(`event listener failed: ${(error as Error).message}`);
      }
    }
  }

  log(message: string): void {
    this.logLine(`[engine] ${message}`);
  }

  private post(message: DisplayMessage): void {
    this.viewers.post(message);
  }

  displayFrame(frame: SharedFrame, rect: Rect): void {
    this.viewers.postFrame(frame, rect);
  }

  displayBusy(): boolean {
    return this.viewers.busy();
  }

  displayBacklogged(): boolean {
    return this.viewers.backlogged(heldFrameBacklogBytes);
  }

  /** Runs `cleanup` when the engine is disposed (after the backend): workers, sockets it owns. */
  addCleanup(cleanup: () => Promise<void>): void {
    this.cleanups.push(cleanup);
  }

  /** Subscribes to events; returns an unsubscribe function. */
  onEvent(listener: (event: QmpEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Attaches a display viewer; returns a detach function. */
  attachViewer(viewer: DisplayViewer): () => void {
    return this.viewers.attach(viewer);
  }

  /** Current run state, `internal-error` after a fault. */
  status(): RunStateName {
    if (this.fault !== undefined) return 'internal-error';
    try {
      return this.backend?.status() ?? 'prelaunch';
    } catch (error) {
      this.recordFault(`the emulator failed to report its state: ${(error as Error).message}`);
      return 'internal-error';
    }
  }

  // SessionEngine
  greeting(): QmpGreeting {
    return { QMP: { version: { qemu: { major, minor, micro: 0 }, package: `hangar-${this.config.engine}` }, capabilities: [] } };
  }

  commandNames(): ReadonlySet<string> | undefined {
    // Until the backend is up every protocol command is accepted for validation and waits.
    return this.backend ? this.names : undefined;
  }

  async dispatch(call: CommandCall): Promise<QmpReply> {
    await this.started;
    if (call.name === 'query-commands') return returnReply([...this.names].sort().map((name) => ({ name })), call);
    if (call.name === 'quit') {
      this.quitting = true;
      // Reply first; the owner disposes the backend and exits.
      setImmediate(() => this.resolveStopped('quit'));
      return returnReply({}, call);
    }
    if (this.startFailure !== undefined) return errorReply('GenericError', `The machine failed to start: ${this.startFailure}`, call);
    if (this.quitting) return errorReply('GenericError', 'The engine is quitting', call);
    if (call.name === 'query-status') {
      const status = this.status();
      return returnReply({ status, running: status === 'running' }, call);
    }
    if (this.fault !== undefined && !afterFault(call.name)) {
      return errorReply('WrongState', `The emulator faulted (${this.fault}); only queries and quit work now. Quit the engine and start the machine again.`, call);
    }
    const handler = this.backend?.handlers[call.name as keyof EngineBackend['handlers']] as
      | ((args: unknown) => unknown)
      | undefined;
    if (!handler) return errorReply('CommandNotFound', `The command ${call.name} has not been found`, call);
    let timer: NodeJS.Timeout | undefined;
    try {
      const limit = this.commandTimeoutMs + expectedDuration(call);
      const hung = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${Math.round(limit / 1000)} s; the emulator appears hung`)), limit);
      });
      const value = await Promise.race([Promise.resolve().then(() => handler(call.args)), hung]);
      return returnReply(value ?? {}, call);
    } catch (error) {
      if (error instanceof ProtocolError) return errorReply(error.errorClass, error.message, call);
      const reason = `${call.name} failed inside the emulator: ${error instanceof Error ? error.message : String(error)}`;
      this.recordFault(reason);
      return errorReply('GenericError', `${reason}. The engine is now in state internal-error; quit it and start the machine again.`, call);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Records an emulator fault once: status internal-error and an ENGINE_ERROR event. */
  recordFault(reason: string): void {
    if (this.fault !== undefined) return;
    this.fault = reason;
    this.log(`emulator fault: ${reason}`);
    this.emit('ENGINE_ERROR', { reason: `${reason}. Quit the engine and start the machine again.`, fatal: false });
  }

  /** Asks the engine to stop (signal, lost parent). */
  requestStop(reason: string): void {
    this.quitting = true;
    this.resolveStopped(reason);
  }

  /** Disposes the backend; never throws, never waits more than `timeoutMs`. */
  async dispose(timeoutMs = 10_000): Promise<void> {
    const backend = this.backend;
    this.backend = undefined;
    const cleanups = this.cleanups.splice(0);
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      (async () => {
        await backend?.dispose().catch((error: unknown) => this.log(`dispose failed: ${(error as Error).message}`));
        for (const cleanup of cleanups) await cleanup().catch((error: unknown) => this.log(`cleanup failed: ${(error as Error).message}`));
      })(),
      new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs))),
    ]);
    clearTimeout(timer);
  }
}
