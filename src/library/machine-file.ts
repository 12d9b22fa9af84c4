/**
 * machines/<id>/machine.json: each machine folder carries its own settings, written atomically
 * after every change (as VirtualBox keeps a .vbox beside its global registry): the machine row,
 * its disks, its drives (with the media path, so a lost media row can be recreated) and its
 * snapshot list (rows without thumbnails). Rows are stored as the database has them, so a newer
 * schema's columns travel along and registering copies whichever columns both sides know.
 *
 * `registerMachineFiles` puts machines (and snapshots) that are on disk but not in the database
 * back into it: used by `hangar library rebuild` (new database) and after a restore (machines
 * and snapshots made after the backup was taken).
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { isAbsolute, join, relative } from 'node:path';
import type { DatabaseHandle } from './db.js';
import { invalid } from './errors.js';
import { containedPath, isId, writeFileAtomic, type LibraryLayout } from './paths.js';
import { newId, now } from './repository-util.js';
import { macAddressProblem, randomMacAddress } from '../shared/network-settings.js';

export const machineFileName = 'machine.json';

type Row = Record<string, unknown>;

/** Contents of machine.json. */
export interface MachineFile {
  kind: 'hangar-machine';
  version: 1;
  writtenAt: string;
  /** The machines row. */
  machine: Row;
  /** Disk rows; `relative_path` is set when the image is inside the machine folder. */
  disks: Row[];
  /** Drive rows with the path and kind of the media they hold. */
  drives: Row[];
  /** Snapshot rows (no thumbnails), oldest first. */
  snapshots: Row[];
}

/** Builds machine.json for a machine from its rows, or null when the machine has no row. */
export function machineFileContent(db: DatabaseHandle, layout: LibraryLayout, machineId: string): MachineFile | null {
  const machine = db.prepare('SELECT * FROM machines WHERE id = ?').get(machineId) as Row | undefined;
  if (!machine) return null;
  const folder = layout.machineFolder(machineId);
  const disks = (db.prepare('SELECT * FROM disks WHERE machine_id = ? ORDER BY position').all(machineId) as Row[]).map((disk) => {
    const path = String(disk.path);
    const inside = relative(folder, path);
    return inside.startsWith('..') || isAbsolute(inside) ? disk : { ...disk, relative_path: inside };
  });
  const drives = db
    .prepare('SELECT d.*, m.path AS media_path, m.kind AS media_kind FROM drives d LEFT JOIN media m ON m.id = d.media_id WHERE d.machine_id = ? ORDER BY d.slot')
    .all(machineId) as Row[];
  const columns = tableColumns(db, 'snapshots').filter((column) => column !== 'thumbnail');
  const snapshots = db.prepare(`SELECT ${columns.map((column) => `"${column}"`).join(', ')} FROM snapshots WHERE machine_id = ? ORDER BY created_at, rowid`).all(machineId) as Row[];
  return { kind: 'hangar-machine', version: 1, writtenAt: now(), machine, disks, drives, snapshots };
}

/**
 * Writes machine.json of a machine atomically into `folder` (default: its machine folder).
 * A machine without a row is left alone.
 */
export function writeMachineFile(db: DatabaseHandle, layout: LibraryLayout, machineId: string, folder = layout.machineFolder(machineId)): void {
  const content = machineFileContent(db, layout, machineId);
  if (content) writeFileAtomic(join(folder, machineFileName), `${JSON.stringify(content, null, 1)}\n`);
}

/** Reads and checks a machine folder's machine.json; throws InvalidInput with the reason. */
export function readMachineFile(folder: string): MachineFile {
  const path = join(folder, machineFileName);
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw invalid(path, (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'missing.' : `unreadable: ${(error as Error).message}`);
  }
  const file = parsed as Partial<MachineFile> | null;
  if (!file || file.kind !== 'hangar-machine' || file.version !== 1) throw invalid(path, 'is not a Hangar machine file (version 1).');
  if (!isRow(file.machine) || typeof file.machine.id !== 'string' || typeof file.machine.name !== 'string') throw invalid(path, 'has no machine row.');
  for (const list of ['disks', 'drives', 'snapshots'] as const) {
    if (!Array.isArray(file[list]) || !file[list].every(isRow)) throw invalid(path, `${list} must be a list of rows.`);
  }
  return file as MachineFile;
}

/**
 * The MAC a registered machine gets: its own, unless its file predates networking (none) or
 * another machine of the library has it (a copied folder), then a fresh one.
 */
function freeMac(db: DatabaseHandle, mac: unknown): string {
  const taken = (candidate: string): boolean => db.prepare('SELECT 1 FROM machines WHERE mac = ?').get(candidate) !== undefined;
  if (typeof mac === 'string' && macAddressProblem(mac) === undefined && !taken(mac)) return mac;
  for (;;) {
    const fresh = randomMacAddress();
    if (!taken(fresh)) return fresh;
  }
}

function isRow(value: unknown): value is Row {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function tableColumns(db: DatabaseHandle, table: string): string[] {
  return (db.pragma(`table_info(${table})`) as { name: string }[]).map((column) => column.name);
}

/** Inserts the columns of `row` the table has (others, e.g. relative_path, are not columns). */
function insertRow(db: DatabaseHandle, table: string, row: Row, columns: string[]): void {
  const used = columns.filter((column) => column in row);
  const values = used.map((column) => {
    const value = row[column];
    return value === undefined ? null : typeof value === 'boolean' ? Number(value) : value;
  });
  db.prepare(`INSERT INTO ${table} (${used.map((column) => `"${column}"`).join(', ')}) VALUES (${used.map(() => '?').join(', ')})`).run(...values);
}

/** What registering machine files did. */
export interface RegisterReport {
  /** Machines put back into the database (renamedFrom: their name was taken by another machine). */
  machines: { id: string; name: string; snapshots: number; renamedFrom?: string }[];
  /** Snapshots added to machines that were already in the database. */
  snapshotsAdded: number;
  /** Machine folders left alone, and why. */
  skipped: { path: string; reason: string }[];
}

/**
 * Registers every machine folder whose machine.json names a machine the database lacks, and
 * snapshots listed there whose files exist but whose rows are missing. Each machine is one
 * transaction; a folder that cannot be registered is skipped with its reason.
 */
export function registerMachineFiles(db: DatabaseHandle, layout: LibraryLayout): RegisterReport {
  const report: RegisterReport = { machines: [], snapshotsAdded: 0, skipped: [] };
  const columns = {
    machines: tableColumns(db, 'machines'),
    disks: tableColumns(db, 'disks'),
    drives: tableColumns(db, 'drives'),
    snapshots: tableColumns(db, 'snapshots'),
    media: tableColumns(db, 'media'),
  };
  let names: string[] = [];
  try {
    names = readdirSync(layout.machinesFolder).filter(isId).sort();
  } catch {
    return report;
  }
  for (const id of names) {
    const folder = layout.machineFolder(id);
    let file: MachineFile;
    try {
      file = readMachineFile(folder);
      if (file.machine.id !== id) throw invalid(join(folder, machineFileName), `names machine ${String(file.machine.id)}, not ${id}.`);
    } catch (error) {
      report.skipped.push({ path: folder, reason: (error as Error).message });
      continue;
    }
    try {
      db.transaction(() => {
        const known = db.prepare('SELECT 1 FROM machines WHERE id = ?').get(id) !== undefined;
        if (!known) {
          const name = freeName(db, String(file.machine.name));
          insertRow(db, 'machines', { ...file.machine, name, current_snapshot_id: null, mac: freeMac(db, file.machine.mac) }, columns.machines);
          for (const slot of ['cd0', 'fd0']) {
            const drive = file.drives.find((row) => row.slot === slot);
            const mediaId = drive ? mediaFor(db, drive, columns.media) : null;
            insertRow(db, 'drives', { machine_id: id, slot, media_id: mediaId }, columns.drives);
          }
          for (const disk of file.disks) {
            const path = typeof disk.relative_path === 'string' ? containedPath(folder, disk.relative_path) : String(disk.path);
            const clash = db.prepare('SELECT 1 FROM disks WHERE id = ? OR (machine_id = ? AND position = ?)').get(disk.id, id, disk.position);
            if (!clash) insertRow(db, 'disks', { ...disk, machine_id: id, path }, columns.disks);
          }
          report.machines.push({ id, name, snapshots: 0, ...(name !== file.machine.name ? { renamedFrom: String(file.machine.name) } : {}) });
        }
        const added = registerSnapshots(db, folder, id, file.snapshots, columns.snapshots);
        if (!known) {
          const current = file.machine.current_snapshot_id;
          if (typeof current === 'string' && db.prepare('SELECT 1 FROM snapshots WHERE id = ? AND machine_id = ?').get(current, id)) {
            db.prepare('UPDATE machines SET current_snapshot_id = ? WHERE id = ?').run(current, id);
          }
          (report.machines.at(-1) as { snapshots: number }).snapshots = added;
        } else report.snapshotsAdded += added;
      })();
    } catch (error) {
      report.skipped.push({ path: folder, reason: (error as Error).message });
    }
  }
  return report;
}

/** Inserts the listed snapshots that are missing and whose state file exists, parents first. */
function registerSnapshots(db: DatabaseHandle, machineFolder: string, machineId: string, rows: Row[], columns: string[]): number {
  const exists = db.prepare('SELECT 1 FROM snapshots WHERE id = ?');
  let pending = rows.filter((row) => {
    if (typeof row.id !== 'string' || !isId(row.id) || exists.get(row.id)) return false;
    try {
      return statSync(containedPath(machineFolder, String(row.state_file))).isFile();
    } catch {
      return false;
    }
  });
  let added = 0;
  while (pending.length > 0) {
    const ready = pending.filter((row) => row.parent_id === null || row.parent_id === undefined || exists.get(row.parent_id));
    // A parent that is gone for good (its files were lost): attach the orphans to the root.
    const batch = ready.length > 0 ? ready : pending.map((row): Row => ({ ...row, parent_id: null }));
    for (const row of batch) {
      insertRow(db, 'snapshots', { ...row, machine_id: machineId, thumbnail: null }, columns);
      added++;
    }
    const done = new Set(batch.map((row) => row.id));
    pending = pending.filter((row) => !done.has(row.id));
  }
  return added;
}

/** The drive's media row: the same id if it is still there, else the row for its path (created missing-or-present). */
function mediaFor(db: DatabaseHandle, drive: Row, mediaColumns: string[]): string | null {
  if (typeof drive.media_id === 'string' && db.prepare('SELECT 1 FROM media WHERE id = ?').get(drive.media_id)) return drive.media_id;
  if (typeof drive.media_path !== 'string' || drive.media_path.length === 0) return null;
  const byPath = db.prepare('SELECT id FROM media WHERE path = ?').get(drive.media_path) as { id: string } | undefined;
  if (byPath) return byPath.id;
  const kind = drive.media_kind === 'floppy' || drive.media_kind === 'disk' ? drive.media_kind : 'iso';
  const stat = statSync(drive.media_path, { throwIfNoEntry: false });
  const id = typeof drive.media_id === 'string' && isId(drive.media_id) ? drive.media_id : newId();
  insertRow(db, 'media', { id, path: drive.media_path, kind, size_bytes: stat?.size ?? 0, present: stat?.isFile() ? 1 : 0, added_at: now() }, mediaColumns);
  return id;
}

function freeName(db: DatabaseHandle, name: string): string {
  const taken = (candidate: string): boolean => db.prepare('SELECT 1 FROM machines WHERE name = ? COLLATE NOCASE').get(candidate) !== undefined;
  if (!taken(name)) return name;
  for (let counter = 1; ; counter++) {
    const candidate = `${name.slice(0, 80)} (restored${counter > 1 ? ` ${counter}` : ''})`;
    if (!taken(candidate)) return candidate;
  }
}

/** True when the machine folder has a machine.json (any content). */
export function hasMachineFile(folder: string): boolean {
  return existsSync(join(folder, machineFileName));
}
