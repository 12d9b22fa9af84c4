/**
 * A machine's hard disks after it was created: a new image made in its disks/ folder, an
 * existing image attached after its header and format were read, one converted to another
 * format (the row follows the new file), and the file of a removed disk deleted when asked.
 * The rows live in the machine repository; this module keeps file and row in step.
 */
import { closeSync, existsSync, mkdirSync, openSync, readSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { convertDiskImage, createDiskImage, inspectDiskImage } from './disk-images.js';
import type { DiskProgress } from './disk-images.js';
import { LibraryError } from './errors.js';
import type { MachineRepository } from './machines.js';
import { fsyncFolder, sanitizeFileName, type LibraryLayout } from './paths.js';
import type { Disk, DiskFormat } from './types.js';

/** What the disk operations need from an open library. */
export interface MachineDiskStore {
  readonly layout: LibraryLayout;
  readonly machines: MachineRepository;
}

/** The extension a new image of `format` gets. */
function extension(format: DiskFormat): string {
  return format === 'qcow2' ? '.qcow2' : '.img';
}

/** A file name in `folder` no image has: disk0.qcow2, disk1.qcow2… */
function freeDiskFile(folder: string, format: DiskFormat): string {
  const taken = new Set(existsSync(folder) ? readdirSync(folder).map((name) => name.replace(/\.[^.]*$/, '').toLowerCase()) : []);
  for (let n = 0; ; n++) {
    if (!taken.has(`disk${n}`)) return join(folder, `disk${n}${extension(format)}`);
  }
}

/** Creates a new image in the machine's disks/ folder (0600, under a temporary name until done) and attaches it. */
export async function addNewDisk(
  store: MachineDiskStore,
  machineId: string,
  options: { format: DiskFormat; sizeBytes: number; onProgress?: DiskProgress; signal?: AbortSignal },
): Promise<Disk> {
  store.machines.get(machineId);
  mkdirSync(store.layout.disksFolder(machineId), { recursive: true, mode: 0o700 });
  const path = freeDiskFile(store.layout.disksFolder(machineId), options.format);
  await createDiskImage(path, {
    format: options.format,
    sizeBytes: options.sizeBytes,
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  });
  try {
    return store.machines.attachDisk(machineId, { path, format: options.format, sizeBytes: options.sizeBytes });
  } catch (error) {
    rmSync(path, { force: true });
    throw error;
  }
}

/**
 * Attaches an existing image where it is. Its format comes from its header (a damaged qcow2
 * header is refused, never taken for raw), its size from qemu-img or the header.
 */
export async function attachExistingDisk(store: MachineDiskStore, machineId: string, path: string): Promise<Disk> {
  store.machines.get(machineId);
  const info = await inspectDiskImage(path);
  if (info.format !== 'raw' && info.format !== 'qcow2') throw new LibraryError('InvalidInput', `${path} is a ${info.format} image; Hangar attaches raw and qcow2 disks (convert it with qemu-img convert).`);
  if (info.format === 'raw') {
    // A raw image is taken as it is, so refuse what is plainly no hard disk.
    // The file's own size: qemu-img rounds a raw image's size up to whole sectors.
    const bytes = statSync(path).size;
    if (bytes % 512 !== 0) throw new LibraryError('InvalidInput', `${path} is ${bytes} bytes, not a whole number of 512-byte sectors: it is not a hard disk image.`);
    if (isIso9660(path)) throw new LibraryError('InvalidInput', `${path} is a CD/DVD image (ISO 9660); put it in the CD drive instead of attaching it as a hard disk.`);
  }
  if (info.backingFile !== null) {
    throw new LibraryError('InvalidInput', `${path} is a qcow2 overlay of ${info.backingFile}; attach a standalone image (qemu-img convert -O qcow2 ${path} NEW.qcow2 makes one).`);
  }
  return store.machines.attachDisk(machineId, { path, format: info.format, sizeBytes: info.virtualSizeBytes });
}

/** Whether the file has an ISO 9660 volume descriptor ("CD001" at 32769). */
function isIso9660(path: string): boolean {
  const fd = openSync(path, 'r');
  try {
    const magic = Buffer.alloc(5);
    return readSync(fd, magic, 0, 5, 32769) === 5 && magic.toString('latin1') === 'CD001';
  } finally {
    closeSync(fd);
  }
}

/**
 * Converts a disk to `to` in a new file beside it (disk0.img → disk0.qcow2, or a free name),
 * points the row at it and, once the row is stored, deletes the old file when it lies in the
 * machine's own disks/ folder (an image attached from elsewhere is the user's and stays).
 */
export async function convertMachineDisk(store: MachineDiskStore, disk: Disk, to: DiskFormat, onProgress?: DiskProgress, signal?: AbortSignal): Promise<{ disk: Disk; removedOld: boolean }> {
  if (disk.format === to) throw new LibraryError('InvalidInput', `The disk ${disk.path} is already ${to}.`);
  const own = dirname(disk.path) === store.layout.disksFolder(disk.machineId);
  const stem = basename(disk.path).replace(/\.(img|raw|qcow2)$/i, '');
  const wanted = join(own ? dirname(disk.path) : store.layout.disksFolder(disk.machineId), `${stem}${extension(to)}`);
  const target = existsSync(wanted) ? freeDiskFile(dirname(wanted), to) : wanted;
  const info = await convertDiskImage(disk.path, target, {
    from: disk.format,
    to,
    ...(onProgress ? { onProgress } : {}),
    ...(signal ? { signal } : {}),
  });
  let updated: Disk;
  try {
    updated = store.machines.updateDisk(disk.id, { path: target, format: to, sizeBytes: info.virtualSizeBytes });
  } catch (error) {
    rmSync(target, { force: true });
    throw error;
  }
  if (own) {
    rmSync(disk.path, { force: true });
    fsyncFolder(dirname(disk.path));
  }
  return { disk: updated, removedOld: own };
}

/**
 * Detaches a disk and deletes its image (`deleteFile`) or keeps it. A kept image that lies in
 * the machine's own disks/ folder moves to the library's lost+found/ (disk-<machine>-<file>),
 * where machine deletes that keep files put theirs: left in the folder, it would go with the
 * machine, and reconcile moves unreferenced disk files there anyway. The row goes first: a crash
 * leaves a stray file (which reconcile moves), never a row without its file. Answers where the
 * kept image is now (undefined when it was deleted).
 */
export function removeMachineDisk(store: MachineDiskStore, disk: Disk, deleteFile: boolean): string | undefined {
  const machine = store.machines.get(disk.machineId);
  store.machines.detachDisk(disk.id);
  if (!existsSync(disk.path)) return undefined;
  if (deleteFile) {
    rmSync(disk.path, { force: true });
    fsyncFolder(dirname(disk.path));
    return undefined;
  }
  if (dirname(disk.path) !== store.layout.disksFolder(disk.machineId)) return disk.path;
  const folder = store.layout.lostAndFound;
  mkdirSync(folder, { recursive: true, mode: 0o700 });
  const stem = `disk-${sanitizeFileName(machine.name, 'machine')}-${basename(disk.path)}`;
  let target = join(folder, stem);
  for (let counter = 1; existsSync(target); counter++) target = join(folder, `${counter}-${stem}`);
  renameSync(disk.path, target);
  fsyncFolder(folder);
  fsyncFolder(dirname(disk.path));
  return target;
}
