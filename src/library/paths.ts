/**
 * On-disk layout of a library folder and the file helpers that keep it safe: name
 * sanitising, containment checks and atomic writes.
 *
 *   <library>/library.db            SQLite database (WAL)
 *   <library>/library.lock          single-instance lock
 *   <library>/media/                default watched media folder
 *   <library>/machines/<id>/disks/  disk images
 *   <library>/machines/<id>/snapshots/<snapshot id>/  snapshot state files
 *   <library>/machines/<id>/logs/   engine logs
 *   <library>/lost+found/           files reconcile found without a row (never deleted)
 *   <library>/backups/              database backups
 *   <library>/run/                  engine sockets (mode 0700; under /tmp for a long library path)
 */
import { chmodSync, closeSync, fsyncSync, lstatSync, openSync, renameSync, unlinkSync, writeSync, mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, dirname, join, relative, resolve, isAbsolute, sep } from 'node:path';
import { createHash, randomBytes } from 'node:crypto';
import { LibraryError } from './errors.js';

/** Default library folder: $HANGAR_HOME, else $XDG_DATA_HOME/hangar, else ~/.local/share/hangar. */
export function defaultLibraryFolder(env: NodeJS.ProcessEnv = process.env): string {
  if (env.HANGAR_HOME) return resolve(env.HANGAR_HOME);
  const dataHome = env.XDG_DATA_HOME && isAbsolute(env.XDG_DATA_HOME) ? env.XDG_DATA_HOME : join(homedir(), '.local', 'share');
  return join(dataHome, 'hangar');
}

/** Well-known paths inside one library folder. */
export class LibraryLayout {
  readonly root: string;

  constructor(root: string) {
    this.root = resolve(root);
  }

  get database(): string {
    return join(this.root, 'library.db');
  }
  get lockFile(): string {
    return join(this.root, 'library.lock');
  }
  get mediaFolder(): string {
    return join(this.root, 'media');
  }
  get machinesFolder(): string {
    return join(this.root, 'machines');
  }
  get lostAndFound(): string {
    return join(this.root, 'lost+found');
  }
  get backupsFolder(): string {
    return join(this.root, 'backups');
  }
  /**
   * Private folder (mode 0700) for engine sockets: `<library>/run`, unless the library's path is
   * so long that a socket inside would pass the kernel's ~107-byte limit for UNIX socket paths
   * (QEMU then refuses to start); then a short per-user, per-library folder under /tmp
   * (`/tmp/hangar-<uid>/<hash of the library path>`), stable across runs so a crashed run's
   * leftovers are still found. See ensureRuntimeFolder.
   */
  get runtimeFolder(): string {
    const inLibrary = join(this.root, 'run');
    if (inLibrary.length <= maxRuntimeFolderLength) return inLibrary;
    return join(shortRuntimeParent(), createHash('sha256').update(this.root).digest('hex').slice(0, 16));
  }

  /**
   * Creates the runtime folder with mode 0700 (also tightening an existing one) and returns it.
   * A short folder under /tmp must be a real folder owned by this user and closed to others
   * (another user could have made it first); else this throws and says what to remove.
   */
  ensureRuntimeFolder(): string {
    const folder = this.runtimeFolder;
    if (!folder.startsWith(this.root + sep)) checkPrivateFolder(dirname(folder));
    mkdirSync(folder, { recursive: true, mode: 0o700 });
    if (!folder.startsWith(this.root + sep)) checkPrivateFolder(folder);
    chmodSync(folder, 0o700);
    return folder;
  }

  /** Folder of one machine; the id must be a library-made id, never a name. */
  machineFolder(machineId: string): string {
    assertId(machineId);
    return join(this.machinesFolder, machineId);
  }
  disksFolder(machineId: string): string {
    return join(this.machineFolder(machineId), 'disks');
  }
  logsFolder(machineId: string): string {
    return join(this.machineFolder(machineId), 'logs');
  }
  /** A log file of a machine; `name` is sanitised (e.g. "engine" → logs/engine.log). */
  logFile(machineId: string, name: string): string {
    return join(this.logsFolder(machineId), `${sanitizeFileName(name.replace(/\.log$/i, ''), 'engine')}.log`);
  }
  snapshotsFolder(machineId: string): string {
    return join(this.machineFolder(machineId), 'snapshots');
  }
  snapshotFolder(machineId: string, snapshotId: string): string {
    assertId(snapshotId);
    return join(this.snapshotsFolder(machineId), snapshotId);
  }

  /** Creates the top-level folders (idempotent), private (0700) like everything in the library. */
  ensure(): void {
    for (const folder of [this.root, this.mediaFolder, this.machinesFolder]) mkdirSync(folder, { recursive: true, mode: 0o700 });
  }

  /** Creates a machine's folder tree (idempotent), private (0700). */
  ensureMachine(machineId: string): void {
    for (const folder of [this.disksFolder(machineId), this.logsFolder(machineId), this.snapshotsFolder(machineId)]) {
      mkdirSync(folder, { recursive: true, mode: 0o700 });
    }
  }
}

const idPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Ids are UUIDs; anything else is refused before it becomes part of a path. */
export function assertId(id: string): void {
  if (!idPattern.test(id)) throw new LibraryError('InvalidInput', `"${id}" is not a library id (expected a UUID).`);
}

export function isId(id: string): boolean {
  return idPattern.test(id);
}

/**
 * Turns a display name into a safe single path component: no separators, no "..", no control,
 * bidi or other invisible characters, no leading dots or dashes, at most 80 characters; falls
 * back to `fallback` when nothing is left. Machine and snapshot folders are named by id, never
 * by name; this is for the few files named after user input (disks, logs).
 */
export function sanitizeFileName(name: string, fallback = 'unnamed'): string {
  const cleaned = name
    .normalize('NFKC')
    // Control, bidi/format (U+202E…), separator, surrogate and private-use characters go too:
    // a file name must read the same in every listing (the rule of src/shared/names.ts).
    .replace(/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}\p{Co}/\\:*?"<>|]+/gu, '-')
    .replace(/\.{2,}/g, '.')
    .replace(/^[\s.-]+|[\s.]+$/g, '')
    .replace(/\s+/g, ' ')
    .slice(0, 80)
    .trim();
  return cleaned.length > 0 && cleaned !== '.' ? cleaned : fallback;
}

/** Resolves `child` against `parent` and refuses it when it escapes `parent`. */
export function containedPath(parent: string, child: string): string {
  const root = resolve(parent);
  const full = resolve(root, child);
  const rel = relative(root, full);
  if (rel === '' || rel.startsWith('..') || isAbsolute(rel) || rel.split(sep).includes('..')) {
    throw new LibraryError('InvalidInput', `The path "${child}" is outside ${root}; use a path inside the library folder.`);
  }
  return full;
}

/** Suffix marking files being written; reconcile removes these leftovers of a crash. */
export const tempMarker = '.hangar-tmp-';

/** Fsyncs a directory so a rename or a new entry in it survives a crash. */
export function fsyncFolder(folder: string): void {
  const fd = openSync(folder, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Fsyncs a file's data. */
export function fsyncFile(path: string): void {
  const fd = openSync(path, 'r+');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * Writes a file atomically: temp file in the same folder, fsync, rename over the target,
 * fsync the folder. After a crash the target is either the old or the new content, never partial.
 */
export function writeFileAtomic(path: string, data: Uint8Array | string): void {
  const folder = dirname(path);
  const temp = join(folder, `${basename(path)}${tempMarker}${randomBytes(4).toString('hex')}`);
  const bytes = typeof data === 'string' ? Buffer.from(data) : data;
  // Library files are private (0600): they describe guests and may hold their data.
  const fd = openSync(temp, 'wx', 0o600);
  try {
    let offset = 0;
    while (offset < bytes.length) offset += writeSync(fd, bytes, offset, bytes.length - offset);
    fsyncSync(fd);
  } catch (error) {
    closeSync(fd);
    try {
      unlinkSync(temp);
    } catch {
      // The temp file is already gone; nothing to clean.
    }
    throw error;
  }
  closeSync(fd);
  renameSync(temp, path);
  fsyncFolder(folder);
}

/**
 * Longest runtime folder kept inside the library: engine sockets sit two levels below it
 * (`<vm>-<pid>/qemu-serial.sock`, ~36 bytes), and UNIX socket paths end at 107 bytes.
 */
const maxRuntimeFolderLength = 64;

/** `/tmp/hangar-<uid>` (mode 0700), made when missing. */
function shortRuntimeParent(): string {
  const uid = typeof process.getuid === 'function' ? process.getuid() : 0;
  return `/tmp/hangar-${uid}`;
}

/** Refuses a folder someone else could have planted: a symlink, not ours, or open to others. */
function checkPrivateFolder(folder: string): void {
  mkdirSync(folder, { recursive: true, mode: 0o700 });
  const info = lstatSync(folder);
  const uid = typeof process.getuid === 'function' ? process.getuid() : info.uid;
  if (!info.isDirectory() || info.uid !== uid || (info.mode & 0o077) !== 0) {
    throw new LibraryError('IoError', `${folder} (for engine sockets, because the library's path is too long for them) is not a private folder of this user; remove it, or move the library to a shorter path.`);
  }
}
