/**
 * Reconcile: compares database rows with the files under machines/ and repairs what it can
 * without losing anything. Run at open (the lock guarantees no writer is mid-way).
 *
 * - leftover temp files of interrupted disk creation: removed (never complete data; an
 *   interrupted snapshot write leaves its whole uncommitted folder, handled as an orphan);
 * - machine row without folder: folder recreated;
 * - folder or snapshot folder or disk file without a row: moved to lost+found/ (a snapshot
 *   folder holding nothing but partial writes is removed);
 * - snapshot whose state file or disk chain is missing or shorter than recorded: marked not
 *   intact (row kept, so the tree and its thumbnails stay; the user decides);
 * - disk row whose image is missing: reported (the row stays, the file may come back);
 * - media: presence refreshed (Library.open does this in the background, reporting through
 *   change events and `Library.mediaChecked`);
 * - an interrupted create (machines/.creating-<id>): removed when its rows never committed,
 *   moved into place when they did; an interrupted delete (machines/.deleting-<id>): moved back
 *   when the rows are still there, to lost+found when they are gone;
 * - a machine folder without a row but with a machine.json is never moved: it is reported
 *   (`hangar library rebuild` registers it again).
 *
 * When the database looks unhealthy (quick_check fails, or it has no machines while machine
 * folders exist) nothing is moved or removed: everything is only reported.
 */
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { hangarCommand, restoreAdvice } from './backups.js';
import type { DatabaseHandle } from './db.js';
import { hasMachineFile } from './machine-file.js';
import { creatingPrefix, deletingKeepPrefix, deletingPrefix, moveIntoPlace } from './machines.js';
import { containedPath, isId, tempMarker, type LibraryLayout } from './paths.js';

export type ReconcileIssueKind =
  | 'temp-file'
  | 'machine-folder-missing'
  | 'orphan-machine-folder'
  | 'orphan-snapshot-folder'
  | 'orphan-disk-file'
  | 'snapshot-file-missing'
  | 'snapshot-file-truncated'
  | 'disk-missing'
  | 'media-presence-changed'
  | 'database-integrity'
  | 'interrupted-create'
  | 'interrupted-delete'
  | 'unregistered-machine-folder';

/** One mismatch reconcile found, and what it did about it. */
export interface ReconcileIssue {
  kind: ReconcileIssueKind;
  /** The file or folder concerned. */
  path: string;
  /** Row id concerned, when there is one. */
  id?: string;
  /**
   * removed (partial writes only), moved (to lost+found), created, marked, reported (left
   * alone), completed (an interrupted create finished), restored (an interrupted delete undone).
   */
  action: 'removed' | 'moved' | 'created' | 'marked' | 'reported' | 'completed' | 'restored';
  /** Where an orphan went. */
  movedTo?: string;
  detail: string;
}

export interface ReconcileReport {
  issues: ReconcileIssue[];
  /** Milliseconds taken. */
  elapsedMs: number;
}

export interface ReconcileOptions {
  /** false: only report (no file moves, no row updates). Default true. */
  repair?: boolean;
  /**
   * Run SQLite's quick_check (O(database size)). Default true; Library.open runs it only after
   * an unclean shutdown (a stale lock was recovered).
   */
  integrity?: boolean;
  /** Check media presence here (default true). Library.open does it in the background instead. */
  media?: boolean;
}

function listNames(folder: string): string[] {
  return listNamesOrNull(folder) ?? [];
}

/** Folder entries, or null when the folder does not exist. */
function listNamesOrNull(folder: string): string[] | null {
  try {
    return readdirSync(folder);
  } catch {
    return null;
  }
}

function fileSize(path: string): number | null {
  const stat = statSync(path, { throwIfNoEntry: false });
  return stat?.isFile() ? stat.size : null;
}

/** Runs reconcile on an open library database and its folder. */
export function reconcile(db: DatabaseHandle, layout: LibraryLayout, options: ReconcileOptions = {}): ReconcileReport {
  const started = performance.now();
  let repair = options.repair ?? true;
  const issues: ReconcileIssue[] = [];
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');

  const moveToLostAndFound = (path: string, label: string): string => {
    mkdirSync(layout.lostAndFound, { recursive: true, mode: 0o700 });
    let target = join(layout.lostAndFound, `${stamp}-${label}`);
    for (let counter = 1; existsSync(target); counter++) target = join(layout.lostAndFound, `${stamp}-${label}-${counter}`);
    renameSync(path, target);
    return target;
  };

  const check = options.integrity === false ? 'ok' : (db.pragma('quick_check', { simple: true }) as string);
  const machines = db.prepare('SELECT id, name FROM machines').all() as { id: string; name: string }[];
  const machineIds = new Set(machines.map((machine) => machine.id));
  const folderNames = listNames(layout.machinesFolder);
  const unhealthy =
    check !== 'ok'
      ? `SQLite quick_check: ${check}`
      : machines.length === 0 && folderNames.some(isId)
        ? 'the database has no machines while machine folders exist'
        : null;
  if (unhealthy) {
    // Moving folders on the word of a damaged or emptied database would hide every machine.
    repair = false;
    issues.push({ kind: 'database-integrity', path: layout.database, action: 'reported', detail: `${unhealthy}; nothing was moved. ${restoreAdvice(layout)}` });
  }

  // Interrupted creates and deletes first: they decide which folders are a machine's.
  for (const name of folderNames) {
    const prefix = [creatingPrefix, deletingKeepPrefix, deletingPrefix].find((candidate) => name.startsWith(candidate));
    const id = prefix ? name.slice(prefix.length) : '';
    if (!prefix || !isId(id)) continue;
    const path = join(layout.machinesFolder, name);
    const final = layout.machineFolder(id);
    const hasRow = machineIds.has(id);
    if (prefix === creatingPrefix) {
      if (hasRow && !existsSync(final)) {
        if (repair) moveIntoPlace(layout, id);
        issues.push({ kind: 'interrupted-create', path, id, action: repair ? 'completed' : 'reported', detail: `The create of machine ${id} was committed but its folder was not moved into place; ${repair ? 'moved it' : 'it can be moved'} to ${final}.` });
      } else {
        if (repair) rmSync(path, { recursive: true, force: true });
        issues.push({ kind: 'interrupted-create', path, id, action: repair ? 'removed' : 'reported', detail: `A machine create was interrupted before it was saved; ${repair ? 'removed' : 'remove'} its half-made folder (a new, empty disk at most).` });
      }
    } else if (hasRow && !existsSync(final)) {
      if (repair) moveIntoPlace(layout, id, path);
      issues.push({ kind: 'interrupted-delete', path, id, action: repair ? 'restored' : 'reported', detail: `The delete of machine ${id} was interrupted before it was saved; the machine is kept and its folder ${repair ? 'was' : 'can be'} moved back.` });
    } else if (prefix === deletingKeepPrefix) {
      const movedTo = repair ? moveToLostAndFound(path, `machine-${id}`) : undefined;
      issues.push({ kind: 'interrupted-delete', path, id, action: repair ? 'moved' : 'reported', ...(movedTo ? { movedTo } : {}), detail: 'A machine delete (keeping its files) was interrupted after it was saved; its files are in lost+found.' });
    } else {
      if (repair) rmSync(path, { recursive: true, force: true });
      issues.push({ kind: 'interrupted-delete', path, id, action: repair ? 'removed' : 'reported', detail: `A machine delete was interrupted after it was saved; ${repair ? 'finished it (removed' : 'its files can be removed ('} the folder).` });
    }
  }
  // Listings taken once per machine and reused below (this pass must stay fast for 1,000s of
  // machines: one readdir per folder, no per-file stat unless a row points at the file).
  const snapshotListing = new Map<string, string[]>();
  const diskListing = new Map<string, string[]>();
  for (const machine of machines) {
    const folder = layout.machineFolder(machine.id);
    const snapshotNames = listNamesOrNull(layout.snapshotsFolder(machine.id));
    snapshotListing.set(machine.id, snapshotNames ?? []);
    diskListing.set(machine.id, listNames(layout.disksFolder(machine.id)));
    if (snapshotNames === null && !existsSync(folder)) {
      if (repair) layout.ensureMachine(machine.id);
      issues.push({ kind: 'machine-folder-missing', path: folder, id: machine.id, action: repair ? 'created' : 'reported', detail: `Folder of machine "${machine.name}" was missing.` });
    }
  }
  for (const name of folderNames) {
    if (machineIds.has(name) || name.startsWith(creatingPrefix) || name.startsWith(deletingPrefix)) continue;
    const path = join(layout.machinesFolder, name);
    if (isId(name) && hasMachineFile(path)) {
      issues.push({ kind: 'unregistered-machine-folder', path, id: name, action: 'reported', detail: `Machine folder ${name} has a machine.json but no row in the database; register it again with: ${hangarCommand(layout, 'library rebuild')}` });
      continue;
    }
    const movedTo = repair ? moveToLostAndFound(path, `machine-${name}`) : undefined;
    issues.push({ kind: 'orphan-machine-folder', path, action: repair ? 'moved' : 'reported', ...(movedTo ? { movedTo } : {}), detail: 'No machine in the database owns this folder.' });
  }

  // Snapshots.
  const snapshots = db.prepare('SELECT id, machine_id, name, state_file, state_size, disk_chain, intact FROM snapshots').all() as {
    id: string;
    machine_id: string;
    name: string;
    state_file: string;
    state_size: number;
    disk_chain: string;
    intact: number;
  }[];
  const snapshotIds = new Set(snapshots.map((snapshot) => snapshot.id));
  const chainFiles = new Set<string>();
  const markBroken = db.prepare('UPDATE snapshots SET intact = 0 WHERE id = ?');
  for (const snapshot of snapshots) {
    const machineFolder = layout.machineFolder(snapshot.machine_id);
    let problem: { kind: ReconcileIssueKind; path: string; detail: string } | null = null;
    let statePath: string;
    try {
      statePath = containedPath(machineFolder, snapshot.state_file);
    } catch {
      statePath = join(machineFolder, 'invalid-state-path');
    }
    const size = fileSize(statePath);
    if (size === null) problem = { kind: 'snapshot-file-missing', path: statePath, detail: `State file of snapshot "${snapshot.name}" is missing.` };
    else if (size < snapshot.state_size) problem = { kind: 'snapshot-file-truncated', path: statePath, detail: `State file of snapshot "${snapshot.name}" has ${size} of ${snapshot.state_size} bytes.` };
    for (const file of JSON.parse(snapshot.disk_chain) as string[]) {
      const path = join(machineFolder, file);
      chainFiles.add(path);
      if (!problem && fileSize(path) === null) problem = { kind: 'snapshot-file-missing', path, detail: `Disk overlay of snapshot "${snapshot.name}" is missing.` };
    }
    if (problem) {
      const alreadyMarked = snapshot.intact === 0;
      if (repair && !alreadyMarked) markBroken.run(snapshot.id);
      issues.push({ ...problem, id: snapshot.id, action: repair ? 'marked' : 'reported' });
    }
  }
  for (const machineId of machineIds) {
    const folder = layout.snapshotsFolder(machineId);
    for (const name of snapshotListing.get(machineId) ?? []) {
      if (snapshotIds.has(name)) continue;
      const path = join(folder, name);
      const contents = listNamesOrNull(path);
      if (contents !== null && contents.every((entry) => entry.includes(tempMarker))) {
        // A take interrupted before its state file was complete: nothing in it can be used.
        if (repair) rmSync(path, { recursive: true, force: true });
        issues.push({ kind: 'orphan-snapshot-folder', path, action: repair ? 'removed' : 'reported', detail: 'An interrupted snapshot with no complete file (only partial writes).' });
        continue;
      }
      const movedTo = repair ? moveToLostAndFound(path, `snapshot-${isId(name) ? name : 'unknown'}`) : undefined;
      issues.push({ kind: 'orphan-snapshot-folder', path, action: repair ? 'moved' : 'reported', ...(movedTo ? { movedTo } : {}), detail: 'No snapshot row points at this folder (an interrupted take or delete).' });
    }
  }

  // Disks.
  const disks = db.prepare('SELECT id, machine_id, path FROM disks').all() as { id: string; machine_id: string; path: string }[];
  const diskPaths = new Set(disks.map((disk) => disk.path));
  for (const disk of disks) {
    if (fileSize(disk.path) === null) issues.push({ kind: 'disk-missing', path: disk.path, id: disk.id, action: 'reported', detail: 'The disk image is missing; restore it or detach the disk.' });
  }
  for (const machineId of machineIds) {
    const folder = layout.disksFolder(machineId);
    for (const name of diskListing.get(machineId) ?? []) {
      const path = join(folder, name);
      if (name.includes(tempMarker)) {
        // Leftover of an interrupted disk creation: never a complete image (those are renamed).
        if (repair) rmSync(path, { force: true });
        issues.push({ kind: 'temp-file', path, action: repair ? 'removed' : 'reported', detail: 'Leftover of an interrupted disk creation.' });
        continue;
      }
      if (diskPaths.has(path) || chainFiles.has(path)) continue;
      const movedTo = repair ? moveToLostAndFound(path, `disk-${machineId}-${name}`) : undefined;
      issues.push({ kind: 'orphan-disk-file', path, action: repair ? 'moved' : 'reported', ...(movedTo ? { movedTo } : {}), detail: `No disk row of machine ${machineId} uses ${relative(layout.root, path)}.` });
    }
  }

  if (options.media ?? true) {
    const rows = db.prepare('SELECT id, path, present FROM media').raw().all() as [string, string, number][];
    const present = rows.map(([, path]) => (fileSize(path) === null ? 0 : 1));
    issues.push(...applyMediaPresence(db, rows, present, repair));
  }

  return { issues, elapsedMs: performance.now() - started };
}

function applyMediaPresence(db: DatabaseHandle, rows: [string, string, number][], present: number[], repair: boolean): ReconcileIssue[] {
  const issues: ReconcileIssue[] = [];
  const setPresent = db.prepare('UPDATE media SET present = ? WHERE id = ? AND path = ?');
  db.transaction(() => {
    rows.forEach(([id, path, wasPresent], index) => {
      const now = present[index];
      if (now === undefined || now === wasPresent) return;
      if (repair) setPresent.run(now, id, path);
      issues.push({
        kind: 'media-presence-changed',
        path,
        id,
        action: repair ? 'marked' : 'reported',
        detail: now ? 'Media file is back.' : 'Media file is missing; references to it are kept.',
      });
    });
  })();
  return issues;
}

/**
 * Media presence check without blocking: stats every media file through the thread pool in
 * batches, then records changes in one transaction. `isOpen` is consulted before writing so a
 * library closed meanwhile is left alone.
 */
export async function reconcileMediaInBackground(db: DatabaseHandle, isOpen: () => boolean): Promise<ReconcileIssue[]> {
  const rows = db.prepare('SELECT id, path, present FROM media').raw().all() as [string, string, number][];
  const present: number[] = new Array<number>(rows.length);
  const batch = 512;
  for (let start = 0; start < rows.length; start += batch) {
    const slice = rows.slice(start, start + batch);
    const results = await Promise.all(slice.map(([, path]) => stat(path).then((entry) => (entry.isFile() ? 1 : 0), () => 0)));
    results.forEach((value, offset) => (present[start + offset] = value));
    if (!isOpen()) return [];
  }
  return isOpen() ? applyMediaPresence(db, rows, present, true) : [];
}
