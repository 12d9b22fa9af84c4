/**
 * Snapshots with RAM for v86: snapshot-save/-load/-delete as jobs (JOB_STATUS_CHANGE,
 * query-jobs, job-dismiss), query-snapshots and snapshot-inspect. A snapshot file
 * (src/emulator/snapshot/format.ts) holds the machine state (CPU, devices, RAM, VGA) compressed,
 * and the drives' contents: removable media by path, hd0 as its frozen copy-on-write chain.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ProtocolError } from '../backend.js';
import { stateAfterSnapshotJob } from '../common/run-state.js';
import { JobRunner } from '../jobs/runner.js';
import { removePartialFiles } from '../snapshot/atomic.js';
import type { SnapshotHeader } from '../snapshot/format.js';
import { SNAPSHOT_EXTENSION, SnapshotFormatError, checkCompatibility, readSnapshotHeader, readSnapshotSection, verifySnapshotFile, writeSnapshotFile } from '../snapshot/format.js';
import type { RunStateName } from '../../shared/protocol/engine/index.js';
import type { V86Machine } from './machine.js';
import { v86Version } from './machine.js';
import type { MediaRecord, V86Storage } from './storage.js';
import { stateDirectory } from './storage.js';

/** Configuration keys a v86 saved state depends on. */
const COMPATIBILITY_KEYS = ['memoryMib', 'vgaMemoryBytes', 'hasDisk', 'diskBase'] as const;

/** The configuration recorded in (and compared against) snapshots. */
export function snapshotConfiguration(machine: V86Machine): Record<string, unknown> {
  const { config } = machine;
  return {
    memoryMib: config.memoryMib,
    vgaMemoryBytes: 8 * 1024 * 1024,
    hasDisk: config.disk !== undefined,
    diskBase: config.disk ? resolve(config.disk) : null,
    bootOrder: config.bootOrder ?? null,
  };
}

/** File name of a tag's snapshot: readable, safe, and distinct for distinct tags. */
export function snapshotFileName(tag: string): string {
  const readable = tag.replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 64);
  const digest = createHash('sha256').update(tag).digest('hex').slice(0, 10);
  return `${readable}-${digest}${SNAPSHOT_EXTENSION}`;
}

/** Hooks a benchmark or test can use to time or interrupt a save. */
export interface SnapshotHooks {
  /** Called after the file's bytes are written, before it is renamed into place. */
  beforeCommit?: () => void;
}

export class V86Snapshots {
  readonly dir: string;
  readonly jobs: JobRunner;
  hooks: SnapshotHooks = {};

  constructor(
    readonly machine: V86Machine,
    readonly storage: V86Storage,
  ) {
    this.dir = join(stateDirectory(machine), 'snapshots');
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    removePartialFiles(this.dir);
    this.jobs = new JobRunner((id, status) => this.emit('JOB_STATUS_CHANGE', { id, status }));
    for (const { header } of this.list()) this.markLayers(header);
  }

  private emit(name: string, data: unknown): void {
    (this.machine.host as unknown as { emit(name: string, data: unknown): void }).emit(name, data);
  }

  private markLayers(header: SnapshotHeader): void {
    const disks = header.configuration['media'] as MediaRecord | undefined;
    if (disks?.hd0) this.storage.chain?.markFrozen(disks.hd0);
  }

  /** Path of a tag's snapshot file. */
  pathOf(tag: string): string {
    return join(this.dir, snapshotFileName(tag));
  }

  /** Every readable snapshot in the folder (damaged files are logged and skipped). */
  list(): { path: string; header: SnapshotHeader; fileSize: number }[] {
    const found = [];
    for (const name of readdirSync(this.dir)) {
      if (!name.endsWith(SNAPSHOT_EXTENSION)) continue;
      const path = join(this.dir, name);
      try {
        found.push({ path, ...readSnapshotHeader(path) });
      } catch (error) {
        this.machine.host.log(`Skipping snapshot ${path}: ${(error as Error).message}`);
      }
    }
    return found.sort((a, b) => a.header.dateSec - b.header.dateSec || a.header.dateNsec - b.header.dateNsec);
  }

  private compatibility(header: SnapshotHeader) {
    return checkCompatibility(header, { engine: 'v86', engineVersion: v86Version(), configuration: snapshotConfiguration(this.machine) }, COMPATIBILITY_KEYS);
  }

  /** Saves the machine as `tag` (replacing a snapshot with the same tag). */
  async save(tag: string, progress: (current: number, total: number) => void = () => undefined): Promise<{ size: number }> {
    const { machine } = this;
    const previous: RunStateName = machine.status();
    if (previous === 'io-error') throw new Error('The guest is paused after a disk error; resolve it and continue before taking a snapshot.');
    const wasRunning = machine.running;
    if (wasRunning) await machine.pause('save-vm');
    else await machine.haltCpu();
    let state: ArrayBuffer;
    let media: MediaRecord;
    try {
      // Requests complete synchronously, so nothing is in flight once the CPU is stopped.
      await this.storage.drain();
      state = await machine.emulator.save_state();
      const hd0 = await this.storage.freezeDisk();
      media = { ...this.storage.record(), hd0 };
    } finally {
      const after = stateAfterSnapshotJob('snapshot-save', previous);
      if (after === 'running') {
        machine.setStatus('paused');
        await machine.resume();
      } else {
        machine.setStatus(after);
      }
    }
    progress(1, 3);
    // Compressing and writing happen while the guest runs again: the state is a copy.
    const now = Date.now();
    const configuration = { ...snapshotConfiguration(machine), media };
    const { size } = await writeSnapshotFile(
      this.pathOf(tag),
      { tag, engine: 'v86', engineVersion: v86Version(), dateSec: Math.floor(now / 1000), dateNsec: (now % 1000) * 1_000_000, configuration },
      [
        { name: 'machine', data: new Uint8Array(state) },
        { name: 'media', data: Buffer.from(JSON.stringify(media)) },
      ],
      { beforeCommit: this.hooks.beforeCommit },
    );
    progress(3, 3);
    // A replaced snapshot of the same tag may have left layers nothing uses now.
    this.collectLayers();
    return { size };
  }

  /** Loads `tag`: refuses (guest untouched) when it cannot; on a failure midway the guest stays stopped in restore-vm. */
  async load(tag: string): Promise<void> {
    const path = this.pathOf(tag);
    const { header } = this.readHeader(path, tag);
    const verdict = this.compatibility(header);
    if (!verdict.loadable) throw new Error(`Snapshot "${tag}" cannot be loaded: ${verdict.reason}`);
    // Every section is read and checked before the guest is touched: a damaged file is refused
    // while the guest runs on as it was.
    let state: Uint8Array;
    let media: MediaRecord;
    try {
      state = readSnapshotSection(path, header, 'machine');
      media = JSON.parse(Buffer.from(readSnapshotSection(path, header, 'media')).toString('utf8')) as MediaRecord;
    } catch (error) {
      throw new Error(`Snapshot "${tag}" is damaged and was not loaded (the guest is unchanged): ${(error as Error).message}. Delete it and use another snapshot.`);
    }
    const { machine } = this;
    const previous = machine.status();
    const resumeAfter = previous === 'running';
    await machine.pause('restore-vm');
    try {
      this.storage.restore(media);
    } catch (error) {
      // Nothing changed yet: the guest goes back to what it was doing.
      machine.setStatus(previous === 'running' ? 'paused' : previous);
      if (resumeAfter) await machine.resume();
      throw new Error(`Snapshot "${tag}" cannot be loaded: ${(error as Error).message}`);
    }
    try {
      const copy = new ArrayBuffer(state.byteLength);
      new Uint8Array(copy).set(state);
      await machine.emulator.restore_state(copy);
    } catch (error) {
      throw new Error(`Restoring snapshot "${tag}" failed, the guest is stopped (restore-vm): ${(error as Error).message}. Load another snapshot or reset.`);
    }
    machine.setStatus('paused');
    if (stateAfterSnapshotJob('snapshot-load', previous) === 'running') await machine.resume();
  }

  private readHeader(path: string, tag: string): { header: SnapshotHeader; fileSize: number } {
    try {
      return readSnapshotHeader(path);
    } catch (error) {
      if (error instanceof SnapshotFormatError && /No snapshot file/.test(error.message)) throw new Error(`Snapshot '${tag}' not found`);
      throw error;
    }
  }

  /** Deletes `tag` and the disk layers no other snapshot or the live disk uses. */
  delete(tag: string): void {
    const path = this.pathOf(tag);
    this.readHeader(path, tag);
    rmSync(path);
    this.collectLayers();
  }

  private collectLayers(): void {
    const chain = this.storage.chain;
    if (!chain) return;
    const used = new Set(chain.liveOverlays());
    for (const { header } of this.list()) {
      const media = header.configuration['media'] as MediaRecord | undefined;
      for (const name of media?.hd0?.overlays ?? []) used.add(name);
    }
    for (const name of readdirSync(chain.dir)) {
      if (name.startsWith('hd0-') && name.endsWith('.ovl') && !used.has(name)) rmSync(join(chain.dir, name), { force: true });
    }
  }

  /** snapshot-inspect. */
  inspect(args: { tag?: string; filename?: string }) {
    if ((args.tag === undefined) === (args.filename === undefined)) throw new ProtocolError('GenericError', 'Give exactly one of "tag" and "filename".');
    const path = args.filename ?? this.pathOf(args.tag ?? '');
    let read;
    try {
      read = args.filename ? readSnapshotHeader(path) : this.readHeader(path, args.tag ?? '');
    } catch (error) {
      const message = (error as Error).message;
      // Only a missing snapshot is "not found"; an unreadable one says it is damaged.
      throw new ProtocolError('GenericError', /not found|No snapshot file/.test(message) ? message : `damaged: ${message}`);
    }
    const { header, fileSize } = read;
    // The header alone can look fine while a section is damaged: check every checksum.
    let damage: string | undefined;
    try {
      verifySnapshotFile(path);
    } catch (error) {
      damage = `damaged: ${(error as Error).message}`;
    }
    const compatible = this.compatibility(header);
    const verdict = damage === undefined ? compatible : { loadable: false as const, reason: damage };
    return {
      tag: header.tag,
      'format-version': header.formatVersion,
      engine: header.engine,
      'engine-version': header.engineVersion,
      'date-sec': header.dateSec,
      configuration: header.configuration,
      sections: header.sections.map((section) => ({ name: section.name, size: section.size, 'raw-size': section.rawSize })),
      'file-size': fileSize,
      loadable: verdict.loadable,
      ...(verdict.loadable ? {} : { reason: verdict.reason }),
    };
  }
}

/** Installs the snapshot and job commands on `machine`. */
export function installSnapshots(machine: V86Machine, storage: V86Storage): V86Snapshots {
  const snapshots = new V86Snapshots(machine, storage);
  const { jobs } = snapshots;
  machine.addHandlers({
    'snapshot-save': (args) => {
      jobs.start(args['job-id'], 'snapshot-save', async (context) => {
        try {
          await snapshots.save(args.tag, context.progress);
        } finally {
          machine.settleStatus();
        }
      });
      return {};
    },
    'snapshot-load': (args) => {
      jobs.start(args['job-id'], 'snapshot-load', async () => {
        try {
          await snapshots.load(args.tag);
        } finally {
          machine.settleStatus();
        }
      });
      return {};
    },
    'snapshot-delete': (args) => {
      jobs.start(args['job-id'], 'snapshot-delete', async () => snapshots.delete(args.tag));
      return {};
    },
    'query-jobs': () => jobs.list(),
    'job-dismiss': (args) => {
      jobs.dismiss(args.id);
      return {};
    },
    'query-snapshots': () =>
      snapshots.list().map(({ header, fileSize }) => ({
        tag: header.tag,
        'vm-state-size': fileSize,
        'date-sec': header.dateSec,
        'date-nsec': header.dateNsec,
      })),
    'snapshot-inspect': (args) => snapshots.inspect(args),
  });
  return snapshots;
}
