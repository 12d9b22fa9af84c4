/**
 * A writable disk as a chain: a base image and copy-on-write overlays on top of it. Before the
 * first snapshot the guest writes the base image itself; a snapshot freezes the top layer and
 * puts a new empty overlay above it, so the snapshot's disk state is its frozen chain and
 * restoring it is "a new empty overlay over that chain".
 *
 * The live chain is recorded in `<dir>/<drive>.chain.json` (written atomically) so a restarted
 * engine reopens the same layers.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { basename, join } from 'node:path';
import { writeFileAtomic } from '../snapshot/atomic.js';
import type { BlockLayer } from './block-file.js';
import { ImageError, RawFile } from './block-file.js';
import { diskImageFormat, type DiskImageFormat } from './disk-format.js';
import { checkImageFile, FileDisk } from './file-disk.js';
import { Overlay, createOverlayFile } from './overlay.js';
import { Qcow2File } from './qcow2.js';

/** Layers of a disk, bottom first: the base image path, then overlay file names in `dir`. */
export interface ChainDescription {
  readonly base: string;
  readonly overlays: readonly string[];
}

function openLayers(chain: ChainDescription, dir: string, writableTop: boolean, baseFormat: DiskImageFormat): BlockLayer {
  const topIsBase = chain.overlays.length === 0;
  let layer: BlockLayer = baseFormat === 'qcow2' ? new Qcow2File(chain.base) : new RawFile(chain.base, !(writableTop && topIsBase));
  try {
    chain.overlays.forEach((name, index) => {
      const top = index === chain.overlays.length - 1;
      layer = new Overlay(join(dir, name), layer, !(writableTop && top));
    });
  } catch (error) {
    layer.close();
    throw error;
  }
  return layer;
}

/** The live chain of one writable drive. */
export class DiskChain {
  private current: ChainDescription;
  private diskObject: FileDisk;

  private constructor(
    readonly drive: string,
    readonly dir: string,
    chain: ChainDescription,
    /** True when the base image is qcow2. */
    readonly baseIsQcow2: boolean,
  ) {
    this.current = chain;
    // Before its first overlay exists, a qcow2 base is opened read-only (the overlay follows at once).
    this.diskObject = new FileDisk(openLayers(chain, dir, !(baseIsQcow2 && chain.overlays.length === 0), this.format));
  }

  /** Image format of the base: raw or qcow2. */
  get format(): 'raw' | 'qcow2' {
    return this.baseIsQcow2 ? 'qcow2' : 'raw';
  }

  /**
   * Opens the drive's chain: the recorded one if it is for the same base image, else the base
   * image alone. `format` is the base image's declared format (the library stores it with the
   * disk); without it the header decides. Throws ImageError for a damaged or truncated base or
   * layer, and for a qcow2 image with a damaged header: it is never opened as raw.
   */
  static open(drive: string, base: string, dir: string, format?: DiskImageFormat): DiskChain {
    checkImageFile(base, 'disk');
    const recorded = DiskChain.recorded(drive, dir);
    // A record for another base image is from a disk that was replaced: start from the new one.
    // For this base, every recorded layer must be there: opening the base alone would hide the
    // guest's writes since the first snapshot and let new writes land in a base snapshots share.
    const usable = recorded !== undefined && recorded.base === base;
    if (usable) {
      const missing = recorded.overlays.filter((name) => !existsSync(join(dir, name)));
      if (missing.length > 0) {
        throw new ImageError(
          `The disk layer${missing.length > 1 ? 's' : ''} ${missing.join(', ')} recorded in ${DiskChain.recordPath(drive, dir)} ${missing.length > 1 ? 'are' : 'is'} missing, so the disk's current state cannot be put together. ` +
            `Put the file${missing.length > 1 ? 's' : ''} back (from a backup), or, to start again from the base image and lose the changes since the first snapshot, move ${DiskChain.recordPath(drive, dir)} away.`,
        );
      }
    }
    const qcow2 = diskImageFormat(base, format) === 'qcow2';
    const opened = new DiskChain(drive, dir, usable ? recorded : { base, overlays: [] }, qcow2);
    // A qcow2 base is only read: the guest writes to an overlay from the start.
    if (qcow2 && opened.current.overlays.length === 0) opened.switchTo(opened.current);
    return opened;
  }

  private static recordPath(drive: string, dir: string): string {
    return join(dir, `${drive}.chain.json`);
  }

  private static recorded(drive: string, dir: string): ChainDescription | undefined {
    const path = DiskChain.recordPath(drive, dir);
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined; // no snapshot yet: the base image alone
      throw new ImageError(`Cannot read the disk's layer record ${path}: ${(error as Error).message}`);
    }
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      value = undefined;
    }
    const description = value as Partial<ChainDescription> | undefined;
    if (typeof description?.base === 'string' && Array.isArray(description.overlays) && description.overlays.every((name) => typeof name === 'string' && !name.includes('/'))) {
      return description as ChainDescription;
    }
    // The record is written atomically, so a damaged one was damaged from outside; guessing would lose writes.
    throw new ImageError(`The disk's layer record ${path} is damaged, so the disk's current state cannot be put together. Restore it from a backup, or move it away to start again from the base image (losing the changes since the first snapshot).`);
  }

  /** The v86 disk object for the live chain (replaced by freeze/restore: ask again after them). */
  get disk(): FileDisk {
    return this.diskObject;
  }

  get description(): ChainDescription {
    return this.current;
  }

  /**
   * Freezes the live chain for a snapshot and continues on a new empty overlay. Returns the
   * frozen chain. The caller has stopped the guest and drained the disk.
   */
  async freeze(): Promise<ChainDescription> {
    await this.diskObject.drain();
    const frozen = this.current;
    this.switchTo(frozen);
    return frozen;
  }

  /** Makes `frozen` (a snapshot's chain) the disk again, under a new empty overlay. */
  restore(frozen: ChainDescription): void {
    if (frozen.base !== this.current.base) {
      throw new ImageError(`The snapshot's disk is based on ${frozen.base}, but this machine's disk is ${this.current.base}`);
    }
    for (const name of frozen.overlays) {
      if (!existsSync(join(this.dir, name))) throw new ImageError(`The snapshot's disk layer ${name} is missing from ${this.dir}`);
    }
    const previous = this.current;
    this.switchTo(frozen);
    this.discardUnfrozen(previous);
  }

  /** Overlays in the live chain (for garbage collection of layers no snapshot uses). */
  liveOverlays(): readonly string[] {
    return this.current.overlays;
  }

  private frozenNames = new Set<string>();

  private switchTo(below: ChainDescription): void {
    const name = `${this.drive}-${Date.now().toString(36)}-${randomBytes(4).toString('hex')}.ovl`;
    createOverlayFile(join(this.dir, name), this.diskObject.byteLength);
    const next: ChainDescription = { base: below.base, overlays: [...below.overlays, name] };
    const layer = openLayers(next, this.dir, true, this.format);
    const onError = this.diskObject.onError;
    this.diskObject.close();
    for (const overlay of below.overlays) this.frozenNames.add(overlay);
    this.frozenNames.add(basename(below.base));
    this.current = next;
    this.diskObject = new FileDisk(layer);
    this.diskObject.onError = onError;
    writeFileAtomic(DiskChain.recordPath(this.drive, this.dir), JSON.stringify(next));
  }

  /** Deletes the previous top overlay when no snapshot froze it. */
  private discardUnfrozen(previous: ChainDescription): void {
    const top = previous.overlays.at(-1);
    if (top && !this.frozenNames.has(top) && !this.current.overlays.includes(top)) rmSync(join(this.dir, top), { force: true });
  }

  /** Marks layers that snapshots on disk reference, so they are never discarded. */
  markFrozen(chain: ChainDescription): void {
    for (const name of chain.overlays) this.frozenNames.add(name);
  }

  close(): void {
    this.diskObject.close();
  }
}
