/**
 * Media repository: registered ISO, floppy and disk images, and the folders watched for them.
 * A media row is never dropped because its file disappeared: it is marked missing, and drives
 * that hold it keep the reference. A file renamed within a watched folder keeps its row (matched
 * by device and inode).
 */
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import type { DatabaseHandle } from './db.js';
import { LibraryError, invalid } from './errors.js';
import { probeMedia } from './media-probe.js';
import type { OsCatalog } from './osinfo.js';
import { newId, now, type ChangeSink } from './repository-util.js';
import type { Media, WatchedFolder } from './types.js';

interface MediaRow {
  id: string;
  path: string;
  kind: string;
  size_bytes: number;
  volume_label: string | null;
  os_id: string | null;
  os_name: string | null;
  present: number;
  device: number | null;
  inode: number | null;
  folder_id: string | null;
  added_at: string;
  last_seen_at: string | null;
}

function fromRow(row: MediaRow): Media {
  return {
    id: row.id,
    path: row.path,
    kind: row.kind as Media['kind'],
    sizeBytes: row.size_bytes,
    volumeLabel: row.volume_label,
    osId: row.os_id,
    osName: row.os_name,
    present: row.present === 1,
    folderId: row.folder_id,
    addedAt: row.added_at,
    lastSeenAt: row.last_seen_at,
  };
}

const mediaColumns = 'id, path, kind, size_bytes, volume_label, os_id, os_name, present, device, inode, folder_id, added_at, last_seen_at';

/** Media and watched folders. Obtain it from `Library.media`. */
export class MediaRepository {
  readonly #db: DatabaseHandle;
  readonly #catalog: () => OsCatalog;
  readonly #emit: ChangeSink;
  /** Told the path of every media file registered on its own (not through a watched folder). */
  readonly #individualListeners: ((path: string) => void)[] = [];

  constructor(db: DatabaseHandle, catalog: () => OsCatalog, emit: ChangeSink) {
    this.#db = db;
    this.#catalog = catalog;
    this.#emit = emit;
  }

  /** All media, by path. */
  list(): Media[] {
    // raw() skips building an intermediate row object per media: this list can be 10,000s long.
    const rows = this.#db
      .prepare('SELECT id, path, kind, size_bytes, volume_label, os_id, os_name, present, folder_id, added_at, last_seen_at FROM media ORDER BY path')
      .raw()
      .all() as [string, string, Media['kind'], number, string | null, string | null, string | null, number, string | null, string, string | null][];
    return rows.map(([id, path, kind, sizeBytes, volumeLabel, osId, osName, present, folderId, addedAt, lastSeenAt]) => ({
      id,
      path,
      kind,
      sizeBytes,
      volumeLabel,
      osId,
      osName,
      present: present === 1,
      folderId,
      addedAt,
      lastSeenAt,
    }));
  }

  get(id: string): Media {
    const row = this.#db.prepare(`SELECT ${mediaColumns} FROM media WHERE id = ?`).get(id) as MediaRow | undefined;
    if (!row) throw new LibraryError('NotFound', `No media with id ${id}.`);
    return fromRow(row);
  }

  findByPath(path: string): Media | undefined {
    const row = this.#db.prepare(`SELECT ${mediaColumns} FROM media WHERE path = ?`).get(resolve(path)) as MediaRow | undefined;
    return row ? fromRow(row) : undefined;
  }

  /**
   * Registers (or refreshes) the media file at `path`: it must exist and be a regular file.
   * A missing row with the same device+inode whose old path is gone is treated as a rename.
   */
  add(path: string, folderId: string | null = null): Media {
    const absolute = resolve(path);
    let probe;
    try {
      probe = probeMedia(absolute, this.#catalog);
    } catch (error) {
      throw invalid('media.path', `${absolute} cannot be added: ${(error as Error).message.replace(/^[A-Z]+: /, '')} Choose an existing image file.`);
    }
    const stamp = now();
    const existing = this.#db.prepare(`SELECT ${mediaColumns} FROM media WHERE path = ?`).get(absolute) as MediaRow | undefined;
    const renamed = existing
      ? undefined
      : ((this.#db.prepare(`SELECT ${mediaColumns} FROM media WHERE device = ? AND inode = ? AND size_bytes = ?`).all(probe.device, probe.inode, probe.sizeBytes) as MediaRow[]).find(
          (row) => !existsSync(row.path),
        ) as MediaRow | undefined);
    const target = existing ?? renamed;
    const fields = {
      path: absolute,
      kind: probe.kind,
      size: probe.sizeBytes,
      label: probe.volumeLabel,
      osId: probe.osId,
      osName: probe.osName,
      device: probe.device,
      inode: probe.inode,
      folderId: folderId ?? target?.folder_id ?? null,
      stamp,
    };
    if (target) {
      this.#db
        .prepare(
          `UPDATE media SET path = @path, kind = @kind, size_bytes = @size, volume_label = @label, os_id = @osId, os_name = @osName,
             present = 1, device = @device, inode = @inode, folder_id = @folderId, last_seen_at = @stamp WHERE id = @id`,
        )
        .run({ ...fields, id: target.id });
      this.#emit({ entity: 'media', action: 'updated', id: target.id });
      if (fields.folderId === null) this.#tellIndividual(absolute);
      return this.get(target.id);
    }
    const id = newId();
    this.#db
      .prepare(
        `INSERT INTO media (id, path, kind, size_bytes, volume_label, os_id, os_name, present, device, inode, folder_id, added_at, last_seen_at)
         VALUES (@id, @path, @kind, @size, @label, @osId, @osName, 1, @device, @inode, @folderId, @stamp, @stamp)`,
      )
      .run({ ...fields, id });
    this.#emit({ entity: 'media', action: 'added', id });
    if (fields.folderId === null) this.#tellIndividual(absolute);
    return this.get(id);
  }

  #tellIndividual(path: string): void {
    for (const listener of this.#individualListeners) listener(path);
  }

  /**
   * Calls `listener` with the path of each media file registered on its own from now on (no
   * watched folder covers it), so the watcher can notice when it is deleted.
   */
  onIndividualAdd(listener: (path: string) => void): void {
    this.#individualListeners.push(listener);
  }

  /** Paths of the media registered on their own (not found in a watched folder). */
  individualPaths(): string[] {
    return (this.#db.prepare('SELECT path FROM media WHERE folder_id IS NULL').all() as { path: string }[]).map((row) => row.path);
  }

  /** Marks the media at `path` missing (the row and references stay). Returns its id, if any. */
  markMissing(path: string): string | undefined {
    const row = this.#db.prepare('SELECT id, present FROM media WHERE path = ?').get(resolve(path)) as { id: string; present: number } | undefined;
    if (!row) return undefined;
    if (row.present === 1) {
      this.#db.prepare('UPDATE media SET present = 0 WHERE id = ?').run(row.id);
      this.#emit({ entity: 'media', action: 'updated', id: row.id });
    }
    return row.id;
  }

  /** Re-checks every row against the file system; returns ids whose presence changed. */
  refreshPresence(): string[] {
    const changed: string[] = [];
    for (const row of this.#db.prepare('SELECT id, path, present, size_bytes FROM media').all() as Pick<MediaRow, 'id' | 'path' | 'present' | 'size_bytes'>[]) {
      let present = 0;
      try {
        present = statSync(row.path).isFile() ? 1 : 0;
      } catch {
        present = 0;
      }
      if (present !== row.present) {
        this.#db.prepare('UPDATE media SET present = ?, last_seen_at = CASE WHEN ? = 1 THEN ? ELSE last_seen_at END WHERE id = ?').run(present, present, now(), row.id);
        changed.push(row.id);
        this.#emit({ entity: 'media', action: 'updated', id: row.id });
      }
    }
    return changed;
  }

  /** Removes a media row (never the file). Drives holding it become empty. */
  remove(id: string): void {
    this.get(id);
    const holders = (this.#db.prepare('SELECT DISTINCT machine_id FROM drives WHERE media_id = ?').all(id) as { machine_id: string }[]).map((row) => row.machine_id);
    this.#db.prepare('DELETE FROM media WHERE id = ?').run(id);
    this.#emit({ entity: 'media', action: 'removed', id });
    for (const machineId of holders) this.#emit({ entity: 'machine', action: 'updated', id: machineId });
  }

  /** Watched folders, default first. */
  folders(): WatchedFolder[] {
    return (this.#db.prepare('SELECT id, path, is_default FROM watched_folders ORDER BY is_default DESC, path').all() as { id: string; path: string; is_default: number }[]).map((row) => ({
      id: row.id,
      path: row.path,
      isDefault: row.is_default === 1,
    }));
  }

  /** Adds a watched folder (must exist and be a folder). Idempotent per path. */
  addFolder(path: string, isDefault = false): WatchedFolder {
    const absolute = resolve(path);
    let isFolder = false;
    try {
      isFolder = statSync(absolute).isDirectory();
    } catch {
      isFolder = false;
    }
    if (!isFolder) throw invalid('folder', `${absolute} is not an existing folder; create it or pick another.`);
    const existing = this.folders().find((folder) => folder.path === absolute);
    if (existing) return existing;
    const id = newId();
    this.#db.prepare('INSERT INTO watched_folders (id, path, is_default) VALUES (?, ?, ?)').run(id, absolute, isDefault ? 1 : 0);
    this.#emit({ entity: 'folder', action: 'added', id });
    return { id, path: absolute, isDefault };
  }

  /** Stops watching a folder; its media stay registered. The default folder cannot be removed. */
  removeFolder(id: string): void {
    const folder = this.folders().find((entry) => entry.id === id);
    if (!folder) throw new LibraryError('NotFound', `No watched folder with id ${id}.`);
    if (folder.isDefault) throw invalid('folder', 'the library media folder is always watched and cannot be removed.');
    this.#db.prepare('DELETE FROM watched_folders WHERE id = ?').run(id);
    this.#emit({ entity: 'folder', action: 'removed', id });
  }
}
