/**
 * The app core: the library and the engine supervisor behind the app API. It opens and closes
 * them, assembles the handler table from one group per API namespace (handlers/), and runs
 * every call: validated against the API schema here, whatever shell it came from, answered
 * with a result, never a throw. It publishes the API events.
 */
import { EventEmitter } from 'node:events';
import { Library } from '../../library/index.js';
import type { LibraryChange } from '../../library/index.js';
import { ControlServer, controlSocketPath } from '../control/control-server.js';
import { apiFailure, apiSuccess, isApiCommand } from '../../shared/protocol/api/index.js';
import type { ApiResult } from '../../shared/protocol/api/index.js';
import { checkApiArgs, checkApiValue, validateApiEvent } from '../../shared/protocol/api/client.js';
import type { ApiCallName, ApiClient, ApiEventMessage, ApiHandlers, ApiValue } from '../../shared/protocol/api/client.js';
import { Supervisor } from '../supervisor/index.js';
import { Owner } from '../../node/disposables.js';
import { toFailure } from './api-failure.js';
import { CoreError } from './core-error.js';
import { appHandlers } from './handlers/app.js';
import { diskHandlers } from './handlers/disks.js';
import { handlerContext } from './handlers/context.js';
import type { HandlerContext } from './handlers/context.js';
import { machineHandlers } from './handlers/machines.js';
import { qemuHandlers } from './handlers/qemu.js';
import { mediaHandlers } from './handlers/media.js';
import { snapshotHandlers } from './handlers/snapshots.js';
import { vmHandlers } from './handlers/vm.js';
import { SerialBacklog } from './serial-backlog.js';
import { libraryOpenWarnings, logOpenWarnings } from './open-warnings.js';
import { saveRunningMachines } from './saved-state.js';
import { SnapshotService } from './snapshot-service.js';
import { engineStateDir, startMachine } from './start-machine.js';
import type { EngineLauncher, EngineSession, VmStatus } from '../supervisor/index.js';
import type { QmpEvent } from '../../shared/protocol/envelope.js';

/** An API event as published to every shell. */
export type CoreEvent = ApiEventMessage;

export interface CoreOpenOptions {
  /** Library folder; defaults to HANGAR_HOME / the XDG data folder. */
  folder?: string;
  /** Watch media folders (off for short CLI runs). */
  watch?: boolean;
  launcher?: EngineLauncher;
  /** Serve the control socket (`<library>/control.sock`); default true. One-shot CLI runs turn it off. */
  controlSocket?: boolean;
}

/**
 * Whether the core checks its own replies and events against the API schema (development and
 * tests: `npm test` sets HANGAR_VALIDATE_API=1). A mismatch is a Hangar bug and is made loud.
 */
export function apiValidationEnabled(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.HANGAR_VALIDATE_API === '1' || env.NODE_ENV === 'development' || env.NODE_ENV === 'test';
}

export class HangarCore implements AsyncDisposable {
  /** The library, the supervisor and the control server: closed last opened first, each even if another fails. */
  private readonly owner = new Owner();
  private readonly events = new EventEmitter<{ event: [CoreEvent] }>();
  private readonly handlers: ApiHandlers;
  /** Replies and events are checked against the schema (apiValidationEnabled). */
  private readonly checkOutput = apiValidationEnabled();
  private readonly snapshots: SnapshotService;
  private readonly serialBacklog = new SerialBacklog();
  /** What the handlers work with (handlers/context.ts). */
  private readonly context: HandlerContext;
  private control: ControlServer | undefined;
  private closed = false;
  /** What opening the library fixed, undid or would not touch (logged once by `open`; `library.status`). */
  readonly openWarnings: readonly string[];

  constructor(
    readonly library: Library,
    readonly supervisor: Supervisor,
  ) {
    this.owner.use(library);
    this.owner.use(supervisor);
    this.openWarnings = libraryOpenWarnings(library);
    library.on('change', (change: LibraryChange) => {
      this.publish({
        event: 'LIBRARY_CHANGED',
        data: {
          entity: change.entity,
          action: change.action,
          ...(change.id !== undefined && change.id !== null ? { id: String(change.id) } : {}),
          ...(change.machineId !== undefined && change.machineId !== null ? { machineId: String(change.machineId) } : {}),
        },
      });
    });
    supervisor.on('engine-event', (id: string, event: QmpEvent) => {
      if (event.event !== 'SERIAL_OUTPUT') return;
      const data = (event.data as { data?: unknown } | null)?.data;
      if (typeof data !== 'string') return;
      this.serialBacklog.append(id, Buffer.from(data, 'base64'));
      this.publish({ event: 'SERIAL_OUTPUT', data: { id, data } });
    });
    supervisor.on('state', (id: string, status: VmStatus) => {
      // A fresh engine starts a fresh console.
      if (status.state === 'starting') this.serialBacklog.clear(id);
      this.publish({ event: 'MACHINE_STATE', data: { id, state: status.state, ...(status.reason ? { reason: status.reason } : {}) } });
    });
    this.snapshots = new SnapshotService({
      library,
      supervisor,
      progress: (data) => this.publish({ event: 'PROGRESS', data }),
      startPaused: async (machine) => void (await startMachine({ library, supervisor }, machine, { paused: true })),
      engineStateDir: (machineId) => this.engineStateDir(machineId),
    });
    this.context = handlerContext({
      library,
      supervisor,
      snapshots: this.snapshots,
      serialBacklog: this.serialBacklog,
      openWarnings: this.openWarnings,
      publish: (message) => this.publish(message),
    });
    this.handlers = this.buildHandlers();
  }

  /**
   * Opens the library (locked: one app per library) and a supervisor using its runtime folder,
   * and (unless `controlSocket: false`) serves the API on the library's control socket so other
   * `hangar` commands reach this instance.
   */
  static async open(options: CoreOpenOptions = {}): Promise<HangarCore> {
    const library = await Library.open(options.folder, { lock: true, reconcile: 'repair', watch: options.watch ?? false });
    const supervisor = new Supervisor({ runtimeDir: library.layout.ensureRuntimeFolder(), ...(options.launcher ? { launcher: options.launcher } : {}) });
    const core = new HangarCore(library, supervisor);
    // Say what open fixed or undid (permissions, an interrupted create or delete) and what it would not touch.
    logOpenWarnings(core.openWarnings);
    if (options.controlSocket ?? true) {
      try {
        core.control = core.owner.use(await ControlServer.listen(controlSocketPath(library.layout.root), core));
      } catch (error) {
        // The app works without it; other `hangar` commands then say the library is locked.
        console.warn(`hangar: no control socket: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    return core;
  }

  /** Path of the control socket this core serves, when it serves one. */
  get controlSocket(): string | undefined {
    return this.control?.path;
  }

  /** Runs one API command: unknown names and bad arguments answer InvalidArgument. */
  async call(name: unknown, args: unknown): Promise<ApiResult<unknown>> {
    if (this.closed) return apiFailure('Unavailable', 'The app is shutting down.');
    // The name is client-chosen: never echo a non-string (stringifying a deeply nested value overflows the stack) or a long one.
    if (typeof name !== 'string') return apiFailure('InvalidArgument', `The command name (call) must be a string, not ${name === null ? 'null' : Array.isArray(name) ? 'an array' : typeof name}.`);
    if (!isApiCommand(name)) return apiFailure('InvalidArgument', `Unknown command ${JSON.stringify(name.length > 80 ? `${name.slice(0, 80)}…` : name)}.`);
    return this.dispatch(name, args);
  }

  /** The core as a typed API client, for callers in this process (the CLI's local connection, tests). */
  get api(): ApiClient {
    return { call: (name, args) => this.dispatch(name, args), subscribe: (listener) => this.subscribe(listener) };
  }

  /** Checks the arguments, runs the handler, and (when checking) the reply against the schema. */
  private async dispatch<N extends ApiCallName>(name: N, args: unknown): Promise<ApiResult<ApiValue<N>>> {
    if (this.closed) return apiFailure('Unavailable', 'The app is shutting down.');
    const checked = checkApiArgs(name, args ?? {});
    if (!checked.ok) return apiFailure('InvalidArgument', `${name}: ${checked.issue.path} ${checked.issue.message}.`);
    let value: ApiValue<N>;
    try {
      const handler: ApiHandlers[N] = this.handlers[name];
      value = await handler(checked.value);
    } catch (error) {
      return toFailure(error);
    }
    if (this.checkOutput) {
      const reply = checkApiValue(name, value);
      if (!reply.ok) {
        const desc = `The app's answer to ${name} does not match the API (${reply.issue.path} ${reply.issue.message}). This is a bug in Hangar; please report it with this message.`;
        console.error(`hangar: ${desc}`);
        return apiFailure('EngineFailed', desc);
      }
    }
    return apiSuccess(value);
  }

  /** Subscribes to every API event; returns the unsubscribe function. */
  subscribe(listener: (event: CoreEvent) => void): () => void {
    this.events.on('event', listener);
    return () => this.events.off('event', listener);
  }

  /** The engine session of a running machine (for display channels). */
  engineSession(idOrName: string): EngineSession | undefined {
    const machine = this.context.findMachine(idOrName);
    return machine ? this.supervisor.session(machine.id) : undefined;
  }

  /**
   * Stops every engine and closes the library. With the setting `app.quitAction` = "save", each
   * running machine's state is first saved as a snapshot its next start resumes from;
   * otherwise machines are powered off. No engine outlives the core.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    await saveRunningMachines(this.context);
    this.closed = true;
    // The control server first (no new calls), then every engine, then the library.
    await this.owner.dispose();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  private publish(message: ApiEventMessage): void {
    if (this.checkOutput) {
      const checked = validateApiEvent(message);
      // Thrown where the event was made (a handler answers with the failure; an engine event fails the test run).
      if (!checked.ok) throw new Error(`Hangar bug: the ${message.event} event does not match the API (${checked.issue.path} ${checked.issue.message}).`);
    }
    this.events.emit('event', message);
  }

  /** The folder a machine's engine keeps persistent state in (snapshot files, disk overlays). */
  engineStateDir(machineId: string): string {
    return engineStateDir(this.library, machineId);
  }

  /**
   * The handler table, one group per API namespace (handlers/). Typed as the whole table: a
   * namespace without its group fails to compile, as does a group missing one of its calls.
   */
  private buildHandlers(): ApiHandlers {
    const context = this.context;
    return {
      ...machineHandlers(context),
      ...mediaHandlers(context),
      ...vmHandlers(context),
      ...snapshotHandlers(context),
      ...appHandlers(context),
      ...diskHandlers(context),
      ...qemuHandlers(),
    };
  }
}

export { CoreError, toFailure };
export { onCloseSetting, savedStateName } from './saved-state.js';
