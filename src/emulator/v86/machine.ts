/**
 * V86Machine: one v86 emulator and what the backend's modules share — the config, the host,
 * the run state, command handlers and constructor options contributed by each module.
 *
 * Modules plug in before `start()`: `addHandlers()` for protocol commands, `addOptions()` for v86
 * constructor options (hda/fda/cdrom objects, serial, speed), `onCreated()` for work that needs
 * the emulator object (bus listeners, port hooks).
 */
import { createRequire } from 'node:module';
import type { V86Options } from 'v86';
import type { BackendHost, CommandHandlers, MachineConfig } from '../backend.js';
import { ProtocolError } from '../backend.js';
import type { EngineEventData, EngineEventName, RunStateName } from '../../shared/protocol/engine/index.js';
import { RunState, continueProblem } from '../common/run-state.js';
import type { V86Emulator } from './internals.js';
import { ensureImageData } from './screen.js';

const require = createRequire(import.meta.url);

/** Path of v86's WebAssembly module inside node_modules. */
export function v86WasmPath(): string {
  return require.resolve('v86/build/v86.wasm');
}

/** Version of the installed v86 package. */
export function v86Version(): string {
  const pkg = require('v86/package.json') as { version: string };
  return pkg.version;
}

/** Time limit for v86 to load its WASM module and firmware. */
const LOAD_TIMEOUT_MS = 60_000;

export class V86Machine {
  private emulatorObject: V86Emulator | undefined;
  private readonly runState: RunState;
  private readonly options: Partial<V86Options> & Record<string, unknown> = {};
  private readonly createdHooks: ((emulator: V86Emulator) => void | Promise<void>)[] = [];
  private readonly disposeHooks: (() => void | Promise<void>)[] = [];
  private disposed = false;
  /** Every command handler the backend's modules registered. */
  readonly handlers: CommandHandlers = {};

  constructor(
    readonly config: MachineConfig,
    readonly host: BackendHost,
  ) {
    this.runState = new RunState((event) => this.emit(event, {}));
  }

  /** The emulator; throws before `start()` has created it. */
  get emulator(): V86Emulator {
    if (!this.emulatorObject) throw new ProtocolError('GenericError', 'The v86 emulator is not running yet.');
    return this.emulatorObject;
  }

  /** True once the emulator object exists. */
  get created(): boolean {
    return this.emulatorObject !== undefined;
  }

  /** Adds command handlers (a later module's handler for the same command wins). */
  addHandlers(handlers: CommandHandlers): void {
    Object.assign(this.handlers, handlers);
  }

  /** Contributes v86 constructor options; only before `start()`. */
  addOptions(options: Partial<V86Options> & Record<string, unknown>): void {
    if (this.emulatorObject) throw new Error('v86 options can only be added before the emulator starts');
    Object.assign(this.options, options);
  }

  /** Runs `hook` once the emulator is loaded, before the guest starts. */
  onCreated(hook: (emulator: V86Emulator) => void | Promise<void>): void {
    this.createdHooks.push(hook);
  }

  /** Runs `hook` when the machine is disposed (before the emulator is destroyed). */
  onDispose(hook: () => void | Promise<void>): void {
    this.disposeHooks.push(hook);
  }

  /** Emits a protocol event through the host. Other modules may emit any event through `host.emit`. */
  emit<N extends EngineEventName>(name: N, data: EngineEventData<N>): void {
    this.host.emit(name, data);
  }

  /** Current run state. */
  status(): RunStateName {
    return this.runState.state;
  }

  /** True when the guest CPU is executing. */
  get running(): boolean {
    return this.runState.running;
  }

  /** Sets the run state; STOP/RESUME only when `report` is true and the guest stops or starts running. */
  setStatus(state: RunStateName, report = false): void {
    this.runState.set(state, { quiet: !report });
  }

  /** Makes the last STOP/RESUME sent agree with the state now (common/run-state.ts; after a snapshot job). */
  settleStatus(): void {
    this.runState.settle(this.runState.state);
  }

  /** Creates the emulator with every contributed option, runs the created hooks, starts the guest unless paused. */
  async start(): Promise<void> {
    ensureImageData();
    const { V86 } = await import('v86');
    const emulator = new V86({
      wasm_path: v86WasmPath(),
      memory_size: this.config.memoryMib * 1024 * 1024,
      vga_memory_size: 8 * 1024 * 1024,
      autostart: false,
      acpi: true,
      disable_speaker: true,
      ...this.options,
    } as V86Options) as V86Emulator;
    this.emulatorObject = emulator;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`v86 did not load within ${LOAD_TIMEOUT_MS / 1000} s`)), LOAD_TIMEOUT_MS);
      emulator.add_listener('emulator-loaded', () => {
        clearTimeout(timer);
        resolve();
      });
    });
    for (const hook of this.createdHooks) await hook(emulator);
    if (!this.config.paused) await this.resume({ emit: false });
  }

  /** Stops the CPU (waits for the current slice) and moves to `state` (STOP if it ran, unless `emit` is false). */
  async pause(state: RunStateName = 'paused', emit = true): Promise<void> {
    await this.haltCpu();
    this.runState.set(state, { quiet: !emit });
  }

  /** Starts the CPU and emits RESUME; refuses in states that need a reset first (common/run-state.ts). */
  async resume(options: { emit?: boolean } = {}): Promise<void> {
    const problem = continueProblem(this.runState.state);
    if (problem !== undefined) throw new ProtocolError('WrongState', problem);
    if (this.runState.running) return;
    this.runState.set('running', { quiet: options.emit === false });
    await this.emulator.run();
  }

  /** Stops the CPU without changing the run state (for work that needs a still guest). */
  async haltCpu(): Promise<void> {
    const emulator = this.emulatorObject;
    if (!emulator) return;
    const inner = emulator.v86;
    if (!inner.running) return;
    // The bound's timer is cleared either way: left running it would hold the engine open 5 s.
    let bound: NodeJS.Timeout | undefined;
    try {
      await Promise.race([emulator.stop(), new Promise((resolve) => (bound = setTimeout(resolve, 5000)))]);
    } finally {
      clearTimeout(bound);
    }
    // A faulted run loop never reaches its own stop: mark it stopped so run() can restart it.
    inner.running = false;
    inner.stopping = false;
  }

  /**
   * Reports an emulator fault: the CPU stops, status becomes `internal-error`, ENGINE_ERROR and
   * STOP are emitted. The engine stays up so the host can still answer and reset.
   */
  fault(reason: string): void {
    if (this.runState.state === 'internal-error') return;
    this.host.log(`v86 fault: ${reason}`);
    const inner = this.emulatorObject?.v86;
    if (inner) {
      inner.running = false;
      inner.stopping = false;
    }
    this.emit('ENGINE_ERROR', { reason: `The v86 emulator faulted: ${reason}. Reset the machine (system_reset) or restart it.`, fatal: false });
    this.runState.set('internal-error');
  }

  /** Stops the emulator and releases everything. Idempotent. */
  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    for (const hook of this.disposeHooks.reverse()) {
      try {
        await hook();
      } catch (error) {
        this.host.log(`v86 dispose: ${String(error)}`);
      }
    }
    const emulator = this.emulatorObject;
    if (!emulator) return;
    await this.haltCpu();
    try {
      await emulator.destroy();
    } catch (error) {
      this.host.log(`v86 destroy: ${String(error)}`);
    }
  }
}
