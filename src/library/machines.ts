/** Machines repository: machines, their disks and removable drives. */
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { crashPoint } from './crash-points.js';
import type { DatabaseHandle } from './db.js';
import { LibraryError, invalid } from './errors.js';
import { writeMachineFile } from './machine-file.js';
import { assertId, fsyncFolder, sanitizeFileName, type LibraryLayout } from './paths.js';
import { isUniqueViolation, newId, now, type ChangeSink } from './repository-util.js';
import { randomMacAddress } from '../shared/network-settings.js';
import { networkFromRow } from './network-row.js';
import { assertShareFolders, sharesFromRow } from './share-folders.js';
import { defaultConfig, validateConfig, validateDisk, validateName } from './validate.js';
import {
  driveSlots,
  type BootDevice,
  type Disk,
  type DiskInput,
  type DriveSlot,
  type Drives,
  type Machine,
  type MachineConfig,
  type MachineInput,
  type MachinePatch,
  type MachineSummary,
} from './types.js';

/** A row of the machines table as SQLite returns it. */
export interface MachineRow {
  id: string;
  name: string;
  os_id: string;
  os_name: string | null;
  engine: string;
  memory_mib: number;
  cpus: number;
  boot_order: string;
  display_device: string;
  clipboard_mode: string;
  speed_limit_mips: number | null;
  force_tcg: number;
  serial_enabled: number;
  notes: string;
  created_at: string;
  updated_at: string;
  current_snapshot_id: string | null;
  network_mode: string;
  nic_model: string;
  mac: string;
  link_connected: number;
  forwards: string;
  shares: string;
}

interface DiskRow {
  id: string;
  machine_id: string;
  path: string;
  format: string;
  size_bytes: number;
  bus: string;
  position: number;
}

/** A machine's configuration from its row (also what a snapshot records). */
export function configFromRow(row: MachineRow): MachineConfig {
  return {
    name: row.name,
    osId: row.os_id,
    osName: row.os_name,
    engine: row.engine as MachineConfig['engine'],
    memoryMib: row.memory_mib,
    cpus: row.cpus,
    bootOrder: JSON.parse(row.boot_order) as BootDevice[],
    displayDevice: row.display_device as MachineConfig['displayDevice'],
    clipboardMode: row.clipboard_mode as MachineConfig['clipboardMode'],
    speedLimitMips: row.speed_limit_mips,
    forceTcg: row.force_tcg === 1,
    serialEnabled: row.serial_enabled === 1,
    notes: row.notes,
    network: networkFromRow(row),
    shares: sharesFromRow(row),
  };
}

function diskFromRow(row: DiskRow): Disk {
  return {
    id: row.id,
    machineId: row.machine_id,
    path: row.path,
    format: row.format as Disk['format'],
    sizeBytes: row.size_bytes,
    bus: row.bus as Disk['bus'],
    position: row.position,
  };
}

/** Machines, disks and drives. Obtain it from `Library.machines`. */
export class MachineRepository {
  readonly #db: DatabaseHandle;
  readonly #layout: LibraryLayout;
  readonly #isKnownOs: (osId: string) => boolean;
  readonly #emit: ChangeSink;

  constructor(db: DatabaseHandle, layout: LibraryLayout, isKnownOs: (osId: string) => boolean, emit: ChangeSink) {
    this.#db = db;
    this.#layout = layout;
    this.#isKnownOs = isKnownOs;
    this.#emit = emit;
  }

  /** All machines, by name, without disks and drives (fast; for lists). */
  list(): MachineSummary[] {
    const rows = this.#db
      .prepare('SELECT id, name, os_id, os_name, engine, memory_mib, cpus, updated_at FROM machines ORDER BY name COLLATE NOCASE')
      .all() as Pick<MachineRow, 'id' | 'name' | 'os_id' | 'os_name' | 'engine' | 'memory_mib' | 'cpus' | 'updated_at'>[];
    return rows.map((row) => ({
      id: row.id,
      name: row.name,
      osId: row.os_id,
      osName: row.os_name,
      engine: row.engine as MachineSummary['engine'],
      memoryMib: row.memory_mib,
      cpus: row.cpus,
      updatedAt: row.updated_at,
    }));
  }

  /** One machine with its disks and drives; throws NotFound. */
  get(id: string): Machine {
    const row = this.#db.prepare('SELECT * FROM machines WHERE id = ?').get(id) as MachineRow | undefined;
    if (!row) throw new LibraryError('NotFound', `No machine with id ${id}; it may have been deleted. Refresh the list.`);
    const disks = (this.#db.prepare('SELECT * FROM disks WHERE machine_id = ? ORDER BY position').all(id) as DiskRow[]).map(diskFromRow);
    const drives: Drives = { cd0: null, fd0: null };
    for (const drive of this.#db.prepare('SELECT slot, media_id FROM drives WHERE machine_id = ?').all(id) as { slot: DriveSlot; media_id: string | null }[]) {
      drives[drive.slot] = drive.media_id;
    }
    return { id: row.id, ...configFromRow(row), createdAt: row.created_at, updatedAt: row.updated_at, drives, disks, currentSnapshotId: row.current_snapshot_id };
  }

  /** A machine by (case-insensitive) name, or undefined. */
  findByName(name: string): Machine | undefined {
    const row = this.#db.prepare('SELECT id FROM machines WHERE name = ? COLLATE NOCASE').get(name.trim()) as { id: string } | undefined;
    return row ? this.get(row.id) : undefined;
  }

  #assertMacFree(mac: string, exceptId?: string): void {
    const clash = this.#db.prepare('SELECT id, name FROM machines WHERE mac = ?').get(mac) as { id: string; name: string } | undefined;
    if (clash && clash.id !== exceptId) throw new LibraryError('Duplicate', `network.mac: the machine "${clash.name}" already has the MAC address ${mac}; choose another one.`);
  }

  /** A generated MAC no machine of the library has (a clash is 1 in 2^46, but the index would refuse it). */
  #freeMac(): string {
    for (;;) {
      const mac = randomMacAddress();
      if (!this.#db.prepare('SELECT 1 FROM machines WHERE mac = ?').get(mac)) return mac;
    }
  }

  #assertNameFree(name: string, exceptId?: string): void {
    const clash = this.#db.prepare('SELECT id FROM machines WHERE name = ? COLLATE NOCASE').get(name) as { id: string } | undefined;
    if (clash && clash.id !== exceptId) throw new LibraryError('Duplicate', `name: a machine called "${name}" already exists; choose another name.`);
  }

  /**
   * Creates a machine atomically (see `stage` and `commitStaged`), optionally with media in its
   * drives and existing disk images attached. Throws InvalidInput, NotFound or Duplicate.
   */
  create(input: MachineInput, extras: MachineExtras = {}): Machine {
    const staged = this.stage(input);
    try {
      return this.commitStaged(staged, extras);
    } catch (error) {
      this.discardStaged(staged);
      throw error;
    }
  }

  /**
   * Step 1 of an atomic create: validates, allocates an id and builds the folder tree in
   * machines/.creating-<id>, where the caller may create disk images. Nothing is visible yet;
   * a crash leaves only the staging folder, which the next open removes.
   */
  stage(input: MachineInput): StagedMachine {
    if (typeof input !== 'object' || input === null) throw invalid('machine', 'must be an object.');
    const defaults = defaultConfig({ ...input, name: validateName(input.name) });
    const network = { ...defaults.network, mac: this.#freeMac(), ...stripUndefined(input.network ?? {}) };
    // validateConfig fills each share's defaults (name from the folder, not read-only).
    const shares = (input.shares ?? defaults.shares) as MachineConfig['shares'];
    const config = validateConfig({ ...defaults, ...stripUndefined(input), name: validateName(input.name), network: network as MachineConfig['network'], shares }, this.#isKnownOs);
    this.#assertNameFree(config.name);
    this.#assertMacFree(config.network.mac);
    assertShareFolders(config.shares);
    const id = newId();
    const folder = stagingFolder(this.#layout, id);
    for (const sub of ['disks', 'logs', 'snapshots']) mkdirSync(join(folder, sub), { recursive: true, mode: 0o700 });
    crashPoint('create:staged');
    return { id, config, folder, finalFolder: this.#layout.machineFolder(id) };
  }

  /**
   * Step 2: one transaction inserts the machine, its drives and disks (disk paths name the
   * final folder) and writes machine.json into the staging folder; once it commits, the folder
   * is renamed into place. The commit is the point of no return: a crash before it leaves a
   * staging folder the next open removes, a crash after it one the next open renames.
   */
  commitStaged(staged: StagedMachine, extras: MachineExtras = {}): Machine {
    const { id, config } = staged;
    const stamp = now();
    const drives: Drives = { cd0: null, fd0: null };
    for (const slot of driveSlots) {
      const mediaId = extras.drives?.[slot] ?? null;
      if (mediaId !== null) this.#checkDriveMedia(slot, mediaId);
      drives[slot] = mediaId;
    }
    const disks = (extras.disks ?? []).map((disk) => validateDisk(disk));
    try {
      this.#db.transaction(() => {
        this.#db
          .prepare(
            `INSERT INTO machines (id, name, os_id, os_name, engine, memory_mib, cpus, boot_order, display_device, clipboard_mode,
               speed_limit_mips, force_tcg, serial_enabled, notes, network_mode, nic_model, mac, link_connected, forwards, shares, created_at, updated_at)
             VALUES (@id, @name, @osId, @osName, @engine, @memoryMib, @cpus, @bootOrder, @displayDevice, @clipboardMode,
               @speedLimitMips, @forceTcg, @serialEnabled, @notes, @networkMode, @nicModel, @mac, @linkConnected, @forwards, @shares, @stamp, @stamp)`,
          )
          .run({ ...toParams(config), id, stamp });
        const drive = this.#db.prepare('INSERT INTO drives (machine_id, slot, media_id) VALUES (?, ?, ?)');
        for (const slot of driveSlots) drive.run(id, slot, drives[slot]);
        for (const disk of disks) this.#insertDisk(id, disk);
        writeMachineFile(this.#db, this.#layout, id, staged.folder);
        crashPoint('create:manifest');
      })();
    } catch (error) {
      if (isUniqueViolation(error)) throw new LibraryError('Duplicate', `name: a machine called "${config.name}" already exists; choose another name.`);
      throw error;
    }
    crashPoint('create:committed');
    try {
      moveIntoPlace(this.#layout, id);
    } catch (error) {
      // Undo the rows so the machine does not exist without its folder.
      this.#db.prepare('DELETE FROM machines WHERE id = ?').run(id);
      throw new LibraryError('IoError', `Cannot move the new machine's folder into place: ${(error as Error).message}`, { cause: error });
    }
    crashPoint('create:renamed');
    this.#emit({ entity: 'machine', action: 'added', id });
    return this.get(id);
  }

  /** Removes a staged machine that will not be committed (idempotent). */
  discardStaged(staged: StagedMachine): void {
    rmSync(staged.folder, { recursive: true, force: true });
  }

  /** Changes configuration fields; validates the result as a whole. */
  update(id: string, patch: MachinePatch): Machine {
    const current = this.get(id);
    const { id: _id, createdAt: _c, updatedAt: _u, drives: _d, disks: _k, currentSnapshotId: _s, ...config } = current;
    const network = { ...config.network, ...stripUndefined(patch.network ?? {}) };
    // validateConfig fills each forward's defaults (tcp, 127.0.0.1).
    const shares = (patch.shares ?? config.shares) as MachineConfig['shares'];
    // A new OS id without a name of its own drops the old id's medium name.
    const osName = patch.osName !== undefined ? patch.osName : patch.osId !== undefined && patch.osId !== config.osId ? null : config.osName;
    const next = validateConfig({ ...config, ...stripUndefined(patch), osName, network: network as MachineConfig['network'], shares }, this.#isKnownOs);
    this.#assertNameFree(next.name, id);
    this.#assertMacFree(next.network.mac, id);
    assertShareFolders(next.shares, config.shares);
    try {
      this.#db
        .prepare(
          `UPDATE machines SET name = @name, os_id = @osId, os_name = @osName, engine = @engine, memory_mib = @memoryMib, cpus = @cpus,
             boot_order = @bootOrder, display_device = @displayDevice, clipboard_mode = @clipboardMode,
             speed_limit_mips = @speedLimitMips, force_tcg = @forceTcg, serial_enabled = @serialEnabled, notes = @notes,
             network_mode = @networkMode, nic_model = @nicModel, mac = @mac, link_connected = @linkConnected, forwards = @forwards,
             shares = @shares, updated_at = @stamp WHERE id = @id`,
        )
        .run({ ...toParams(next), id, stamp: now() });
    } catch (error) {
      if (isUniqueViolation(error)) throw new LibraryError('Duplicate', `name: a machine called "${next.name}" already exists; choose another name.`);
      throw error;
    }
    this.#emit({ entity: 'machine', action: 'updated', id });
    return this.get(id);
  }

  /**
   * Deletes a machine: its folder is first renamed to machines/.deleting-<id> (.deleting-keep-<id>
   * with `keepFiles`), then the rows go in one transaction, then the files (with `keepFiles` they
   * move to lost+found/ instead). A crash before the commit leaves the machine whole (the next
   * open renames the folder back); after it, the next open finishes the delete.
   */
  delete(id: string, options: { keepFiles?: boolean } = {}): void {
    const machine = this.get(id);
    const folder = this.#layout.machineFolder(id);
    const deleting = deletingFolder(this.#layout, id, options.keepFiles ?? false);
    const hadFolder = existsSync(folder);
    if (hadFolder) {
      renameSync(folder, deleting);
      fsyncFolder(this.#layout.machinesFolder);
    }
    crashPoint('delete:moved');
    try {
      this.#db.transaction(() => {
        // Snapshots reference each other (RESTRICT); drop the tree leaves-first via the cascade
        // after clearing parent links.
        this.#db.prepare('UPDATE machines SET current_snapshot_id = NULL WHERE id = ?').run(id);
        this.#db.prepare('UPDATE snapshots SET parent_id = NULL WHERE machine_id = ?').run(id);
        this.#db.prepare('DELETE FROM machines WHERE id = ?').run(id);
      })();
    } catch (error) {
      if (hadFolder) renameSync(deleting, folder);
      throw error;
    }
    crashPoint('delete:committed');
    if (hadFolder) {
      if (options.keepFiles) {
        mkdirSync(this.#layout.lostAndFound, { recursive: true, mode: 0o700 });
        renameSync(deleting, join(this.#layout.lostAndFound, `machine-${sanitizeFileName(machine.name)}-${id}`));
      } else {
        rmSync(deleting, { recursive: true, force: true });
      }
    }
    this.#emit({ entity: 'machine', action: 'removed', id });
  }

  /** Attaches a disk image at the next position. */
  attachDisk(machineId: string, input: DiskInput): Disk {
    this.get(machineId);
    const disk = validateDisk(input);
    const id = this.#db.transaction(() => this.#insertDisk(machineId, disk))();
    this.#touch(machineId);
    const row = this.#db.prepare('SELECT * FROM disks WHERE id = ?').get(id) as DiskRow;
    return diskFromRow(row);
  }

  /** Detaches a disk (the image file stays where it is). */
  detachDisk(diskId: string): void {
    const row = this.#db.prepare('SELECT machine_id FROM disks WHERE id = ?').get(diskId) as { machine_id: string } | undefined;
    if (!row) throw new LibraryError('NotFound', `No disk with id ${diskId}.`);
    this.#db.prepare('DELETE FROM disks WHERE id = ?').run(diskId);
    this.#touch(row.machine_id);
  }

  /**
   * Changes a disk row after its image changed on disk: grown (sizeBytes), or converted to
   * another format in a new file (path and format). Validated like a new disk.
   */
  updateDisk(diskId: string, patch: Partial<Pick<DiskInput, 'path' | 'format' | 'sizeBytes'>>): Disk {
    const row = this.#db.prepare('SELECT * FROM disks WHERE id = ?').get(diskId) as DiskRow | undefined;
    if (!row) throw new LibraryError('NotFound', `No disk with id ${diskId}.`);
    const current = diskFromRow(row);
    const next = validateDisk({ path: patch.path ?? current.path, format: patch.format ?? current.format, sizeBytes: patch.sizeBytes ?? current.sizeBytes, bus: current.bus });
    this.#db.prepare('UPDATE disks SET path = ?, format = ?, size_bytes = ? WHERE id = ?').run(next.path, next.format, next.sizeBytes, diskId);
    this.#touch(row.machine_id);
    return diskFromRow(this.#db.prepare('SELECT * FROM disks WHERE id = ?').get(diskId) as DiskRow);
  }

  /** Puts a media row in a drive, or empties it (null). */
  setDrive(machineId: string, slot: DriveSlot, mediaId: string | null): void {
    if (!driveSlots.includes(slot)) throw invalid('slot', `${JSON.stringify(slot)} is not one of ${driveSlots.join(', ')}.`);
    this.get(machineId);
    if (mediaId !== null) this.#checkDriveMedia(slot, mediaId);
    this.#db.prepare('INSERT OR REPLACE INTO drives (machine_id, slot, media_id) VALUES (?, ?, ?)').run(machineId, slot, mediaId);
    this.#touch(machineId);
  }

  /** Machines whose drives hold `mediaId`. */
  usingMedia(mediaId: string): string[] {
    return (this.#db.prepare('SELECT DISTINCT machine_id FROM drives WHERE media_id = ?').all(mediaId) as { machine_id: string }[]).map((row) => row.machine_id);
  }

  /** Refuses media that does not exist or does not fit the slot. */
  #checkDriveMedia(slot: DriveSlot, mediaId: string): void {
    assertId(mediaId);
    const media = this.#db.prepare('SELECT kind FROM media WHERE id = ?').get(mediaId) as { kind: string } | undefined;
    if (!media) throw new LibraryError('NotFound', `No media with id ${mediaId}; add the file to the media library first.`);
    if (slot === 'fd0' && media.kind !== 'floppy') throw invalid('fd0', `media ${mediaId} is a ${media.kind} image, not a floppy image.`);
    if (slot === 'cd0' && media.kind !== 'iso') throw invalid('cd0', `media ${mediaId} is a ${media.kind} image, not a CD/DVD image.`);
  }

  /** Inserts a validated disk row at the machine's next position (call inside a transaction); returns its id. */
  #insertDisk(machineId: string, disk: Required<DiskInput>): string {
    const id = newId();
    const { next } = this.#db.prepare('SELECT COALESCE(MAX(position) + 1, 0) AS next FROM disks WHERE machine_id = ?').get(machineId) as { next: number };
    this.#db
      .prepare('INSERT INTO disks (id, machine_id, path, format, size_bytes, bus, position) VALUES (?, ?, ?, ?, ?, ?, ?)')
      .run(id, machineId, disk.path, disk.format, disk.sizeBytes, disk.bus, next);
    return id;
  }

  #touch(id: string): void {
    this.#db.prepare('UPDATE machines SET updated_at = ? WHERE id = ?').run(now(), id);
    this.#emit({ entity: 'machine', action: 'updated', id });
  }
}

/** Drives and disks a machine is created with. */
export interface MachineExtras {
  /** Media ids for the removable drives (default: empty). */
  drives?: Partial<Drives>;
  /** Disk images to attach, in order (paths as they will be after the create). */
  disks?: DiskInput[];
}

/** A machine being created: its id, validated configuration and staging folder. */
export interface StagedMachine {
  id: string;
  config: MachineConfig;
  /** machines/.creating-<id>: build the machine's files here. */
  folder: string;
  /** machines/<id>: where the folder goes once the rows are committed. */
  finalFolder: string;
}

/** Prefix of the staging folder of a machine being created (machines/.creating-<id>). */
export const creatingPrefix = '.creating-';
/** Prefix of the folder of a machine being deleted (machines/.deleting-<id>). */
export const deletingPrefix = '.deleting-';
/** Prefix of the folder of a machine being deleted whose files go to lost+found. */
export const deletingKeepPrefix = '.deleting-keep-';

export function stagingFolder(layout: LibraryLayout, id: string): string {
  assertId(id);
  return join(layout.machinesFolder, `${creatingPrefix}${id}`);
}

export function deletingFolder(layout: LibraryLayout, id: string, keepFiles: boolean): string {
  assertId(id);
  return join(layout.machinesFolder, `${keepFiles ? deletingKeepPrefix : deletingPrefix}${id}`);
}

/** Renames a machine's staging (or deleting) folder to machines/<id> and flushes the rename. */
export function moveIntoPlace(layout: LibraryLayout, id: string, from = stagingFolder(layout, id)): void {
  renameSync(from, layout.machineFolder(id));
  fsyncFolder(layout.machinesFolder);
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, field]) => field !== undefined)) as Partial<T>;
}

function toParams(config: MachineConfig): Record<string, unknown> {
  return {
    name: config.name,
    osId: config.osId,
    osName: config.osName,
    engine: config.engine,
    memoryMib: config.memoryMib,
    cpus: config.cpus,
    bootOrder: JSON.stringify(config.bootOrder),
    displayDevice: config.displayDevice,
    clipboardMode: config.clipboardMode,
    speedLimitMips: config.speedLimitMips,
    forceTcg: config.forceTcg ? 1 : 0,
    serialEnabled: config.serialEnabled ? 1 : 0,
    notes: config.notes,
    networkMode: config.network.mode,
    nicModel: config.network.model,
    mac: config.network.mac,
    linkConnected: config.network.connected ? 1 : 0,
    forwards: JSON.stringify(config.network.forwards),
    shares: JSON.stringify(config.shares),
  };
}
