/** The Library: one open library folder with its database, lock, repositories and watcher. */
import { EventEmitter } from 'node:events';
import { chmodSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { backupDue, ensureBackupsFolder, writeBackup } from './backups.js';
import { crashPoint } from './crash-points.js';
import { openDatabase, type DatabaseHandle } from './db.js';
import { describePermissionFixes, tightenLibraryPermissions } from './permissions.js';
import { createDiskImage, type DiskProgress } from './disk-images.js';
import { LibraryError, invalid } from './errors.js';
import { LibraryLock, type LockOwner } from './lock.js';
import { machineFileContent, machineFileName, writeMachineFile } from './machine-file.js';
import { MachineRepository, type MachineExtras } from './machines.js';
import { MediaRepository } from './media.js';
import { builtinOsInfo, detectOs, osCatalog, type OsCatalog, type OsDetection } from './osinfo.js';
import { containedPath, defaultLibraryFolder, LibraryLayout, sanitizeFileName } from './paths.js';
import { reconcile, reconcileMediaInBackground, type ReconcileIssue, type ReconcileReport } from './reconcile.js';
import { SettingsRepository } from './settings.js';
import { SnapshotRepository } from './snapshots.js';
import type { Disk, DiskBus, DiskFormat, DiskInput, LibraryChange, Machine, MachineInput, Result, WatchedFolder } from './types.js';
import { MediaWatcher } from './watcher.js';

/** Options of `Library.open`. */
export interface LibraryOpenOptions {
  /**
   * Take the single-instance lock (default true). Pass false only for tools that read (or make
   * small edits) while the app may be running: no reconcile repair and no watcher then.
   */
  lock?: boolean;
  /** Reconcile at open: 'repair' (default with the lock), 'report' (no changes) or false (default without). */
  reconcile?: 'repair' | 'report' | false;
  /** Watch media folders with chokidar (default: true with the lock, false without). */
  watch?: boolean;
  /** Milliseconds a copied file's size must stay stable before it is probed (default 400). */
  watchStabilityMs?: number;
  /** OS catalog provider (default: the process-wide osinfo catalog, loaded on first use). */
  osCatalog?: () => OsCatalog;
}

/** Events of a Library. */
export interface LibraryEvents {
  /** Something in the library changed (machines, media, snapshots, folders, settings). */
  change: [LibraryChange];
  /** A non-fatal problem (a media file that could not be read, a watcher error). */
  warning: [string];
}

/** Options of `Library.createDisk`. */
export interface CreateDiskInput {
  /** File name (sanitised); defaults to disk<N>. The extension follows the format. */
  name?: string;
  format: DiskFormat;
  sizeBytes: number;
  bus?: DiskBus;
  preallocate?: boolean;
  onProgress?: DiskProgress;
  signal?: AbortSignal;
}

/** Options of `Library.createMachine`. */
export interface CreateMachineOptions extends MachineExtras {
  /** A new disk image to create in the machine's folder (attached after `disks`). */
  newDisk?: Omit<CreateDiskInput, 'onProgress' | 'signal'>;
  /** Progress of the new disk's creation, with the id the machine will have. */
  onProgress?: (machineId: string, fraction: number) => void;
  signal?: AbortSignal;
}

/**
 * An open library. Create with `Library.open(folder)`; `close()` releases the database, the
 * watcher and the lock.
 */
export class Library extends EventEmitter<LibraryEvents> {
  readonly layout: LibraryLayout;
  readonly machines: MachineRepository;
  readonly media: MediaRepository;
  readonly snapshots: SnapshotRepository;
  readonly settings: SettingsRepository;
  /** What reconcile found at open (empty when it was not run). */
  readonly reconcileReport: ReconcileReport;
  /** The owner of a lock left behind by a crashed instance, when open recovered it. */
  readonly recoveredStaleLock: LockOwner | null;
  /** Problems open worked around (e.g. the daily backup could not be written). */
  readonly openWarnings: string[] = [];
  readonly #db: DatabaseHandle;
  readonly #lock: LibraryLock | null;
  readonly #catalog: () => OsCatalog;
  #watcher: MediaWatcher | null = null;
  #closed = false;
  /**
   * Resolves when the background media presence check started by open is done, with the media
   * whose presence changed (they are also reported as 'change' events and appended to
   * reconcileReport.issues). Resolves to [] when reconcile was off or the library closed first.
   */
  mediaChecked: Promise<ReconcileIssue[]> = Promise.resolve([]);

  private constructor(
    layout: LibraryLayout,
    db: DatabaseHandle,
    lock: LibraryLock | null,
    recoveredStaleLock: LockOwner | null,
    catalog: () => OsCatalog,
    reconcileReport: ReconcileReport,
  ) {
    super();
    this.layout = layout;
    this.#db = db;
    this.#lock = lock;
    this.recoveredStaleLock = recoveredStaleLock;
    this.#catalog = catalog;
    this.reconcileReport = reconcileReport;
    const emit = (change: LibraryChange): void => {
      this.#syncMachineFile(change);
      this.emit('change', change);
    };
    const isKnownOs = (osId: string): boolean => builtinOsInfo(osId) !== undefined || catalog().has(osId);
    this.machines = new MachineRepository(db, layout, isKnownOs, emit);
    this.media = new MediaRepository(db, catalog, emit);
    this.snapshots = new SnapshotRepository(db, layout, emit);
    this.settings = new SettingsRepository(db, emit);
  }

  /**
   * Opens (creating if needed) the library in `folder` (default: $HANGAR_HOME or the XDG data
   * folder). Throws LibraryError: Locked (another instance has it), NewerSchema, Corrupt, IoError.
   */
  static async open(folder: string = defaultLibraryFolder(), options: LibraryOpenOptions = {}): Promise<Library> {
    const layout = new LibraryLayout(folder);
    const locked = options.lock ?? true;
    if (!locked && (options.reconcile === 'repair' || options.watch === true)) {
      throw invalid('options', 'reconcile repair and the media watcher change files and rows; they need the library lock (lock: true).');
    }
    const mode = options.reconcile ?? (locked ? 'repair' : false);
    try {
      layout.ensure();
    } catch (error) {
      throw new LibraryError('IoError', `Cannot create the library folder ${layout.root}: ${(error as Error).message}`, { cause: error });
    }
    let lock: LibraryLock | null = null;
    let recovered: LockOwner | null = null;
    if (locked) {
      const acquired = LibraryLock.acquire(layout.lockFile);
      lock = acquired.lock;
      recovered = acquired.recoveredStale;
    }
    let library: Library;
    let db: DatabaseHandle | null = null;
    try {
      db = openDatabase(layout.database, { layout });
      let backupWarning: string | null = null;
      if (locked && backupDue(layout)) {
        try {
          writeBackup(db, layout, 'daily');
        } catch (error) {
          backupWarning = `The daily backup of the library database could not be written to ${layout.backupsFolder}: ${(error as Error).message}`;
        }
      }
      // openDatabase ran quick_check already.
      const report = mode === false ? { issues: [], elapsedMs: 0 } : reconcile(db, layout, { repair: mode === 'repair', integrity: false, media: mode === 'report' });
      library = new Library(layout, db, lock, recovered, options.osCatalog ?? osCatalog, report);
      if (backupWarning) library.openWarnings.push(backupWarning);
      if (locked) {
        // After the database is open, so library.db and its -wal/-shm are checked too.
        const permissions = tightenLibraryPermissions(layout.root);
        if (permissions.fixed.length > 0) library.openWarnings.push(describePermissionFixes(layout.root, permissions.fixed));
        for (const failure of permissions.failed) library.openWarnings.push(`Cannot make ${failure.path} private (mode 0600/0700): ${failure.reason}`);
      }
      if (mode === 'repair') library.#refreshMachineFiles(recovered !== null);
    } catch (error) {
      // A failed open holds nothing: no connection (it would keep the file busy) and no lock.
      if (db?.open) db.close();
      lock?.release();
      throw error;
    }
    if (mode === 'repair') {
      library.mediaChecked = reconcileMediaInBackground(library.#db, () => !library.#closed).then(
        (issues) => {
          library.reconcileReport.issues.push(...issues);
          for (const issue of issues) if (issue.id) library.emit('change', { entity: 'media', action: 'updated', id: issue.id });
          return issues;
        },
        (error: unknown) => {
          library.emit('warning', `Media presence check failed: ${(error as Error).message}`);
          return [];
        },
      );
    }
    try {
      const defaultFolder = library.media.folders().find((entry) => entry.isDefault) ?? library.media.addFolder(layout.mediaFolder, true);
      if (options.watch ?? locked) {
        library.#watcher = new MediaWatcher(library.media, {
          stabilityMs: options.watchStabilityMs ?? 400,
          onWarning: (message) => library.emit('warning', message),
        });
        for (const watched of [defaultFolder, ...library.media.folders().filter((entry) => !entry.isDefault)]) {
          try {
            await library.#watcher.watch(watched.path, watched.id);
          } catch (error) {
            library.emit('warning', `Cannot watch ${watched.path}: ${(error as Error).message}`);
          }
        }
      }
    } catch (error) {
      await library.close();
      throw error;
    }
    return library;
  }

  /** `open` as a Result instead of an exception (for process boundaries). */
  static async tryOpen(folder?: string, options?: LibraryOpenOptions): Promise<Result<Library>> {
    try {
      return { ok: true, value: await Library.open(folder, options) };
    } catch (error) {
      return { ok: false, error: error instanceof LibraryError ? error.toJSON() : { class: 'IoError', desc: (error as Error).message } };
    }
  }

  get folder(): string {
    return this.layout.root;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** The OS catalog (osinfo); loads it on first use. */
  osCatalog(): OsCatalog {
    return this.#catalog();
  }

  /** Detects the OS on an install medium. */
  detectOs(path: string): OsDetection {
    return detectOs(path, this.#catalog());
  }

  /** Adds a watched folder and starts watching it. */
  async addWatchedFolder(path: string): Promise<WatchedFolder> {
    const folder = this.media.addFolder(path);
    await this.#watcher?.watch(folder.path, folder.id);
    return folder;
  }

  /** Stops watching a folder (its media stay registered). */
  async removeWatchedFolder(id: string): Promise<void> {
    const folder = this.media.folders().find((entry) => entry.id === id);
    this.media.removeFolder(id);
    if (folder) await this.#watcher?.unwatch(folder.path);
  }

  /**
   * Creates a disk image in machines/<id>/disks/ and attaches it (file first, row last).
   * The name is sanitised; an existing file is never overwritten.
   */
  async createDisk(machineId: string, input: CreateDiskInput): Promise<Disk> {
    const machine = this.machines.get(machineId);
    this.layout.ensureMachine(machineId);
    const extension = input.format === 'qcow2' ? '.qcow2' : '.img';
    const base = sanitizeFileName((input.name ?? `disk${machine.disks.length}`).replace(/\.(qcow2|img|raw)$/i, ''), `disk${machine.disks.length}`);
    const path = containedPath(this.layout.disksFolder(machineId), `${base}${extension}`);
    await createDiskImage(path, {
      format: input.format,
      sizeBytes: input.sizeBytes,
      ...(input.preallocate !== undefined ? { preallocate: input.preallocate } : {}),
      ...(input.onProgress ? { onProgress: input.onProgress } : {}),
      ...(input.signal ? { signal: input.signal } : {}),
    });
    return this.machines.attachDisk(machineId, { path, format: input.format, sizeBytes: input.sizeBytes, bus: input.bus ?? 'ide' });
  }

  /**
   * Creates a machine atomically: its folder is built under machines/.creating-<id> (a new disk
   * image included), then one transaction commits the machine, its drives and disks, then the
   * folder moves into place. A failure or crash at any point leaves no machine and no files
   * (the next open removes a leftover staging folder, or finishes a create that had committed).
   */
  async createMachine(input: MachineInput, options: CreateMachineOptions = {}): Promise<Machine> {
    const staged = this.machines.stage(input);
    try {
      const disks: DiskInput[] = [...(options.disks ?? [])];
      if (options.newDisk) {
        const disk = options.newDisk;
        const extension = disk.format === 'qcow2' ? '.qcow2' : '.img';
        const file = `${sanitizeFileName((disk.name ?? 'disk0').replace(/\.(qcow2|img|raw)$/i, ''), 'disk0')}${extension}`;
        options.onProgress?.(staged.id, 0);
        await createDiskImage(join(staged.folder, 'disks', file), {
          format: disk.format,
          sizeBytes: disk.sizeBytes,
          ...(disk.preallocate !== undefined ? { preallocate: disk.preallocate } : {}),
          onProgress: (fraction) => options.onProgress?.(staged.id, fraction),
          ...(options.signal ? { signal: options.signal } : {}),
        });
        crashPoint('create:disk');
        disks.push({ path: join(staged.finalFolder, 'disks', file), format: disk.format, sizeBytes: disk.sizeBytes, bus: disk.bus ?? 'ide' });
      }
      return this.machines.commitStaged(staged, { ...(options.drives ? { drives: options.drives } : {}), disks });
    } catch (error) {
      this.machines.discardStaged(staged);
      throw error;
    }
  }

  /** Keeps machine.json in step with the rows after every machine or snapshot change. */
  #syncMachineFile(change: LibraryChange): void {
    const machineId = change.entity === 'machine' ? change.id : change.entity === 'snapshot' ? change.machineId : undefined;
    // 'added': the create wrote it before its commit; 'removed': the folder is gone.
    if (!machineId || change.action === 'added' && change.entity === 'machine' || change.action === 'removed' && change.entity === 'machine') return;
    try {
      writeMachineFile(this.#db, this.layout, machineId);
    } catch (error) {
      this.emit('warning', `Cannot write ${machineFileName} of machine ${machineId}: ${(error as Error).message}`);
    }
  }

  /**
   * Writes machine.json where it is missing (libraries from before it existed) and, after an
   * unclean shutdown (a change may have committed without its file), where it differs.
   */
  #refreshMachineFiles(compare: boolean): void {
    for (const { id } of this.machines.list()) {
      const path = join(this.layout.machineFolder(id), machineFileName);
      try {
        if (existsSync(path) && !(compare && machineFileDiffers(this.#db, this.layout, id, path))) continue;
        writeMachineFile(this.#db, this.layout, id);
      } catch (error) {
        this.openWarnings.push(`Cannot write ${path}: ${(error as Error).message}`);
      }
    }
  }

  /** Runs reconcile again (e.g. from a "check library" command). */
  reconcile(options: { repair?: boolean } = {}): ReconcileReport {
    return reconcile(this.#db, this.layout, options);
  }

  /**
   * Copies the database with SQLite's online backup API (safe while in use) to `destination`
   * (default backups/library-<time>.db). Resolves to the written path.
   */
  async backup(destination?: string, onProgress?: (fraction: number) => void): Promise<string> {
    const target = destination ?? join(this.layout.backupsFolder, `library-${new Date().toISOString().replace(/[:.]/g, '-')}-manual.db`);
    if (!destination) ensureBackupsFolder(this.layout);
    if (target === this.layout.database) throw invalid('destination', 'cannot back up the library database onto itself.');
    await this.#db.backup(target, {
      progress: ({ totalPages, remainingPages }) => {
        onProgress?.(totalPages === 0 ? 1 : (totalPages - remainingPages) / totalPages);
        return 256;
      },
    });
    chmodSync(target, 0o600);
    onProgress?.(1);
    return target;
  }

  /** The database handle, for diagnostics and tests. Do not write through it. */
  get database(): DatabaseHandle {
    return this.#db;
  }

  /** Stops the watcher, closes the database and releases the lock (idempotent). */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.mediaChecked;
    await this.#watcher?.close();
    this.#watcher = null;
    try {
      // Fold the WAL back so the folder holds one self-contained database file.
      this.#db.pragma('wal_checkpoint(TRUNCATE)');
    } catch {
      // A busy reader elsewhere: the WAL stays and is replayed on the next open.
    }
    this.#db.close();
    this.#lock?.release();
    this.removeAllListeners();
  }
}

function machineFileDiffers(db: DatabaseHandle, layout: LibraryLayout, machineId: string, path: string): boolean {
  const wanted = machineFileContent(db, layout, machineId);
  try {
    const { writtenAt: _a, ...stored } = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
    const { writtenAt: _b, ...fresh } = wanted ?? {};
    return JSON.stringify(stored) !== JSON.stringify(fresh);
  } catch {
    return true;
  }
}
