/**
 * The app core: the library and the engine supervisor behind the app API. Every call is
 * validated against the API schema here, whatever shell it came from, and answers with a
 * result, never a throw.
 */
import { EventEmitter } from 'node:events';
import { accessSync, constants, existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { Library, LibraryError, proposeMachine } from '../../library/index.js';
import type { LibraryChange, Machine, MachineInput, MachinePatch } from '../../library/index.js';
import { apiCommands, apiFailure, apiSuccess, isApiCommand } from '../../shared/protocol/api/index.js';
import type { ApiArgs, ApiErrorClass, ApiEventData, ApiEventName, ApiResult, MachineViewValue } from '../../shared/protocol/api/index.js';
import { validate } from '../../shared/protocol/schema.js';
import { EngineCommandError, Supervisor, defaultCommandTimeoutMs } from '../supervisor/index.js';
import type { EngineLauncher, EngineSession, VmStatus } from '../supervisor/index.js';

/** An API event as published to every shell. */
export type CoreEvent = { [N in ApiEventName]: { event: N; data: ApiEventData<N> } }[ApiEventName];

export interface CoreOpenOptions {
  /** Library folder; defaults to HANGAR_HOME / the XDG data folder. */
  folder?: string;
  /** Watch media folders (off for short CLI runs). */
  watch?: boolean;
  launcher?: EngineLauncher;
}

type Handler = (args: never) => Promise<unknown> | unknown;

export class HangarCore {
  private readonly events = new EventEmitter<{ event: [CoreEvent] }>();
  private readonly handlers: Record<string, Handler>;
  private closed = false;

  constructor(
    readonly library: Library,
    readonly supervisor: Supervisor,
  ) {
    library.on('change', (change: LibraryChange) => {
      const data: Record<string, unknown> = { entity: change.entity, action: change.action };
      if (change.id !== undefined && change.id !== null) data.id = String(change.id);
      if (change.machineId !== undefined && change.machineId !== null) data.machineId = String(change.machineId);
      this.publish('LIBRARY_CHANGED', data);
    });
    supervisor.on('state', (id: string, status: VmStatus) => {
      this.publish('MACHINE_STATE', { id, state: status.state, ...(status.reason ? { reason: status.reason } : {}) });
    });
    this.handlers = this.buildHandlers();
  }

  /** Opens the library (locked: one app per library) and a supervisor using its runtime folder. */
  static async open(options: CoreOpenOptions = {}): Promise<HangarCore> {
    const library = await Library.open(options.folder, { lock: true, reconcile: 'repair', watch: options.watch ?? false });
    const supervisor = new Supervisor({ runtimeDir: library.layout.ensureRuntimeFolder(), ...(options.launcher ? { launcher: options.launcher } : {}) });
    return new HangarCore(library, supervisor);
  }

  /** Runs one API command: unknown names and bad arguments answer InvalidArgument. */
  async call(name: unknown, args: unknown): Promise<ApiResult<unknown>> {
    if (this.closed) return apiFailure('Unavailable', 'The app is shutting down.');
    if (!isApiCommand(name)) return apiFailure('InvalidArgument', `Unknown command ${JSON.stringify(name)}.`);
    const checked = validate(apiCommands[name].args, args ?? {});
    if (!checked.ok) return apiFailure('InvalidArgument', `${name}: ${checked.issue.path} ${checked.issue.message}.`);
    try {
      const handler = this.handlers[name] as Handler;
      return apiSuccess(await handler(checked.value as never));
    } catch (error) {
      return toFailure(error);
    }
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

  /** Stops every engine and closes the library. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.supervisor.shutdown();
    await this.library.close();
  }

  private publish(event: ApiEventName, data: Record<string, unknown>): void {
    this.events.emit('event', { event, data } as CoreEvent);
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
    return {
      ...machine,
      state: status.state,
      ...(status.reason ? { reason: status.reason } : {}),
    } as MachineViewValue;
  }

  private running(idOrName: string): string {
    const machine = this.machine(idOrName);
    if (!this.supervisor.isActive(machine.id)) throw new CoreError('Unavailable', `"${machine.name}" is not running; start it first.`);
    return machine.id;
  }

  private buildHandlers(): Record<keyof typeof apiCommands, Handler> {
    const exec = (id: string, command: string, args: Record<string, unknown> = {}, timeoutMs?: number): Promise<unknown> =>
      this.supervisor.execute(this.running(id), command, args, timeoutMs);
    return {
      'machines.list': () => this.library.machines.list().map((summary) => this.view(this.machine(summary.id))),
      'machines.get': (args: ApiArgs<'machines.get'>) => this.view(this.machine(args.id)),
      'machines.create': (args: ApiArgs<'machines.create'>) => this.createMachine(args),
      'os.list': () => this.library.osCatalog().all(),
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
        const mediaPath = (mediaId: string | null): string | undefined => (mediaId ? attempt(() => this.library.media.get(mediaId))?.path : undefined);
        const cdrom = mediaPath(machine.drives.cd0);
        const floppy = mediaPath(machine.drives.fd0);
        const disk = machine.disks[0]?.path;
        for (const [what, path] of [['CD image', cdrom], ['floppy image', floppy], ['hard disk image', disk]] as const) {
          if (path !== undefined && !existsSync(path)) {
            throw new CoreError('InvalidArgument', `The ${what} ${path} of "${machine.name}" is missing: put the file back, or change the machine's drives.`);
          }
        }
        await this.supervisor.start(machine.id, {
          engine: machine.engine,
          memoryMib: machine.memoryMib,
          ...(machine.engine === 'qemu' ? { cpus: machine.cpus } : {}),
          ...(cdrom ? { cdrom } : {}),
          ...(floppy ? { floppy } : {}),
          ...(disk ? { disk } : {}),
          boot: machine.bootOrder,
        });
        return this.view(machine);
      },
      'vm.pause': async (args: ApiArgs<'vm.pause'>) => (await exec(args.id, 'stop'), {}),
      'vm.resume': async (args: ApiArgs<'vm.resume'>) => (await exec(args.id, 'cont'), {}),
      'vm.reset': async (args: ApiArgs<'vm.reset'>) => (await exec(args.id, 'system_reset'), {}),
      'vm.powerdown': async (args: ApiArgs<'vm.powerdown'>) => (await exec(args.id, 'system_powerdown'), {}),
      'vm.poweroff': async (args: ApiArgs<'vm.poweroff'>) => (await this.supervisor.stop(this.running(args.id)), {}),
      'vm.status': (args: ApiArgs<'vm.status'>) => exec(args.id, 'query-status'),
      'vm.eject': async (args: ApiArgs<'vm.eject'>) => (await exec(args.id, 'eject', { id: args.slot, ...(args.force ? { force: true } : {}) }), {}),
      'vm.insert': async (args: ApiArgs<'vm.insert'>) => (await exec(args.id, 'blockdev-change-medium', { id: args.slot, filename: checkFile(args.path) }), {}),
      'vm.send-keys': async (args: ApiArgs<'vm.send-keys'>) => (await exec(args.id, 'send-key', { keys: args.keys.map((key) => ({ type: 'qcode', data: key })) }), {}),
      // The engine replies once every key is typed (about 10 ms each), so the timeout grows with the text.
      'vm.type-text': (args: ApiArgs<'vm.type-text'>) => exec(args.id, 'input-type-text', { text: args.text }, defaultCommandTimeoutMs + args.text.length * 50),
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
      'settings.get': (args: ApiArgs<'settings.get'>) => ({ key: args.key, value: this.library.settings.get(args.key, null) }),
      'settings.set': (args: ApiArgs<'settings.set'>) => (this.library.settings.set(args.key, args.value as never), {}),
    } as Record<keyof typeof apiCommands, Handler>;
  }

  private async createMachine(args: ApiArgs<'machines.create'>): Promise<MachineViewValue> {
    const { cdrom, floppy, speedLimitMips, diskMib, ...config } = args;
    const cdMedia = cdrom ? this.library.media.findByPath(checkFile(cdrom)) ?? this.library.media.add(cdrom) : undefined;
    const fdMedia = floppy ? this.library.media.findByPath(checkFile(floppy)) ?? this.library.media.add(floppy) : undefined;
    const input: MachineInput = { osId: 'other', ...config };
    if (speedLimitMips) input.speedLimitMips = speedLimitMips;
    if (!config.bootOrder) input.bootOrder = cdMedia ? ['cdrom', 'disk'] : fdMedia ? ['floppy', 'disk'] : ['disk', 'cdrom'];
    const machine = this.library.machines.create(input);
    if (cdMedia) this.library.machines.setDrive(machine.id, 'cd0', cdMedia.id);
    if (fdMedia) this.library.machines.setDrive(machine.id, 'fd0', fdMedia.id);
    if (diskMib !== undefined) {
      try {
        await this.library.createDisk(machine.id, { format: 'qcow2', sizeBytes: diskMib * 1024 * 1024 });
      } catch (error) {
        // No half-made machine: the disk failed, so the machine goes too.
        this.library.machines.delete(machine.id, { keepFiles: false });
        throw error;
      }
    }
    return this.view(this.machine(machine.id));
  }
}

/** An error the core raises on purpose, with its API class. */
export class CoreError extends Error {
  constructor(
    readonly errorClass: ApiErrorClass,
    message: string,
  ) {
    super(message);
    this.name = 'CoreError';
  }
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
