/**
 * Keeps the media table current with watched folders (chokidar). Added or changed files are
 * (re)registered once their size is stable; removed files are marked missing; a rename shows up
 * as remove + add and keeps the row (matched by inode in MediaRepository.add). Media files added
 * on their own (outside any watched folder) are watched one by one, so their deletion shows too.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { watch, type FSWatcher } from 'chokidar';
import { isMediaFile } from './media-probe.js';
import type { MediaRepository } from './media.js';
import { tempMarker } from './paths.js';

/** When a newly watched single file is checked once more (its watch is in place by then). */
const recheckDelayMs = 1_000;

export interface MediaWatcherOptions {
  /** How long a file's size must stay unchanged before it is probed (ms). */
  stabilityMs?: number;
  /** Reports failures of single files (unreadable, vanished mid-probe). */
  onWarning?: (message: string) => void;
}

/** Watches folders for media files. Owned by the Library; `close()` stops it. */
export class MediaWatcher {
  readonly #media: MediaRepository;
  readonly #options: MediaWatcherOptions;
  readonly #watchers = new Map<string, FSWatcher>();
  /** One watcher for the media files added on their own (no watched folder covers them). */
  #files: FSWatcher | null = null;
  readonly #filePaths = new Set<string>();
  readonly #rechecks = new Set<NodeJS.Timeout>();
  #closed = false;

  /**
   * Starts watching every media file registered on its own, now and when more are added, so a
   * file deleted on disk shows as missing within moments, as watched-folder media do.
   */
  constructor(media: MediaRepository, options: MediaWatcherOptions = {}) {
    this.#media = media;
    this.#options = options;
    media.onIndividualAdd((path) => this.#watchFile(path));
    for (const path of media.individualPaths()) this.#watchFile(path);
  }

  #guarded(action: () => void, file: string): void {
    if (this.#closed) return;
    try {
      action();
    } catch (error) {
      this.#options.onWarning?.(`Media watcher: ${file}: ${(error as Error).message}`);
    }
  }

  /** Adds one file to the individual-file watcher (idempotent). */
  #watchFile(path: string): void {
    const file = resolve(path);
    if (this.#closed || this.#filePaths.has(file)) return;
    this.#filePaths.add(file);
    // chokidar sets its watch up asynchronously and says nothing about a file deleted before
    // that: look once more when the watch is surely in place.
    const recheck = setTimeout(() => {
      this.#rechecks.delete(recheck);
      this.#guarded(() => existsSync(file) || this.#media.markMissing(file), file);
    }, recheckDelayMs);
    recheck.unref();
    this.#rechecks.add(recheck);
    if (this.#files) {
      this.#files.add(file);
      return;
    }
    const stabilityMs = this.#options.stabilityMs ?? 400;
    const files = watch(file, {
      persistent: true,
      ignoreInitial: true,
      awaitWriteFinish: { stabilityThreshold: stabilityMs, pollInterval: Math.max(50, Math.floor(stabilityMs / 4)) },
    });
    this.#files = files;
    files.on('unlink', (removed) => this.#guarded(() => this.#media.markMissing(removed), removed));
    // Put back or replaced: registered again (refreshed size, present).
    files.on('add', (added) => this.#guarded(() => this.#media.findByPath(added) && this.#media.add(added), added));
    files.on('change', (changed) => this.#guarded(() => this.#media.findByPath(changed) && this.#media.add(changed), changed));
    files.on('error', (error) => this.#options.onWarning?.(`Media watcher on single files: ${(error as Error).message}`));
  }

  /** Starts watching `path` for the watched-folder row `folderId`; resolves after the initial scan. */
  async watch(path: string, folderId: string): Promise<void> {
    const folder = resolve(path);
    if (this.#closed || this.#watchers.has(folder)) return;
    const stabilityMs = this.#options.stabilityMs ?? 400;
    const watcher = watch(folder, {
      persistent: true,
      ignoreInitial: false,
      depth: 4,
      ignored: (file: string) => file.includes(tempMarker) || /(^|[/\\])\.[^/\\]/.test(file.slice(folder.length)),
      awaitWriteFinish: { stabilityThreshold: stabilityMs, pollInterval: Math.max(50, Math.floor(stabilityMs / 4)) },
    });
    this.#watchers.set(folder, watcher);
    const guarded = (action: () => void, file: string): void => this.#guarded(action, file);
    watcher.on('add', (file) => isMediaFile(file) && guarded(() => this.#media.add(file, folderId), file));
    watcher.on('change', (file) => isMediaFile(file) && guarded(() => this.#media.add(file, folderId), file));
    watcher.on('unlink', (file) => isMediaFile(file) && guarded(() => this.#media.markMissing(file), file));
    watcher.on('error', (error) => this.#options.onWarning?.(`Media watcher on ${folder}: ${(error as Error).message}`));
    await new Promise<void>((resolveReady) => watcher.once('ready', () => resolveReady()));
  }

  /** Stops watching one folder. */
  async unwatch(path: string): Promise<void> {
    const folder = resolve(path);
    const watcher = this.#watchers.get(folder);
    this.#watchers.delete(folder);
    await watcher?.close();
  }

  /** Stops every watcher. */
  async close(): Promise<void> {
    this.#closed = true;
    const watchers = [...this.#watchers.values(), ...(this.#files ? [this.#files] : [])];
    this.#watchers.clear();
    this.#files = null;
    this.#filePaths.clear();
    for (const recheck of this.#rechecks) clearTimeout(recheck);
    this.#rechecks.clear();
    await Promise.all(watchers.map((watcher) => watcher.close()));
  }
}
