/**
 * Keeps the media table current with watched folders (chokidar). Added or changed files are
 * (re)registered once their size is stable; removed files are marked missing; a rename shows up
 * as remove + add and keeps the row (matched by inode in MediaRepository.add).
 */
import { resolve } from 'node:path';
import { watch, type FSWatcher } from 'chokidar';
import { isMediaFile } from './media-probe.js';
import type { MediaRepository } from './media.js';
import { tempMarker } from './paths.js';

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
  #closed = false;

  constructor(media: MediaRepository, options: MediaWatcherOptions = {}) {
    this.#media = media;
    this.#options = options;
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
    const guarded = (action: () => void, file: string): void => {
      if (this.#closed) return;
      try {
        action();
      } catch (error) {
        this.#options.onWarning?.(`Media watcher: ${file}: ${(error as Error).message}`);
      }
    };
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
    const watchers = [...this.#watchers.values()];
    this.#watchers.clear();
    await Promise.all(watchers.map((watcher) => watcher.close()));
  }
}
