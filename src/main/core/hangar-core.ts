/**
 * The app core: the library and the engine supervisor behind the app API. Every call is
 * validated against the API schema here, whatever shell it came from, and answers with a
 * result, never a throw.
 */
import { EventEmitter } from 'node:events';
import { accessSync, constants, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';
import { Library, LibraryError, inspectDiskImage, proposeMachine, slotKindProblem } from '../../library/index.js';
import type { LibraryChange, Machine, MachineInput, MachinePatch, Media } from '../../library/index.js';
import { ControlServer, controlSocketPath } from '../control/control-server.js';
import { apiFailure, apiSuccess, isApiCommand } from '../../shared/protocol/api/index.js';
import type { ApiArgs, ApiErrorClass, ApiResult, MachineViewValue } from '../../shared/protocol/api/index.js';
import { checkApiArgs, checkApiValue, validateApiEvent } from '../../shared/protocol/api/client.js';
import type { ApiCallName, ApiClient, ApiEventMessage, ApiHandlers, ApiValue } from '../../shared/protocol/api/client.js';
import type { DriveSlotName } from '../../shared/protocol/enums.js';
import type { EngineCommandName, EngineReturn } from '../../shared/protocol/engine/index.js';
import { checkEngineReturn } from '../../shared/protocol/engine/replies.js';
import { checkName } from '../../shared/names.js';
import { EngineCommandError, Supervisor, defaultCommandTimeoutMs } from '../supervisor/index.js';
import { readEngineLog } from '../supervisor/engine-log.js';
import { CoreError } from './core-error.js';
import { assertDisksUsable, checkMachineDisks } from './disk-check.js';
import { SerialBacklog } from './serial-backlog.js';
import { libraryOpenWarnings, logOpenWarnings } from './open-warnings.js';
import { SnapshotService } from './snapshot-service.js';
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

export class HangarCore {
  private readonly events = new EventEmitter<{ event: [CoreEvent] }>();
  private readonly handlers: ApiHandlers;
  /** Replies and events are checked against the schema (apiValidationEnabled). */
  private readonly checkOutput = apiValidationEnabled();
  private readonly snapshots: SnapshotService;
  private readonly serialBacklog = new SerialBacklog();
  private control: ControlServer | undefined;
  private closed = false;
  /** What opening the library fixed, undid or would not touch (logged once by `open`; `library.status`). */
  readonly openWarnings: readonly string[];

  constructor(
    readonly library: Library,
    readonly supervisor: Supervisor,
  ) {
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
      startPaused: async (machine) => void (await this.startMachine(machine, { paused: true })),
      engineStateDir: (machineId) => this.engineStateDir(machineId),
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
        core.control = await ControlServer.listen(controlSocketPath(library.layout.root), core);
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
    const machine = this.findMachine(idOrName);
    return machine ? this.supervisor.session(machine.id) : undefined;
  }

  /**
   * Stops every engine and closes the library. With the setting `app.quitAction` = "save", each
   * running machine's state is first saved as a snapshot its next start resumes from;
   * otherwise machines are powered off. No engine outlives the core.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    await this.saveRunningMachines();
    this.closed = true;
    await this.control?.close();
    await this.supervisor.shutdown();
    await this.library.close();
  }

  private async saveRunningMachines(): Promise<void> {
    if (this.library.settings.get<unknown>(onCloseSetting, 'poweroff') !== 'save') return;
    for (const id of this.supervisor.active()) {
      const state = this.supervisor.status(id).state;
      if (state !== 'running' && state !== 'paused') continue;
      const machine = attempt(() => this.library.machines.get(id));
      if (!machine) continue;
      try {
        const saved = await this.snapshots.take(machine, { id, name: savedStateName, description: 'The machine\'s state when Hangar closed; its next start resumes from here.' });
        this.library.settings.set(savedStateKey(id), saved.id);
      } catch (error) {
        // Saving failed (an engine without snapshot support, a full disk): it is powered off like before.
        console.warn(`hangar: could not save "${machine.name}" on close: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  }

  private publish(message: ApiEventMessage): void {
    if (this.checkOutput) {
      const checked = validateApiEvent(message);
      // Thrown where the event was made (a handler answers with the failure; an engine event fails the test run).
      if (!checked.ok) throw new Error(`Hangar bug: the ${message.event} event does not match the API (${checked.issue.path} ${checked.issue.message}).`);
    }
    this.events.emit('event', message);
  }

  private findMachine(idOrName: string): Machine | undefined {
    return this.library.machines.findByName(idOrName) ?? attempt(() => this.library.machines.get(idOrName));
  }

  private machine(idOrName: string): Machine {
    const machine = this.findMachine(idOrName);
    if (!machine) throw new CoreError('NotFound', `No machine is called or has the id "${idOrName}"; \`hangar list\` shows them.`);
    return machine;
  }

  private view(machine: Machine): MachineViewValue {
    const status = this.supervisor.status(machine.id);
    const qmpSocket = this.supervisor.qmpSocket(machine.id);
    return {
      ...machine,
      state: status.state,
      ...(status.reason ? { reason: status.reason } : {}),
      ...(qmpSocket ? { qmpSocket } : {}),
    } as MachineViewValue;
  }

  /** The folder a machine's engine keeps persistent state in (snapshot files, disk overlays). */
  engineStateDir(machineId: string): string {
    return join(this.library.layout.machineFolder(machineId), 'engine');
  }

  /** Starts a machine's engine as configured (paused: for restoring a snapshot into it). */
  private async startMachine(machine: Machine, options: { paused?: boolean } = {}): Promise<void> {
    const mediaPath = (mediaId: string | null): string | undefined => (mediaId ? attempt(() => this.library.media.get(mediaId))?.path : undefined);
    const cdrom = mediaPath(machine.drives.cd0);
    const floppy = mediaPath(machine.drives.fd0);
    const disk = machine.disks[0]?.path;
    for (const [what, path] of [['CD image', cdrom], ['floppy image', floppy], ['hard disk image', disk]] as const) {
      if (path !== undefined && !existsSync(path)) {
        throw new CoreError('InvalidArgument', `The ${what} ${path} of "${machine.name}" is missing: put the file back, or change the machine's drives.`);
      }
    }
    // A damaged disk is refused here, with the command that checks and repairs it (disk-check.ts).
    await assertDisksUsable(machine);
    const stateDir = this.engineStateDir(machine.id);
    mkdirSync(stateDir, { recursive: true, mode: 0o700 });
    const engineOptions: Record<string, unknown> = {};
    if (machine.speedLimitMips) engineOptions.speedLimitMips = machine.speedLimitMips;
    if (machine.engine === 'qemu') {
      if (machine.forceTcg) engineOptions.accelerator = 'tcg';
      if (machine.displayDevice !== 'std') engineOptions.display = machine.displayDevice;
      // The agent clipboard (qemu-vdagent) is attached only when the machine shares its clipboard.
      if (machine.clipboardMode !== 'off') engineOptions.clipboard = true;
    }
    await this.supervisor.start(machine.id, {
      engine: machine.engine,
      memoryMib: machine.memoryMib,
      ...(machine.engine === 'qemu' ? { cpus: machine.cpus } : {}),
      ...(cdrom ? { cdrom } : {}),
      ...(floppy ? { floppy } : {}),
      ...(disk ? { disk, diskFormat: machine.disks[0]?.format } : {}),
      boot: machine.bootOrder,
      stateDir,
      logFile: this.library.layout.logFile(machine.id, 'engine'),
      ...(options.paused ? { paused: true } : {}),
      ...(Object.keys(engineOptions).length > 0 ? { options: engineOptions } : {}),
    });
  }

  private running(idOrName: string): string {
    const machine = this.machine(idOrName);
    if (!this.supervisor.isActive(machine.id)) throw new CoreError('Unavailable', `"${machine.name}" is not running; start it first.`);
    return machine.id;
  }

  private buildHandlers(): ApiHandlers {
    const exec = (id: string, command: string, args: Record<string, unknown> = {}, timeoutMs?: number): Promise<unknown> =>
      this.supervisor.execute(this.running(id), command, args, timeoutMs);
    // An engine reply the API hands on in its own shape is read through the engine protocol's schema.
    const query = async <C extends EngineCommandName>(id: string, command: C, args: Record<string, unknown> = {}): Promise<EngineReturn<C>> => {
      const reply = checkEngineReturn(command, await exec(id, command, args));
      if (!reply.ok) throw new CoreError('EngineFailed', `The engine's answer to ${command} is not what the engine protocol says (${reply.issue.path} ${reply.issue.message}); see the engine log (hangar logs NAME).`);
      return reply.value;
    };
    return {
      'machines.list': () => this.library.machines.list().map((summary) => this.view(this.machine(summary.id))),
      'machines.get': (args: ApiArgs<'machines.get'>) => this.view(this.machine(args.id)),
      'machines.create': (args: ApiArgs<'machines.create'>) => this.createMachine(args),
      'os.list': () => this.library.osCatalog().all(),
      'library.status': () => ({ folder: this.library.layout.root, warnings: [...this.openWarnings] }),
      'engines.query': () => {
        const qemuPath = findOnPath('qemu-system-x86_64');
        return { v86Available: true, qemuAvailable: qemuPath !== undefined, ...(qemuPath ? { qemuPath } : {}) };
      },
      'machines.update': (args: ApiArgs<'machines.update'>) => {
        const machine = this.machine(args.id);
        const { speedLimitMips, ...rest } = args.patch;
        const patch: MachinePatch = { ...rest };
        if (speedLimitMips !== undefined) patch.speedLimitMips = speedLimitMips === 0 ? null : speedLimitMips;
        return this.view(this.library.machines.update(machine.id, patch));
      },
      'machines.delete': (args: ApiArgs<'machines.delete'>) => {
        const machine = this.machine(args.id);
        if (this.supervisor.isActive(machine.id)) throw new CoreError('Conflict', `"${machine.name}" is running; power it off before deleting it.`);
        this.library.machines.delete(machine.id, { keepFiles: args.keepFiles ?? false });
        if (this.library.settings.get<unknown>(savedStateKey(machine.id), null) !== null) this.library.settings.delete(savedStateKey(machine.id));
        return { id: machine.id };
      },
      'media.list': () => this.library.media.list(),
      'media.add': (args: ApiArgs<'media.add'>) => this.library.media.add(checkFile(args.path)),
      'os.detect': async (args: ApiArgs<'os.detect'>) => {
        const detection = await this.library.detectOs(checkFile(args.path));
        return { detection, proposal: proposeMachine(detection) };
      },
      'vm.start': async (args: ApiArgs<'vm.start'>) => {
        const machine = this.machine(args.id);
        if (this.supervisor.isActive(machine.id)) throw new CoreError('Conflict', `"${machine.name}" is already running.`);
        // A machine saved when the app closed resumes where it was (once); otherwise it boots.
        const saved = this.library.settings.get(savedStateKey(machine.id), null);
        if (typeof saved === 'string') {
          this.library.settings.delete(savedStateKey(machine.id));
          if (attempt(() => this.library.snapshots.get(saved))?.machineId === machine.id) {
            try {
              await this.snapshots.restore(machine, saved);
              return this.view(this.machine(machine.id));
            } catch (error) {
              console.warn(`hangar: could not resume "${machine.name}" from its saved state, booting it instead: ${error instanceof Error ? error.message : String(error)}`);
            }
          }
        }
        await this.startMachine(machine);
        return this.view(machine);
      },
      'vm.pause': async (args: ApiArgs<'vm.pause'>) => (await exec(args.id, 'stop'), {}),
      'vm.resume': async (args: ApiArgs<'vm.resume'>) => (await exec(args.id, 'cont'), {}),
      'vm.reset': async (args: ApiArgs<'vm.reset'>) => (await exec(args.id, 'system_reset'), {}),
      'vm.powerdown': async (args: ApiArgs<'vm.powerdown'>) => (await exec(args.id, 'system_powerdown'), {}),
      'vm.poweroff': async (args: ApiArgs<'vm.poweroff'>) => (await this.supervisor.stop(this.running(args.id)), {}),
      // Only the API's fields: QEMU adds others (singlestep) that the API's answer does not have.
      'vm.status': async (args: ApiArgs<'vm.status'>) => {
        const { status, running } = await query(args.id, 'query-status');
        return { status, running };
      },
      'vm.eject': async (args: ApiArgs<'vm.eject'>) => (await exec(args.id, 'eject', { id: args.slot, ...(args.force ? { force: true } : {}) }), {}),
      'vm.insert': async (args: ApiArgs<'vm.insert'>) => {
        // By kind: an ISO is never inserted as a writable floppy, nor a floppy image as a CD.
        const problem = slotKindProblem(checkFile(args.path), args.slot);
        if (problem) throw new CoreError('InvalidArgument', problem);
        return (await exec(args.id, 'blockdev-change-medium', { id: args.slot, filename: args.path }), {});
      },
      'vm.send-keys': async (args: ApiArgs<'vm.send-keys'>) => (await exec(args.id, 'send-key', { keys: args.keys.map((key) => ({ type: 'qcode', data: key })) }), {}),
      // The engine replies once every key is typed (about 10 ms each), so the timeout grows with the text.
      'vm.type-text': (args: ApiArgs<'vm.type-text'>) => exec(args.id, 'input-type-text', { text: args.text }, defaultCommandTimeoutMs + args.text.length * 50),
      'vm.thumbnail': async (args: ApiArgs<'vm.thumbnail'>) => ({ png: (await this.snapshots.screenThumbnail(this.running(args.id), args.maxWidth ?? 160)).toString('base64') }),
      'vm.speed-limit': async (args: ApiArgs<'vm.speed-limit'>) => {
        const machine = this.machine(args.id);
        if (this.supervisor.isActive(machine.id)) await this.supervisor.execute(machine.id, 'set-speed-limit', { mips: args.mips });
        this.library.machines.update(machine.id, { speedLimitMips: args.mips === 0 ? null : args.mips });
        return {};
      },
      'vm.clipboard-mode': (args: ApiArgs<'vm.clipboard-mode'>) => {
        const machine = this.machine(args.id);
        this.library.machines.update(machine.id, { clipboardMode: args.mode });
        return {};
      },
      'snapshots.list': (args: ApiArgs<'snapshots.list'>) => this.snapshots.list(this.machine(args.id)),
      'snapshots.take': (args: ApiArgs<'snapshots.take'>) => this.snapshots.take(this.machine(args.id), args),
      'snapshots.restore': async (args: ApiArgs<'snapshots.restore'>) => (await this.snapshots.restore(this.machine(args.id), args.snapshotId), {}),
      'snapshots.delete': async (args: ApiArgs<'snapshots.delete'>) => (await this.snapshots.delete(this.machine(args.id), args.snapshotId), {}),
      'snapshots.inspect': (args: ApiArgs<'snapshots.inspect'>) => this.snapshots.inspect(this.machine(args.id), args.snapshotId),
      'snapshots.update': (args: ApiArgs<'snapshots.update'>) => {
        const machine = this.machine(args.id);
        const snapshot = this.snapshots.find(machine, args.snapshotId);
        return this.snapshots.view(this.library.snapshots.update(snapshot.id, { ...(args.name !== undefined ? { name: args.name } : {}), ...(args.description !== undefined ? { description: args.description } : {}) }));
      },
      'snapshots.thumbnail': (args: ApiArgs<'snapshots.thumbnail'>) => this.snapshots.thumbnail(this.machine(args.id), args.snapshotId),
      'media.remove': (args: ApiArgs<'media.remove'>) => {
        const media = this.library.media.findByPath(resolve(args.id)) ?? attempt(() => this.library.media.get(args.id));
        if (!media) throw new CoreError('NotFound', `No media has the id or path "${args.id}"; \`hangar media list\` shows them.`);
        this.library.media.remove(media.id);
        return {};
      },
      'folders.list': () => this.library.media.folders(),
      'folders.add': (args: ApiArgs<'folders.add'>) => this.library.addWatchedFolder(resolve(args.path)),
      'folders.remove': async (args: ApiArgs<'folders.remove'>) => {
        const folder = this.library.media.folders().find((entry) => entry.path === resolve(args.path));
        if (!folder) throw new CoreError('NotFound', `${resolve(args.path)} is not a watched folder.`);
        await this.library.removeWatchedFolder(folder.id);
        return {};
      },
      'vm.screenshot': async (args: ApiArgs<'vm.screenshot'>) => {
        const folder = mkdtempSync(join(tmpdir(), 'hangar-shot-'));
        try {
          const filename = join(folder, 'screen.png');
          await exec(args.id, 'screendump', { filename });
          return { png: readFileSync(filename).toString('base64') };
        } finally {
          rmSync(folder, { recursive: true, force: true });
        }
      },
      'vm.execute': (args: ApiArgs<'vm.execute'>) => exec(args.id, args.command, args.arguments ?? {}),
      'vm.serial-write': (args: ApiArgs<'vm.serial-write'>) => {
        if (args.format === 'base64' && !isBase64(args.data)) throw new CoreError('InvalidArgument', 'data is not valid base64; send the bytes base64-encoded, or use format "utf8" for text.');
        return query(args.id, 'serial-write', { data: args.data, ...(args.format ? { format: args.format } : {}) });
      },
      'vm.serial-backlog': (args: ApiArgs<'vm.serial-backlog'>) => ({ data: this.serialBacklog.get(this.machine(args.id).id).toString('base64') }),
      'machines.set-drive': (args: ApiArgs<'machines.set-drive'>) => this.setDrive(args),
      'machines.check-disk': (args: ApiArgs<'machines.check-disk'>) => {
        const machine = this.machine(args.id);
        return checkMachineDisks(machine, args, this.supervisor.isActive(machine.id));
      },
      'machines.logs': (args: ApiArgs<'machines.logs'>) => readEngineLog(this.library.layout.logFile(this.machine(args.id).id, 'engine'), args.lines),
      'settings.get': (args: ApiArgs<'settings.get'>) => ({ key: args.key, value: this.library.settings.get(args.key, null) }),
      'settings.set': (args: ApiArgs<'settings.set'>) => (this.library.settings.set(args.key, args.value as never), {}),
    };
  }

  private async createMachine(args: ApiArgs<'machines.create'>): Promise<MachineViewValue> {
    const { cdrom, floppy, speedLimitMips, diskMib, diskPath, ...config } = args;
    // The name first: a refused name must not leave media rows or disks behind.
    const named = checkName(config.name, 'machine');
    if (!named.ok) throw new CoreError('InvalidArgument', named.error);
    if (diskMib !== undefined && diskPath !== undefined) throw new CoreError('InvalidArgument', 'Give either diskMib (a new disk) or diskPath (an existing one), not both.');
    const existingDisk = diskPath !== undefined ? await this.inspectDisk(checkFile(resolve(diskPath))) : undefined;
    const cdMedia = cdrom ? this.library.media.findByPath(checkFile(cdrom)) ?? this.library.media.add(cdrom) : undefined;
    const fdMedia = floppy ? this.library.media.findByPath(checkFile(floppy)) ?? this.library.media.add(floppy) : undefined;
    const input: MachineInput = { osId: 'other', ...config };
    if (speedLimitMips) input.speedLimitMips = speedLimitMips;
    if (!config.bootOrder) input.bootOrder = cdMedia ? ['cdrom', 'disk'] : fdMedia ? ['floppy', 'disk'] : ['disk', 'cdrom'];
    // One atomic create (folder, disk, rows together or nothing): a crash or a failed disk leaves no half-made machine.
    let machineId: string | undefined;
    const progress = (fraction: number, done: boolean, error?: string): void => {
      if (machineId !== undefined) this.publish({ event: 'PROGRESS', data: { machineId, operation: 'disk-create', fraction, done, ...(error ? { error } : {}) } });
    };
    let machine: Machine;
    try {
      machine = await this.library.createMachine(input, {
        drives: { cd0: cdMedia?.id ?? null, fd0: fdMedia?.id ?? null },
        disks: existingDisk ? [existingDisk] : [],
        ...(diskMib !== undefined ? { newDisk: { format: 'qcow2' as const, sizeBytes: diskMib * 1024 * 1024 } } : {}),
        onProgress: (id, fraction) => {
          machineId = id;
          progress(Math.min(1, Math.max(0, fraction)), false);
        },
      });
    } catch (error) {
      progress(1, true, error instanceof Error ? error.message : String(error));
      throw error;
    }
    progress(1, true);
    return this.view(this.machine(machine.id));
  }

  /**
   * Puts media in (or empties) a drive: checks the medium first, changes it in a running engine,
   * and stores the drive row only when the engine took it, so the two never disagree.
   */
  private async setDrive(args: ApiArgs<'machines.set-drive'>): Promise<MachineViewValue> {
    const machine = this.machine(args.id);
    const media = args.path === null ? null : this.driveMedia(args.path, args.slot);
    if (this.supervisor.isActive(machine.id)) {
      if (media) await this.supervisor.execute(machine.id, 'blockdev-change-medium', { id: args.slot, filename: media.path });
      else await this.ejectRunning(machine.id, args.slot);
    }
    this.library.machines.setDrive(machine.id, args.slot, media?.id ?? null);
    return this.view(this.machine(machine.id));
  }

  /** The media row for a set-drive argument (a media id or a file path), checked for the slot. */
  private driveMedia(reference: unknown, slot: DriveSlotName): Media {
    if (typeof reference !== 'string' || reference.length === 0) throw new CoreError('InvalidArgument', 'path must be a media file path, a media id, or null to empty the drive.');
    const known = attempt(() => this.library.media.get(reference));
    const path = known?.path ?? resolve(reference);
    let stat;
    try {
      stat = statSync(path);
    } catch {
      throw new CoreError('InvalidArgument', `${path} does not exist${known ? ' any more (the media library lists it as missing)' : ''}; choose an existing image file.`);
    }
    if (stat.isDirectory()) throw new CoreError('InvalidArgument', `${path} is a folder; choose an image file inside it.`);
    if (!stat.isFile()) throw new CoreError('InvalidArgument', `${path} is not a regular file; choose an image file.`);
    if (stat.size === 0) throw new CoreError('InvalidArgument', `${path} is empty (0 bytes); choose an image file with content.`);
    const media = this.library.media.findByPath(path) ?? this.library.media.add(path);
    const wanted = slot === 'cd0' ? 'iso' : 'floppy';
    if (media.kind !== wanted) {
      throw new CoreError('InvalidArgument', `${path} is a ${media.kind} image; the ${slot === 'cd0' ? 'CD drive takes CD/DVD images (.iso)' : 'floppy drive takes floppy images (.img of a floppy size, .ima, .flp, .vfd)'}.`);
    }
    return media;
  }

  /** Ejects a running machine's medium; an already-empty drive is fine. */
  private async ejectRunning(machineId: string, slot: DriveSlotName): Promise<void> {
    try {
      await this.supervisor.execute(machineId, 'eject', { id: slot, force: true });
    } catch (error) {
      const devices = (await this.supervisor.execute(machineId, 'query-block').catch(() => [])) as { qdev?: string; inserted?: unknown }[];
      const drive = devices.find((device) => device.qdev === slot);
      if (drive && drive.inserted === undefined) return;
      throw error;
    }
  }

  /** An existing disk image's format and size (qemu-img info), for attaching it. */
  private async inspectDisk(path: string): Promise<{ path: string; format: 'raw' | 'qcow2'; sizeBytes: number }> {
    const info = await inspectDiskImage(path);
    if (info.format !== 'raw' && info.format !== 'qcow2') throw new CoreError('InvalidArgument', `${path} is a ${info.format} image; Hangar attaches raw and qcow2 disks (convert it with qemu-img convert).`);
    return { path, format: info.format, sizeBytes: info.virtualSizeBytes };
  }
}

export { CoreError };

/**
 * Setting: what closing the app does with running machines (shared with the Electron quit path,
 * src/main/electron/quit.ts): "save" keeps their state for the next start; anything else powers
 * them off here (the Electron shell may have shut them down gracefully before).
 */
export const onCloseSetting = 'app.quitAction';
/** Name of the snapshot that holds a machine's state saved on close. */
export const savedStateName = 'Saved when Hangar closed';
/** Setting holding the snapshot a machine resumes from at its next start. */
function savedStateKey(machineId: string): string {
  return `machine.${machineId}.resumeSnapshot`;
}

/** The value, or undefined when the lookup throws (the library throws NotFound). */
function attempt<T>(lookup: () => T): T | undefined {
  try {
    return lookup();
  } catch {
    return undefined;
  }
}

/** The full path of an executable found on PATH, or undefined. */
function findOnPath(name: string): string | undefined {
  for (const folder of (process.env.PATH ?? '').split(delimiter)) {
    if (!folder) continue;
    const candidate = join(folder, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // Not here.
    }
  }
  return undefined;
}

/** Whether `text` is canonical base64 (what Buffer would decode without dropping anything). */
function isBase64(text: string): boolean {
  return /^[A-Za-z0-9+/]*={0,2}$/.test(text) && text.length % 4 === 0;
}

function checkFile(path: string): string {
  let isFile = false;
  try {
    isFile = statSync(path).isFile();
  } catch {
    throw new CoreError('InvalidArgument', `${path} does not exist or cannot be read.`);
  }
  if (!isFile) throw new CoreError('InvalidArgument', `${path} is not a regular file.`);
  return path;
}

const libraryClasses: Record<string, ApiErrorClass> = {
  InvalidInput: 'InvalidArgument',
  NotFound: 'NotFound',
  Duplicate: 'Conflict',
  Locked: 'Conflict',
  Corrupt: 'Unavailable',
  NewerSchema: 'NotSupported',
  ToolMissing: 'Unavailable',
  IoError: 'Unavailable',
};
const engineClasses: Record<string, ApiErrorClass> = {
  Timeout: 'Timeout',
  Unavailable: 'Unavailable',
  Conflict: 'Conflict',
  EngineFailed: 'EngineFailed',
  CommandNotFound: 'NotSupported',
  NotSupported: 'NotSupported',
  DeviceNotFound: 'NotFound',
};

/** Maps any error to an API failure with the right class. */
export function toFailure(error: unknown): { ok: false; error: { class: ApiErrorClass; desc: string } } {
  if (error instanceof CoreError) return apiFailure(error.errorClass, error.message);
  if (error instanceof LibraryError) return apiFailure(libraryClasses[error.class] ?? 'Unavailable', error.message);
  if (error instanceof EngineCommandError) return apiFailure(engineClasses[error.errorClass] ?? 'EngineFailed', error.message);
  return apiFailure('EngineFailed', error instanceof Error ? error.message : String(error));
}
