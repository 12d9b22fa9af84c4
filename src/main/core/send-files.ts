/**
 * "Send files": host files put into a machine's CD (or floppy) drive as an image built for the
 * purpose, so a guest without any sharing support reads them as a disc. The image lives in the
 * machine's folder (`send-files/`, 0600); the medium it replaced is remembered in the library's
 * settings (so it survives a restart of the app) and `restore` puts it back. Browsers cannot give
 * host paths, so files can also be uploaded in chunks to a per-upload staging folder (with a size
 * limit) and sent from there.
 */
import { randomBytes } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { basename, extname, join, relative, resolve, isAbsolute } from 'node:path';
import type { Library, Machine } from '../../library/index.js';
import { sanitizeFileName } from '../../library/index.js';
import type { ApiEventMessage } from '../../shared/protocol/api/client.js';
import type { DriveSlotName } from '../../shared/protocol/enums.js';
import { checkEngineReturn } from '../../shared/protocol/engine/replies.js';
import { buildFloppy, buildIso, ImageBuildError, measureSources, type ImageSource } from '../../node/iso-builder.js';
import type { Supervisor } from '../supervisor/index.js';
import { EngineCommandError } from '../supervisor/index.js';
import { CoreError } from './core-error.js';
import { attempt } from './lookups.js';

/** Default for the setting `sendFiles.uploadLimitBytes`: what one upload may hold in all. */
export const defaultUploadLimitBytes = 1024 * 1024 * 1024;
/** The setting that overrides it. */
export const uploadLimitSetting = 'sendFiles.uploadLimitBytes';
/** Uploads untouched for this long are removed when another one starts. */
const staleUploadMs = 6 * 60 * 60 * 1000;

/** What a send left behind for `restore`: stored under `sentMediumKey(machineId)`. */
interface SentRecord {
  slot: DriveSlotName;
  image: string;
  /** The medium it replaced (a path), or null when the drive was empty. */
  previous: string | null;
}

/** The settings key of a machine's sent-medium record. */
export function sentMediumKey(machineId: string): string {
  return `sendFiles.sent.${machineId}`;
}

/** What `send` takes. */
export interface SendRequest {
  paths?: readonly string[];
  uploadId?: string;
  target?: 'auto' | DriveSlotName;
  label?: string;
}

/** What `send` did. */
export interface SendResult {
  slot: DriveSlotName;
  image: string;
  files: number;
  bytes: number;
  replaced?: string;
}

/** The send-files service of one app core. */
export class SendFiles {
  /** Machines with a send or restore under way (one at a time per machine). */
  private readonly busy = new Set<string>();

  constructor(
    private readonly library: Library,
    private readonly supervisor: Supervisor,
    private readonly publish: (message: ApiEventMessage) => void,
  ) {}

  /** The folder a machine's sent images and uploads live in (0700). */
  folder(machine: Machine): string {
    const folder = join(this.library.layout.machineFolder(machine.id), 'send-files');
    mkdirSync(folder, { recursive: true, mode: 0o700 });
    return folder;
  }

  /**
   * Builds the image and puts it in the drive (the running engine first, then the stored drive,
   * so the two agree). Sending again while an earlier image is in keeps the original previous
   * medium, and the earlier image is deleted.
   */
  send(machine: Machine, request: SendRequest): Promise<SendResult> {
    return this.exclusive(machine, () => this.sendNow(machine, request));
  }

  /** Puts the remembered medium back (or empties the drive) and deletes the sent image. */
  restore(machine: Machine): Promise<{ slot: DriveSlotName; restored?: string }> {
    return this.exclusive(machine, () => this.restoreNow(machine));
  }

  private async exclusive<T>(machine: Machine, run: () => Promise<T>): Promise<T> {
    if (this.busy.has(machine.id)) throw new CoreError('Conflict', `Files are being sent to "${machine.name}" (or its previous medium put back) already; wait for that to finish.`);
    this.busy.add(machine.id);
    try {
      return await run();
    } finally {
      this.busy.delete(machine.id);
    }
  }

  private async sendNow(machine: Machine, request: SendRequest): Promise<SendResult> {
    const sources = this.sources(machine, request);
    if (sources.length === 0) throw new CoreError('InvalidArgument', 'No files to send: give at least one file or folder (or upload some first).');
    const running = this.supervisor.isActive(machine.id);
    const slot = request.target === undefined || request.target === 'auto' ? await this.defaultSlot(machine, running) : request.target;
    const folder = this.folder(machine);
    // Leftovers of a build interrupted by a crash (one send at a time per machine, so none is under way).
    for (const name of readdirSync(folder)) if (name.startsWith('.building-')) rmSync(join(folder, name), { force: true });
    const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*$/, '');
    const extension = slot === 'cd0' ? '.iso' : '.img';
    const image = join(folder, `sent-${stamp}-${randomBytes(3).toString('hex')}${extension}`);
    // Built under a temporary name: an interrupted build never looks like a finished image.
    const building = join(folder, `.building-${randomBytes(6).toString('hex')}${extension}`);
    const size = measureOrThrow(sources);
    const progress = (fraction: number, done: boolean, error?: string): void =>
      this.publish({ event: 'PROGRESS', data: { machineId: machine.id, operation: 'send-files', fraction, done, ...(error !== undefined ? { error } : {}) } });
    try {
      const options = { sources, output: building, label: request.label ?? 'HANGAR', onProgress: (fraction: number) => progress(Math.min(0.99, fraction), false) };
      if (slot === 'cd0') await buildIso(options);
      else await buildFloppy(options);
      renameSync(building, image);
    } catch (error) {
      rmSync(building, { force: true });
      const failure = error instanceof ImageBuildError ? new CoreError(error.kind === 'tool-missing' ? 'Unavailable' : 'InvalidArgument', error.message) : error;
      progress(1, true, failure instanceof Error ? failure.message : String(failure));
      throw failure;
    }

    const earlier = this.record(machine);
    let replaced: string | null;
    try {
      replaced = running ? await this.engineMedium(machine, slot) : this.storedMedium(machine, slot);
      await this.put(machine, slot, image, running);
    } catch (error) {
      rmSync(image, { force: true });
      progress(1, true, error instanceof Error ? error.message : String(error));
      throw error;
    }
    // The original medium stays the one to put back when files are sent again.
    const previous = earlier && earlier.slot === slot && replaced === earlier.image ? earlier.previous : replaced;
    if (earlier) this.dropImage(machine, earlier.image);
    this.library.settings.set(sentMediumKey(machine.id), { slot, image, previous } satisfies SentRecord);
    if (request.uploadId !== undefined) this.cancelUpload(machine, request.uploadId);
    progress(1, true);
    return { slot, image, files: size.files, bytes: size.bytes, ...(replaced !== null ? { replaced } : {}) };
  }

  private async restoreNow(machine: Machine): Promise<{ slot: DriveSlotName; restored?: string }> {
    const record = this.record(machine);
    if (!record) throw new CoreError('NotFound', `Nothing to put back: no files were sent to "${machine.name}", or its previous medium is back already.`);
    if (record.previous !== null && !existsSync(record.previous)) {
      throw new CoreError('InvalidArgument', `The previous medium ${record.previous} is gone, so it cannot be put back; the sent files stay in the drive (eject them, or insert another medium).`);
    }
    await this.put(machine, record.slot, record.previous, this.supervisor.isActive(machine.id));
    this.library.settings.delete(sentMediumKey(machine.id));
    this.dropImage(machine, record.image);
    return { slot: record.slot, ...(record.previous !== null ? { restored: record.previous } : {}) };
  }

  /** The sent medium that `restore` would replace, if any. */
  status(machine: Machine): { active: boolean; slot?: DriveSlotName; image?: string; previous?: string } {
    const record = this.record(machine);
    if (!record) return { active: false };
    return { active: true, slot: record.slot, image: record.image, ...(record.previous !== null ? { previous: record.previous } : {}) };
  }

  /**
   * Appends one chunk of an uploaded file to its staging folder. Chunks come in order
   * (`offset` is what was received so far), and the whole upload stays under its size limit.
   */
  upload(machine: Machine, args: { uploadId?: string; name: string; offset: number; data: string }): { uploadId: string; size: number; total: number } {
    const name = uploadName(args.name);
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(args.data) || args.data.length % 4 !== 0) throw new CoreError('InvalidArgument', 'data is not valid base64; send each chunk base64-encoded.');
    let uploadId = args.uploadId;
    if (uploadId === undefined) {
      this.dropStaleUploads(machine);
      uploadId = randomBytes(16).toString('hex');
      mkdirSync(this.uploadFolder(machine, uploadId), { recursive: true, mode: 0o700 });
    }
    const staging = this.uploadFolder(machine, uploadId);
    if (!existsSync(staging)) throw new CoreError('NotFound', `No upload ${uploadId} for "${machine.name}" (it was sent, cancelled or expired); start a new upload.`);
    const file = join(staging, name);
    const size = fileSize(file);
    if (args.offset !== size) throw new CoreError('InvalidArgument', `The chunk of ${name} starts at byte ${args.offset}, but ${size} bytes of it were received; send the chunks in order, starting at ${size}.`);
    const bytes = Buffer.from(args.data, 'base64');
    const total = folderSize(staging);
    const limit = this.uploadLimit();
    if (total + bytes.byteLength > limit) {
      throw new CoreError('InvalidArgument', `The upload would hold ${total + bytes.byteLength} bytes, more than its limit of ${limit} bytes (setting ${uploadLimitSetting}); send fewer or smaller files, or give host paths instead of uploading.`);
    }
    appendFileSync(file, bytes, { mode: 0o600 });
    return { uploadId, size: size + bytes.byteLength, total: total + bytes.byteLength };
  }

  /** Removes an upload's staging folder. */
  cancelUpload(machine: Machine, uploadId: string): void {
    const staging = this.uploadFolder(machine, uploadId);
    if (!existsSync(staging)) throw new CoreError('NotFound', `No upload ${uploadId} for "${machine.name}".`);
    rmSync(staging, { recursive: true, force: true });
  }

  private uploadLimit(): number {
    const value = this.library.settings.get<unknown>(uploadLimitSetting, defaultUploadLimitBytes);
    return typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : defaultUploadLimitBytes;
  }

  private uploadFolder(machine: Machine, uploadId: string): string {
    if (!/^[0-9a-f]{32}$/.test(uploadId)) throw new CoreError('NotFound', `No upload ${JSON.stringify(uploadId)} for "${machine.name}"; upload ids come from vm.upload-file.`);
    return join(this.folder(machine), 'uploads', uploadId);
  }

  private dropStaleUploads(machine: Machine): void {
    const uploads = join(this.folder(machine), 'uploads');
    for (const name of existsSync(uploads) ? readdirSync(uploads) : []) {
      const path = join(uploads, name);
      const age = Date.now() - (attempt(() => statSync(path).mtimeMs) ?? 0);
      if (age > staleUploadMs) rmSync(path, { recursive: true, force: true });
    }
  }

  /** The files to put in the image, each with a unique name at its root. */
  private sources(machine: Machine, request: SendRequest): ImageSource[] {
    const paths: string[] = [];
    for (const given of request.paths ?? []) {
      if (!isAbsolute(given)) throw new CoreError('InvalidArgument', `${given} is not an absolute path; give each file's full path.`);
      let stat;
      try {
        stat = statSync(given);
      } catch {
        throw new CoreError('InvalidArgument', `${given} does not exist or cannot be read; check the path.`);
      }
      if (!stat.isFile() && !stat.isDirectory()) throw new CoreError('InvalidArgument', `${given} is not a file or a folder; send regular files or folders.`);
      paths.push(resolve(given));
    }
    if (request.uploadId !== undefined) {
      const staging = this.uploadFolder(machine, request.uploadId);
      if (!existsSync(staging)) throw new CoreError('NotFound', `No upload ${request.uploadId} for "${machine.name}" (it was sent, cancelled or expired); upload the files again.`);
      for (const name of readdirSync(staging).sort()) paths.push(join(staging, name));
    }
    const taken = new Set<string>();
    return paths.map((path) => ({ path, name: uniqueName(basename(path), taken) }));
  }

  /** The CD drive, unless the running engine has none (then the floppy drive). */
  private async defaultSlot(machine: Machine, running: boolean): Promise<DriveSlotName> {
    if (!running) return 'cd0';
    const drives = await this.queryBlock(machine);
    return drives.some((drive) => drive.qdev === 'cd0') ? 'cd0' : 'fd0';
  }

  private async queryBlock(machine: Machine): Promise<{ qdev: string; inserted?: { file: string } }[]> {
    const reply = checkEngineReturn('query-block', await this.supervisor.execute(machine.id, 'query-block'));
    if (!reply.ok) throw new CoreError('EngineFailed', `The engine's answer to query-block is not what the engine protocol says (${reply.issue.path} ${reply.issue.message}); see the engine log (hangar logs NAME).`);
    return reply.value;
  }

  /** The medium in a running engine's drive (what the guest sees), or null. */
  private async engineMedium(machine: Machine, slot: DriveSlotName): Promise<string | null> {
    const drive = (await this.queryBlock(machine)).find((entry) => entry.qdev === slot);
    if (!drive) throw new CoreError('InvalidArgument', `"${machine.name}" has no ${slot === 'cd0' ? 'CD' : 'floppy'} drive; send the files to the other drive.`);
    return drive.inserted?.file ?? null;
  }

  /** The medium stored in a stopped machine's drive, or null. */
  private storedMedium(machine: Machine, slot: DriveSlotName): string | null {
    const mediaId = machine.drives[slot];
    return mediaId ? (attempt(() => this.library.media.get(mediaId))?.path ?? null) : null;
  }

  /** Puts `path` (null: nothing) in the drive: the running engine first, then the stored drive. */
  private async put(machine: Machine, slot: DriveSlotName, path: string | null, running: boolean): Promise<void> {
    const media = path === null ? null : (this.library.media.findByPath(path) ?? this.library.media.add(path));
    if (running) {
      try {
        if (path !== null) await this.supervisor.execute(machine.id, 'blockdev-change-medium', { id: slot, filename: path });
        else await this.supervisor.execute(machine.id, 'eject', { id: slot, force: true });
      } catch (error) {
        if (error instanceof EngineCommandError && /tray|locked/i.test(error.message)) {
          throw new CoreError('Conflict', `The guest holds the ${slot === 'cd0' ? 'CD' : 'floppy'} drive closed (a mounted disc): unmount it in the guest (e.g. umount /dev/sr0) and try again. (${error.message})`);
        }
        throw error;
      }
    }
    this.library.machines.setDrive(machine.id, slot, media?.id ?? null);
  }

  /** Deletes a sent image and its media row, only ever inside this machine's send-files folder. */
  private dropImage(machine: Machine, image: string): void {
    const inside = relative(this.folder(machine), image);
    if (inside === '' || inside.startsWith('..') || isAbsolute(inside) || inside.includes('/')) return;
    const current = this.library.machines.get(machine.id).drives;
    const media = this.library.media.findByPath(image);
    // Still in a drive (put back by hand): the file stays.
    if (media && (current.cd0 === media.id || current.fd0 === media.id)) return;
    if (media) this.library.media.remove(media.id);
    rmSync(image, { force: true });
  }

  private record(machine: Machine): SentRecord | undefined {
    const value = this.library.settings.get<unknown>(sentMediumKey(machine.id), null);
    if (typeof value !== 'object' || value === null) return undefined;
    const record = value as Partial<SentRecord>;
    if ((record.slot !== 'cd0' && record.slot !== 'fd0') || typeof record.image !== 'string') return undefined;
    return { slot: record.slot, image: record.image, previous: typeof record.previous === 'string' ? record.previous : null };
  }
}

/** An uploaded file's name: one safe path component, kept as close to the original as possible. */
function uploadName(name: string): string {
  if (name.includes('/') || name.includes('\\') || name === '.' || name === '..') throw new CoreError('InvalidArgument', `${JSON.stringify(name)} is not a file name (no folders, no "." or ".."); upload each file under its own name.`);
  return sanitizeFileName(name, 'file');
}

/** `name`, or `name (2)`, `name (3)`… when an earlier file has it (case-insensitively: Joliet and FAT ignore case). */
function uniqueName(name: string, taken: Set<string>): string {
  const extension = extname(name);
  const stem = name.slice(0, name.length - extension.length);
  let candidate = name;
  for (let index = 2; taken.has(candidate.toLowerCase()); index++) candidate = `${stem} (${index})${extension}`;
  taken.add(candidate.toLowerCase());
  return candidate;
}

function measureOrThrow(sources: readonly ImageSource[]): { files: number; bytes: number } {
  try {
    return measureSources(sources);
  } catch (error) {
    throw error instanceof ImageBuildError ? new CoreError('InvalidArgument', error.message) : error;
  }
}

function fileSize(path: string): number {
  return attempt(() => statSync(path).size) ?? 0;
}

function folderSize(folder: string): number {
  return readdirSync(folder).reduce((sum, name) => sum + fileSize(join(folder, name)), 0);
}
