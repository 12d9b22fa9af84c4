/**
 * Snapshots through the app API: take (engine `snapshot-save` job, thumbnail from main's copy
 * of the screen), restore (`snapshot-load`; a stopped machine is started paused from it),
 * delete, inspect, thumbnail. The library row is the source of truth for the tree; the engine
 * keeps the saved state under the snapshot's id as its tag.
 *
 * Files first, row last: the engine writes its state file in the machine's engine folder, a
 * hard link (or copy) of it goes into the pending snapshot folder, then the row is committed.
 * Deleting removes the row, then the folder, then the engine's copy.
 *
 * A take or restore that fails for lack of space answers NoSpace (folder, free space, what to
 * do), and other I/O errors of the library's own files are library errors, never engine failures
 * (storage-failure.ts).
 */
import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, linkSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Library, Machine, Snapshot } from '../../library/index.js';
import type { ApiArgs, ApiEventData, ApiReturn, SnapshotViewValue } from '../../shared/protocol/api/index.js';
import { checkName } from '../../shared/names.js';
import { screenThumbnail } from '../display/screen-thumbnail.js';
import type { Supervisor } from '../supervisor/index.js';
import { CoreError } from './core-error.js';
import { readSnapshotFileHeader, verifySnapshotFile } from './snapshot-file.js';
import { snapshotBlocker } from './snapshot-requirements.js';
import { libraryStep, withStorageExplained } from './storage-failure.js';

const execFileAsync = promisify(execFile);

/** What the snapshot service needs from the core. */
export interface SnapshotHost {
  readonly library: Library;
  readonly supervisor: Supervisor;
  /** Publishes a PROGRESS event. */
  progress(data: ApiEventData<'PROGRESS'>): void;
  /** Starts a stopped machine's engine paused (to restore a snapshot into it). */
  startPaused(machine: Machine): Promise<void>;
  /** The folder the machine's engine keeps persistent state in (snapshots, disk overlays). */
  engineStateDir(machineId: string): string;
}

interface EngineJob {
  id: string;
  status: string;
  'current-progress': number;
  'total-progress': number;
  error?: string;
}

/** How long one snapshot job may take (a big guest's RAM is compressed and written). */
const jobTimeoutMs = 180_000;
/** Widest snapshot thumbnail. */
export const thumbnailWidth = 160;
/** How long taking a snapshot waits for a screen main does not have yet (screen-thumbnail.ts). */
const snapshotScreenWaitMs = 5_000;
const qemuDescriptor = 'qemu-snapshot.json';

export class SnapshotService {
  /** Machines with a snapshot operation under way (one at a time per machine). */
  private readonly busy = new Set<string>();

  constructor(private readonly host: SnapshotHost) {}

  list(machine: Machine): ApiReturn<'snapshots.list'> {
    const snapshots = this.host.library.snapshots.list(machine.id).map((snapshot) => this.view(snapshot));
    const takeBlocked = snapshotBlocker(machine);
    return { snapshots, currentId: machine.currentSnapshotId, ...(takeBlocked !== undefined ? { takeBlocked } : {}) };
  }

  /** The snapshot of `machine` with that id, or that name when exactly one has it. */
  find(machine: Machine, idOrName: string): Snapshot {
    const all = this.host.library.snapshots.list(machine.id);
    const byId = all.find((snapshot) => snapshot.id === idOrName);
    if (byId) return byId;
    const named = all.filter((snapshot) => snapshot.name === idOrName);
    if (named.length === 1) return named[0] as Snapshot;
    if (named.length > 1) throw new CoreError('InvalidArgument', `"${machine.name}" has ${named.length} snapshots called "${idOrName}"; use the snapshot id (\`hangar snapshot "${machine.name}" list\` shows them).`);
    throw new CoreError('NotFound', `"${machine.name}" has no snapshot with the id or name "${idOrName}".`);
  }

  view(snapshot: Snapshot): SnapshotViewValue {
    const size = snapshot.engine === 'qemu' ? this.qemuStateSize(snapshot) : snapshot.stateSize;
    return {
      id: snapshot.id,
      machineId: snapshot.machineId,
      parentId: snapshot.parentId,
      name: snapshot.name,
      description: snapshot.description,
      createdAt: snapshot.createdAt,
      hasThumbnail: this.host.library.snapshots.thumbnail(snapshot.id) !== null,
      engine: snapshot.engine,
      ...(size !== undefined ? { sizeBytes: size } : {}),
    };
  }

  async take(machine: Machine, args: ApiArgs<'snapshots.take'>): Promise<SnapshotViewValue> {
    const { library, supervisor } = this.host;
    // Checked before the engine saves anything: a refused name must not cost a save.
    const named = checkName(args.name, 'snapshot');
    if (!named.ok) throw new CoreError('InvalidArgument', named.error);
    if (!supervisor.isActive(machine.id)) throw new CoreError('Unavailable', `"${machine.name}" is not running; start it first (snapshots save the running machine's memory).`);
    // What the machine lacks is said before the engine is asked (QEMU would fail mid-job).
    const blocked = snapshotBlocker(machine);
    if (blocked !== undefined) throw new CoreError('NotSupported', blocked);
    const root = library.layout.root;
    return this.exclusive(machine, 'snapshot-take', (report) => withStorageExplained(root, 'take', async () => {
      // A snapshot waits for no screen long: without one it is stored without a thumbnail.
      const thumbnail = await this.screenThumbnail(machine.id, thumbnailWidth, snapshotScreenWaitMs).catch(() => null);
      report(0.1);
      const pending = libraryStep(`create a snapshot folder in ${library.layout.snapshotsFolder(machine.id)}`, root, () => library.snapshots.begin(machine.id));
      try {
        await this.runJob(machine.id, 'snapshot-save', { tag: pending.id }, (fraction) => report(0.1 + fraction * 0.8));
        let stateFile: string;
        let engineVersion: string;
        if (machine.engine === 'v86') {
          const engineFile = this.v86File(machine.id, pending.id);
          if (!engineFile) throw new CoreError('EngineFailed', 'The engine reported the snapshot saved, but its file is not there.');
          stateFile = 'state.hsnap';
          const target = join(pending.folder, stateFile);
          libraryStep(`copy the engine's state file into ${target}`, root, () => {
            try {
              linkSync(engineFile, target);
            } catch {
              copyFileSync(engineFile, target);
            }
          });
          engineVersion = readSnapshotFileHeader(engineFile).engineVersion;
        } else {
          const listed = (await supervisor.execute(machine.id, 'query-snapshots', {})) as { tag: string; 'vm-state-size': number }[];
          const saved = listed.find((entry) => entry.tag === pending.id);
          if (!saved) throw new CoreError('EngineFailed', 'QEMU reported the snapshot saved, but does not list it.');
          const version = (await supervisor.execute(machine.id, 'query-version', {})) as { qemu: { major: number; minor: number; micro: number } };
          engineVersion = `${version.qemu.major}.${version.qemu.minor}.${version.qemu.micro}`;
          stateFile = qemuDescriptor;
          // QEMU keeps the state inside the machine's qcow2 disk; the library keeps where.
          const descriptor = join(pending.folder, stateFile);
          libraryStep(`write ${descriptor}`, root, () => writeFileSync(descriptor, JSON.stringify({ engine: 'qemu', tag: pending.id, disks: machine.disks.map((disk) => disk.path), vmStateSize: saved['vm-state-size'] }), { mode: 0o600 }));
        }
        const committed = libraryStep(`record the snapshot in the library database ${library.layout.database}`, root, () =>
          library.snapshots.commit(pending, {
            name: args.name,
            ...(args.description !== undefined ? { description: args.description } : {}),
            stateFile,
            engine: machine.engine,
            engineVersion,
            thumbnailPng: thumbnail,
          }),
        );
        return this.view(committed);
      } catch (error) {
        library.snapshots.abandon(pending);
        await this.dropEngineCopy(machine, pending.id).catch(() => undefined);
        throw error;
      }
    }));
  }

  async restore(machine: Machine, snapshotIdOrName: string): Promise<void> {
    const { library, supervisor } = this.host;
    const snapshot = this.find(machine, snapshotIdOrName);
    if (snapshot.engine !== machine.engine) throw new CoreError('NotSupported', `Snapshot "${snapshot.name}" was taken with ${snapshot.engine}; "${machine.name}" now runs ${machine.engine}. Switch the engine back to restore it.`);
    if (!snapshot.intact) throw new CoreError('Unavailable', `Snapshot "${snapshot.name}" is damaged (its state file is missing or cut short); delete it.`);
    const root = library.layout.root;
    await this.exclusive(machine, 'snapshot-restore', (report) => withStorageExplained(root, 'restore', async () => {
      // Checked in full before the engine is started or asked to load: a damaged snapshot never
      // reaches a running guest, which keeps running as it was.
      const damage = this.damage(snapshot);
      if (damage !== undefined) {
        throw new CoreError('Unavailable', `Snapshot "${snapshot.name}" cannot be restored, it is ${damage} "${machine.name}" was not changed. Delete this snapshot (\`hangar snapshot "${machine.name}" delete ${snapshot.id}\`); the other snapshots are not affected.`);
      }
      const wasRunning = supervisor.isActive(machine.id);
      // A guest that powered itself off (engine still up) comes back running, like a stopped machine.
      const wasOff = wasRunning && supervisor.status(machine.id).state === 'shutdown';
      if (!wasRunning) {
        this.checkLoadable(machine, snapshot);
        await this.host.startPaused(machine);
      }
      report(0.2);
      try {
        await this.runJob(machine.id, 'snapshot-load', { tag: snapshot.id }, (fraction) => report(0.2 + fraction * 0.7));
        if (!wasRunning || wasOff) {
          await supervisor.execute(machine.id, 'cont', {});
          await supervisor.syncRunState(machine.id);
        }
      } catch (error) {
        // A machine started only for this restore is not left half-loaded.
        if (!wasRunning) await supervisor.stop(machine.id);
        throw error;
      }
      libraryStep(`record the current snapshot in the library database ${library.layout.database}`, root, () => library.snapshots.setCurrent(machine.id, snapshot.id));
    }));
  }

  async delete(machine: Machine, snapshotIdOrName: string): Promise<void> {
    const snapshot = this.find(machine, snapshotIdOrName);
    await this.exclusive(machine, 'snapshot-delete', async () => {
      this.host.library.snapshots.delete(snapshot.id);
      await this.dropEngineCopy(machine, snapshot.id);
    });
  }

  async inspect(machine: Machine, snapshotIdOrName: string): Promise<ApiReturn<'snapshots.inspect'>> {
    const { library, supervisor } = this.host;
    const snapshot = this.find(machine, snapshotIdOrName);
    const base = { id: snapshot.id, name: snapshot.name, engine: snapshot.engine, engineVersion: snapshot.engineVersion };
    const statePath = library.snapshots.stateFilePath(snapshot);
    if (!existsSync(statePath)) return { ...base, loadable: false, reason: `The state file ${statePath} is missing; delete the snapshot.` };
    if (snapshot.engine !== machine.engine) return { ...base, loadable: false, reason: `It was taken with ${snapshot.engine}; the machine now runs ${machine.engine}.` };
    const damage = this.damage(snapshot);
    if (damage !== undefined) return { ...base, loadable: false, reason: damage };
    if (snapshot.engine === 'v86') {
      if (supervisor.isActive(machine.id)) {
        const found = (await supervisor.execute(machine.id, 'snapshot-inspect', { tag: snapshot.id })) as {
          'format-version': number;
          'engine-version': string;
          configuration: unknown;
          sections: { name: string; size: number; 'raw-size'?: number }[];
          'file-size': number;
          loadable: boolean;
          reason?: string;
        };
        return {
          ...base,
          engineVersion: found['engine-version'],
          formatVersion: found['format-version'],
          sizeBytes: found['file-size'],
          configuration: found.configuration,
          sections: found.sections.map((section) => ({ name: section.name, size: section.size, ...(section['raw-size'] !== undefined ? { rawSize: section['raw-size'] } : {}) })),
          loadable: found.loadable,
          ...(found.reason ? { reason: found.reason } : {}),
        };
      }
      const header = readSnapshotFileHeader(statePath);
      const reason = this.v86Incompatibility(machine, header.configuration) ?? (header.complete ? undefined : 'The file is cut short (no trailer).');
      return {
        ...base,
        engineVersion: header.engineVersion,
        formatVersion: header.formatVersion,
        sizeBytes: header.fileSize,
        configuration: header.configuration,
        sections: header.sections.map((section) => ({ name: section.name, size: section.size, ...(section.rawSize !== undefined ? { rawSize: section.rawSize } : {}) })),
        loadable: reason === undefined,
        ...(reason ? { reason } : {}),
      };
    }
    // QEMU keeps the state inside the qcow2 disk: say whether the disk still lists it.
    const descriptor = JSON.parse(readFileSync(statePath, 'utf8')) as { disks?: string[]; vmStateSize?: number };
    const listed = supervisor.isActive(machine.id)
      ? ((await supervisor.execute(machine.id, 'query-snapshots', {})) as { tag: string; 'vm-state-size': number }[]).map((entry) => ({ tag: entry.tag, size: entry['vm-state-size'] }))
      : await qemuImgSnapshots(descriptor.disks?.[0]);
    const entry = listed?.find((item) => item.tag === snapshot.id);
    return {
      ...base,
      sizeBytes: entry?.size ?? descriptor.vmStateSize ?? 0,
      configuration: snapshot.config,
      sections: [{ name: 'qcow2-internal', size: entry?.size ?? descriptor.vmStateSize ?? 0 }],
      loadable: entry !== undefined,
      ...(entry ? {} : { reason: listed === undefined ? 'The machine\'s qcow2 disk cannot be read.' : 'The machine\'s qcow2 disk no longer holds this snapshot.' }),
    };
  }

  thumbnail(machine: Machine, snapshotIdOrName: string): ApiReturn<'snapshots.thumbnail'> {
    const snapshot = this.find(machine, snapshotIdOrName);
    const png = this.host.library.snapshots.thumbnail(snapshot.id);
    if (!png) throw new CoreError('NotFound', `Snapshot "${snapshot.name}" has no thumbnail.`);
    return { png: png.toString('base64') };
  }

  /** A PNG of the running machine's screen, at most `maxWidth` wide, from main's copy of the screen (no engine round trip). */
  async screenThumbnail(machineId: string, maxWidth: number, firstScreenWaitMs?: number): Promise<Buffer> {
    const session = this.host.supervisor.session(machineId);
    if (!session) throw new CoreError('Unavailable', 'The machine is not running; start it to see its screen.');
    const png = await screenThumbnail(session, maxWidth, firstScreenWaitMs);
    if (!png) throw new CoreError('Unavailable', 'The guest has shown no screen yet (it may be starting, or its display is off); try again shortly.');
    return png;
  }

  /** Runs `work` as the machine's only snapshot operation, with PROGRESS events around it. */
  private async exclusive<T>(machine: Machine, operation: string, work: (report: (fraction: number) => void) => Promise<T>): Promise<T> {
    if (this.busy.has(machine.id)) throw new CoreError('Conflict', `A snapshot operation on "${machine.name}" is under way; try again when it has finished.`);
    this.busy.add(machine.id);
    const report = (fraction: number): void => this.host.progress({ machineId: machine.id, operation, fraction: Math.min(1, Math.max(0, fraction)), done: false });
    report(0);
    try {
      const result = await work(report);
      this.host.progress({ machineId: machine.id, operation, fraction: 1, done: true });
      return result;
    } catch (error) {
      this.host.progress({ machineId: machine.id, operation, fraction: 1, done: true, error: error instanceof Error ? error.message : String(error) });
      throw error;
    } finally {
      this.busy.delete(machine.id);
    }
  }

  /** Starts an engine job and polls it to its end (events can be missed; query-jobs cannot). */
  private async runJob(machineId: string, type: string, args: Record<string, unknown>, onProgress: (fraction: number) => void): Promise<void> {
    const { supervisor } = this.host;
    const jobId = `hangar-${type}-${Date.now().toString(36)}`;
    await supervisor.execute(machineId, type, { 'job-id': jobId, ...args });
    const deadline = Date.now() + jobTimeoutMs;
    for (;;) {
      const jobs = (await supervisor.execute(machineId, 'query-jobs', {})) as EngineJob[];
      const job = jobs.find((entry) => entry.id === jobId);
      if (!job) throw new CoreError('EngineFailed', `The engine lost the ${type} job.`);
      if (job['total-progress'] > 0) onProgress(job['current-progress'] / job['total-progress']);
      if (job.status === 'concluded') {
        await supervisor.execute(machineId, 'job-dismiss', { id: jobId }).catch(() => undefined);
        // The job stopped and resumed the guest: what is shown next is the engine's run state.
        await supervisor.syncRunState(machineId);
        if (job.error) throw new CoreError('EngineFailed', `${type} failed: ${job.error}`);
        return;
      }
      if (Date.now() > deadline) throw new CoreError('Timeout', `The engine's ${type} did not finish within ${jobTimeoutMs / 1000} s.`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  /** The v86 engine's file for `tag` (the engine names it `<tag>-<digest>.hsnap`). */
  private v86File(machineId: string, tag: string): string | undefined {
    const folder = join(this.host.engineStateDir(machineId), 'snapshots');
    let names: string[];
    try {
      names = readdirSync(folder);
    } catch {
      return undefined;
    }
    const name = names.find((entry) => entry.startsWith(`${tag}-`) && entry.endsWith('.hsnap'));
    return name ? join(folder, name) : undefined;
  }

  /** Removes the engine's copy of a snapshot: through the engine when it runs, else directly. */
  private async dropEngineCopy(machine: Machine, tag: string): Promise<void> {
    const { supervisor } = this.host;
    if (supervisor.isActive(machine.id)) {
      if (machine.engine === 'qemu') {
        const listed = (await supervisor.execute(machine.id, 'query-snapshots', {})) as { tag: string }[];
        if (!listed.some((entry) => entry.tag === tag)) return;
      } else if (!this.v86File(machine.id, tag)) return;
      await this.runJob(machine.id, 'snapshot-delete', { tag }, () => undefined);
      return;
    }
    if (machine.engine === 'v86') {
      const file = this.v86File(machine.id, tag);
      if (file) rmSync(file, { force: true });
      return;
    }
    for (const disk of machine.disks) {
      if (disk.format !== 'qcow2') continue;
      await execFileAsync('qemu-img', ['snapshot', '-d', tag, disk.path]).catch(() => undefined);
    }
  }

  /**
   * Why a snapshot's saved state is damaged ("damaged: …"), or undefined when every checksum
   * holds. v86 states are checked byte for byte; QEMU keeps its state inside the qcow2 disk
   * without a checksum, so only the library's descriptor of it can be checked here.
   */
  private damage(snapshot: Snapshot): string | undefined {
    const statePath = this.host.library.snapshots.stateFilePath(snapshot);
    if (snapshot.engine === 'v86') {
      const verified = verifySnapshotFile(statePath);
      return verified.ok ? undefined : `damaged: ${verified.reason}`;
    }
    try {
      const descriptor = JSON.parse(readFileSync(statePath, 'utf8')) as { tag?: unknown; disks?: unknown };
      if (descriptor.tag !== snapshot.id || !Array.isArray(descriptor.disks)) return `damaged: its descriptor ${statePath} does not describe this snapshot.`;
      return undefined;
    } catch (error) {
      return `damaged: its descriptor ${statePath} cannot be read (${(error as Error).message}).`;
    }
  }

  private checkLoadable(machine: Machine, snapshot: Snapshot): void {
    if (snapshot.engine !== 'v86') return;
    const header = readSnapshotFileHeader(this.host.library.snapshots.stateFilePath(snapshot));
    const reason = this.v86Incompatibility(machine, header.configuration);
    if (reason) throw new CoreError('Conflict', `Snapshot "${snapshot.name}" cannot be loaded: ${reason}`);
  }

  /** Why a v86 state taken with `configuration` cannot load into the machine as configured now. */
  private v86Incompatibility(machine: Machine, configuration: Record<string, unknown>): string | undefined {
    if (configuration.memoryMib !== machine.memoryMib) return `it was taken with ${String(configuration.memoryMib)} MiB of memory; the machine now has ${machine.memoryMib} MiB. Set the memory back to restore it.`;
    const hasDisk = machine.disks.length > 0;
    if (configuration.hasDisk !== undefined && configuration.hasDisk !== hasDisk) return hasDisk ? 'it was taken without a hard disk; detach the disk to restore it.' : 'it was taken with a hard disk the machine no longer has.';
    return undefined;
  }

  private qemuStateSize(snapshot: Snapshot): number | undefined {
    try {
      const descriptor = JSON.parse(readFileSync(this.host.library.snapshots.stateFilePath(snapshot), 'utf8')) as { vmStateSize?: unknown };
      return typeof descriptor.vmStateSize === 'number' ? descriptor.vmStateSize : undefined;
    } catch {
      return undefined;
    }
  }
}

/** Internal snapshots of a qcow2 image (qemu-img info), or undefined when it cannot be read. */
async function qemuImgSnapshots(disk: string | undefined): Promise<{ tag: string; size: number }[] | undefined> {
  if (!disk) return undefined;
  try {
    const { stdout } = await execFileAsync('qemu-img', ['info', '--force-share', '--output=json', disk]);
    const info = JSON.parse(stdout) as { snapshots?: { name: string; 'vm-state-size': number }[] };
    return (info.snapshots ?? []).map((entry) => ({ tag: entry.name, size: entry['vm-state-size'] }));
  } catch {
    return undefined;
  }
}
