/** The Library: one open library folder with its database, lock, repositories and watcher. */
import { EventEmitter } from 'node:events';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { openDatabase, type DatabaseHandle } from './db.js';
import { createDiskImage, type DiskProgress } from './disk-images.js';
import { LibraryError, invalid } from './errors.js';
import { LibraryLock, type LockOwner } from './lock.js';
import { MachineRepository } from './machines.js';
import { MediaRepository } from './media.js';
import { builtinOsInfo, detectOs, osCatalog, type OsCatalog, type OsDetection } from './osinfo.js';
import { containedPath, defaultLibraryFolder, LibraryLayout, sanitizeFileName } from './paths.js';
import { reconcile, reconcileMediaInBackground, type ReconcileIssue, type ReconcileReport } from './reconcile.js';
import { SettingsRepository } from './settings.js';
import { SnapshotRepository } from './snapshots.js';
import type { Disk, DiskBus, DiskFormat, LibraryChange, Result, WatchedFolder } from './types.js';
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
    try {
      const db = openDatabase(layout.database);
      const report = mode === false ? { issues: [], elapsedMs: 0 } : reconcile(db, layout, { repair: mode === 'repair', integrity: recovered !== null, media: mode === 'report' });
      library = new Library(layout, db, lock, recovered, options.osCatalog ?? osCatalog, report);
    } catch (error) {
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

  /** Runs reconcile again (e.g. from a "check library" command). */
  reconcile(options: { repair?: boolean } = {}): ReconcileReport {
    return reconcile(this.#db, this.layout, options);
  }

  /**
   * Copies the database with SQLite's online backup API (safe while in use) to `destination`
   * (default backups/library-<time>.db). Resolves to the written path.
   */
  async backup(destination?: string, onProgress?: (fraction: number) => void): Promise<string> {
    const target = destination ?? join(this.layout.backupsFolder, `library-${new Date().toISOString().replace(/[:.]/g, '-')}.db`);
    if (!destination) mkdirSync(this.layout.backupsFolder, { recursive: true });
    if (target === this.layout.database) throw invalid('destination', 'cannot back up the library database onto itself.');
    await this.#db.backup(target, {
      progress: ({ totalPages, remainingPages }) => {
        onProgress?.(totalPages === 0 ? 1 : (totalPages - remainingPages) / totalPages);
        return 256;
      },
    });
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
