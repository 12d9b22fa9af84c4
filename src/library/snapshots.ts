/**
 * Snapshots repository. Files first, row last: a snapshot's files are written and flushed in
 * its own folder before the row that points at them is inserted; deleting removes the row
 * first, then the files. A crash therefore leaves at worst an orphan folder (reconcile moves it
 * to lost+found), never a row pointing at a missing or partial file.
 */
import { mkdirSync, rmSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { DatabaseHandle } from './db.js';
import { LibraryError, invalid } from './errors.js';
import { containedPath, fsyncFile, fsyncFolder, writeFileAtomic, type LibraryLayout } from './paths.js';
import { newId, now, type ChangeSink } from './repository-util.js';
import { engineIds, type EngineId, type MachineConfig, type Snapshot } from './types.js';
import { configFromRow, type MachineRow } from './machines.js';
import { validateSnapshotName } from './validate.js';

interface SnapshotRow {
  id: string;
  machine_id: string;
  parent_id: string | null;
  name: string;
  description: string;
  created_at: string;
  state_file: string;
  state_size: number;
  disk_chain: string;
  engine: string;
  engine_version: string;
  config: string;
  intact: number;
  is_current: number;
}

/** A snapshot whose folder exists but whose row is not written yet. */
export interface PendingSnapshot {
  id: string;
  machineId: string;
  /** Absolute folder to write the state file (and overlays) into. */
  folder: string;
}

/** What `commit` records about a pending snapshot. */
export interface SnapshotCommit {
  name: string;
  description?: string;
  /** PNG bytes of a screen thumbnail. */
  thumbnailPng?: Uint8Array | null;
  /** State file path: absolute, or relative to the pending snapshot's folder. */
  stateFile: string;
  /** Disk overlay files (absolute, or relative to the machine folder), base first. */
  diskChain?: string[];
  engine: EngineId;
  engineVersion: string;
  /** Configuration the snapshot was taken with; defaults to the machine's current one. */
  config?: MachineConfig;
  /** Parent snapshot; defaults to the machine's current snapshot. */
  parentId?: string | null;
  /** Make it the machine's current snapshot (default true). */
  makeCurrent?: boolean;
}

const pngMagic = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

function fromRow(row: SnapshotRow): Snapshot {
  return {
    id: row.id,
    machineId: row.machine_id,
    parentId: row.parent_id,
    name: row.name,
    description: row.description,
    createdAt: row.created_at,
    stateFile: row.state_file,
    stateSize: row.state_size,
    diskChain: JSON.parse(row.disk_chain) as string[],
    engine: row.engine as EngineId,
    engineVersion: row.engine_version,
    config: JSON.parse(row.config) as MachineConfig,
    isCurrent: row.is_current === 1,
    intact: row.intact === 1,
  };
}

const selectColumns = `s.id, s.machine_id, s.parent_id, s.name, s.description, s.created_at, s.state_file, s.state_size,
  s.disk_chain, s.engine, s.engine_version, s.config, s.intact, (m.current_snapshot_id = s.id) AS is_current`;

/** The snapshot tree of each machine. Obtain it from `Library.snapshots`. */
export class SnapshotRepository {
  readonly #db: DatabaseHandle;
  readonly #layout: LibraryLayout;
  readonly #emit: ChangeSink;

  constructor(db: DatabaseHandle, layout: LibraryLayout, emit: ChangeSink) {
    this.#db = db;
    this.#layout = layout;
    this.#emit = emit;
  }

  /** A machine's snapshots, oldest first (build the tree from parentId). */
  list(machineId: string): Snapshot[] {
    const rows = this.#db
      .prepare(`SELECT ${selectColumns} FROM snapshots s JOIN machines m ON m.id = s.machine_id WHERE s.machine_id = ? ORDER BY s.created_at, s.rowid`)
      .all(machineId) as SnapshotRow[];
    return rows.map(fromRow);
  }

  /** Every snapshot in the library (for reconcile and tests). */
  listAll(): Snapshot[] {
    return (this.#db.prepare(`SELECT ${selectColumns} FROM snapshots s JOIN machines m ON m.id = s.machine_id ORDER BY s.rowid`).all() as SnapshotRow[]).map(fromRow);
  }

  get(id: string): Snapshot {
    const row = this.#db.prepare(`SELECT ${selectColumns} FROM snapshots s JOIN machines m ON m.id = s.machine_id WHERE s.id = ?`).get(id) as SnapshotRow | undefined;
    if (!row) throw new LibraryError('NotFound', `No snapshot with id ${id}; it may have been deleted.`);
    return fromRow(row);
  }

  /** The thumbnail PNG of a snapshot, or null. */
  thumbnail(id: string): Buffer | null {
    const row = this.#db.prepare('SELECT thumbnail FROM snapshots WHERE id = ?').get(id) as { thumbnail: Buffer | null } | undefined;
    if (!row) throw new LibraryError('NotFound', `No snapshot with id ${id}.`);
    return row.thumbnail;
  }

  /** Absolute path of a snapshot's state file. */
  stateFilePath(snapshot: Snapshot): string {
    return containedPath(this.#layout.machineFolder(snapshot.machineId), snapshot.stateFile);
  }

  /** Step 1: allocates an id and an empty folder for the snapshot's files. */
  begin(machineId: string): PendingSnapshot {
    if (!this.#db.prepare('SELECT 1 FROM machines WHERE id = ?').get(machineId)) {
      throw new LibraryError('NotFound', `No machine with id ${machineId}.`);
    }
    const id = newId();
    this.#layout.ensureMachine(machineId);
    const folder = this.#layout.snapshotFolder(machineId, id);
    containedPath(this.#layout.machineFolder(machineId), folder);
    // Not recursive: an existing folder (impossible with fresh ids) fails loudly.
    mkdirSync(folder, { mode: 0o700 });
    return { id, machineId, folder };
  }

  /**
   * Step 2: flushes the files the caller wrote into the pending folder, then inserts the row.
   * Throws (and writes no row) if a file is missing, outside the machine folder or empty.
   */
  commit(pending: PendingSnapshot, input: SnapshotCommit): Snapshot {
    const name = validateSnapshotName(input.name);
    if (!engineIds.includes(input.engine)) throw invalid('snapshot.engine', `must be one of ${engineIds.join(', ')}.`);
    if (typeof input.engineVersion !== 'string' || input.engineVersion.length === 0) throw invalid('snapshot.engineVersion', 'must be a version string.');
    if (input.thumbnailPng && !Buffer.from(input.thumbnailPng.subarray(0, 8)).equals(pngMagic)) throw invalid('snapshot.thumbnailPng', 'is not a PNG image.');
    const machineFolder = this.#layout.machineFolder(pending.machineId);
    const statePath = containedPath(pending.folder, input.stateFile);
    const stateSize = flushedSize(statePath, 'snapshot.stateFile');
    if (stateSize === 0) throw invalid('snapshot.stateFile', `${statePath} is empty.`);
    const chain = (input.diskChain ?? []).map((file) => {
      const path = containedPath(machineFolder, file);
      flushedSize(path, 'snapshot.diskChain');
      return relative(machineFolder, path);
    });
    fsyncFolder(pending.folder);
    fsyncFolder(this.#layout.snapshotsFolder(pending.machineId));

    this.#db.transaction(() => {
      const machine = this.#db.prepare('SELECT current_snapshot_id FROM machines WHERE id = ?').get(pending.machineId) as { current_snapshot_id: string | null } | undefined;
      if (!machine) throw new LibraryError('NotFound', `No machine with id ${pending.machineId}; it was deleted while the snapshot was taken.`);
      const parentId = input.parentId === undefined ? machine.current_snapshot_id : input.parentId;
      if (parentId !== null) {
        const parent = this.#db.prepare('SELECT machine_id FROM snapshots WHERE id = ?').get(parentId) as { machine_id: string } | undefined;
        if (!parent || parent.machine_id !== pending.machineId) throw invalid('snapshot.parentId', `${parentId} is not a snapshot of this machine.`);
      }
      this.#db
        .prepare(
          `INSERT INTO snapshots (id, machine_id, parent_id, name, description, created_at, thumbnail, state_file, state_size,
             disk_chain, engine, engine_version, config) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(
          pending.id,
          pending.machineId,
          parentId,
          name,
          input.description ?? '',
          now(),
          input.thumbnailPng ? Buffer.from(input.thumbnailPng) : null,
          relative(machineFolder, statePath),
          stateSize,
          JSON.stringify(chain),
          input.engine,
          input.engineVersion,
          JSON.stringify(pickConfig(input.config ?? this.#currentConfig(pending.machineId))),
        );
      if (input.makeCurrent ?? true) this.#db.prepare('UPDATE machines SET current_snapshot_id = ? WHERE id = ?').run(pending.id, pending.machineId);
    })();
    this.#emit({ entity: 'snapshot', action: 'added', id: pending.id, machineId: pending.machineId });
    return this.get(pending.id);
  }

  #currentConfig(machineId: string): MachineConfig {
    const row = this.#db.prepare('SELECT * FROM machines WHERE id = ?').get(machineId) as Record<string, unknown> | undefined;
    if (!row) throw new LibraryError('NotFound', `No machine with id ${machineId}.`);
    return configFromRow(row as unknown as MachineRow);
  }

  /** Drops a pending snapshot's folder (after a failed save). */
  abandon(pending: PendingSnapshot): void {
    if (this.#db.prepare('SELECT 1 FROM snapshots WHERE id = ?').get(pending.id)) throw new LibraryError('InvalidInput', `Snapshot ${pending.id} is committed; delete it instead.`);
    rmSync(pending.folder, { recursive: true, force: true });
  }

  /** Convenience: begin, write `state` atomically as state.bin, commit. */
  take(machineId: string, input: Omit<SnapshotCommit, 'stateFile' | 'diskChain'> & { state: Uint8Array }): Snapshot {
    const pending = this.begin(machineId);
    try {
      writeFileAtomic(join(pending.folder, 'state.bin'), input.state);
      const { state: _state, ...rest } = input;
      return this.commit(pending, { ...rest, stateFile: 'state.bin' });
    } catch (error) {
      rmSync(pending.folder, { recursive: true, force: true });
      throw error;
    }
  }

  /** Renames or re-describes a snapshot. */
  update(id: string, patch: { name?: string; description?: string }): Snapshot {
    const snapshot = this.get(id);
    const name = patch.name === undefined ? snapshot.name : validateSnapshotName(patch.name);
    this.#db.prepare('UPDATE snapshots SET name = ?, description = ? WHERE id = ?').run(name, patch.description ?? snapshot.description, id);
    this.#emit({ entity: 'snapshot', action: 'updated', id, machineId: snapshot.machineId });
    return this.get(id);
  }

  /** Marks a snapshot as the machine's current one (after a restore). */
  setCurrent(machineId: string, snapshotId: string | null): void {
    if (snapshotId !== null && this.get(snapshotId).machineId !== machineId) throw invalid('snapshotId', `${snapshotId} is not a snapshot of machine ${machineId}.`);
    this.#db.prepare('UPDATE machines SET current_snapshot_id = ? WHERE id = ?').run(snapshotId, machineId);
    this.#emit({ entity: 'machine', action: 'updated', id: machineId });
  }

  /**
   * Deletes one snapshot: its children move up to its parent, the current mark moves to the
   * parent. Row first, then files.
   */
  delete(id: string): void {
    const snapshot = this.get(id);
    this.#db.transaction(() => {
      this.#db.prepare('UPDATE snapshots SET parent_id = ? WHERE parent_id = ?').run(snapshot.parentId, id);
      this.#db.prepare('UPDATE machines SET current_snapshot_id = ? WHERE current_snapshot_id = ?').run(snapshot.parentId, id);
      this.#db.prepare('DELETE FROM snapshots WHERE id = ?').run(id);
    })();
    rmSync(this.#layout.snapshotFolder(snapshot.machineId, id), { recursive: true, force: true });
    this.#emit({ entity: 'snapshot', action: 'removed', id, machineId: snapshot.machineId });
  }
}

function flushedSize(path: string, field: string): number {
  let size: number;
  try {
    const stat = statSync(path);
    if (!stat.isFile()) throw invalid(field, `${path} is not a regular file.`);
    size = stat.size;
  } catch (error) {
    if (error instanceof LibraryError) throw error;
    throw invalid(field, `${path} does not exist; write the file before committing the snapshot.`);
  }
  fsyncFile(path);
  return size;
}

const configKeys: readonly (keyof MachineConfig)[] = [
  'name',
  'osId',
  'osName',
  'engine',
  'memoryMib',
  'cpus',
  'bootOrder',
  'displayDevice',
  'clipboardMode',
  'speedLimitMips',
  'forceTcg',
  'serialEnabled',
  'notes',
];

/** Keeps only configuration fields (callers may pass a whole Machine). */
function pickConfig(config: MachineConfig): MachineConfig {
  return Object.fromEntries(configKeys.map((key) => [key, config[key]])) as unknown as MachineConfig;
}
