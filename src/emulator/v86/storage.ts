/**
 * Drives of a v86 machine backed by files (src/emulator/disks): hd0 as a copy-on-write chain,
 * cd0 and fd0 as removable drives whose media change at runtime. Implements query-block, eject
 * and blockdev-change-medium with DEVICE_TRAY_MOVED, and host I/O errors: BLOCK_IO_ERROR, the
 * guest paused with status io-error, the failed requests retried on cont.
 */
import { accessSync, constants, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { checkRemovableMedium } from '../common/medium.js';
import { ProtocolError } from '../backend.js';
import { ImageError } from '../disks/block-file.js';
import type { ChainDescription } from '../disks/chain.js';
import { DiskChain } from '../disks/chain.js';
import type { DiskIoError } from '../disks/file-disk.js';
import { FileDisk } from '../disks/file-disk.js';
import type { V86Emulator } from './internals.js';
import type { V86Machine } from './machine.js';
import type { DriveSlotName } from '../../shared/protocol/enums.js';

/** The removable drives v86 always has. */
export type RemovableId = DriveSlotName;
type DriveId = RemovableId | 'hd0';

/** What is in a removable drive, as a snapshot records it. */
export interface MediumRecord {
  readonly file: string;
  readonly ro: boolean;
}

/** The drives' contents, as a snapshot records them. */
export interface MediaRecord {
  readonly cd0: MediumRecord | null;
  readonly fd0: MediumRecord | null;
  readonly hd0: ChainDescription | null;
}

interface IdeInterface {
  buffer: unknown;
  set_cdrom(buffer: unknown): void;
  eject(): void;
}
interface FloppyDriveInternals {
  buffer: unknown;
  insert_disk(buffer: unknown, readOnly: boolean): boolean;
  eject_disk(): void;
}
interface StorageDevices {
  cdrom: IdeInterface;
  ide: { primary?: { master: IdeInterface } };
  fdc: { drives: FloppyDriveInternals[] };
}

function devices(emulator: V86Emulator): StorageDevices {
  return emulator.v86.cpu.devices as unknown as StorageDevices;
}

/** The parts of v86's ATAPI device (ide.js) that the read check below uses. */
interface AtapiDevice {
  buffer: { byteLength: number } | null;
  sector_size: number;
  atapi_check_condition_response(senseKey: number, additionalSense: number): void;
  push_irq(): void;
}
type AtapiRead = (this: AtapiDevice, packet: Uint8Array) => void;
const checkedPrototypes = new WeakSet<object>();

/**
 * Makes a CD read that starts past the disc's end fail as a drive's does (CHECK CONDITION:
 * ILLEGAL REQUEST, LOGICAL BLOCK ADDRESS OUT OF RANGE). v86 0.5.462 instead sets the status
 * register to 0xFF, which reads as busy forever: SeaBIOS then waits out its timeouts on every
 * retry, so GRUB hangs probing a small disc (< 512 KiB) for UDF at sector 256, as it does after
 * a swap or for a "send files" ISO. Patched on the shared prototype, once.
 */
function failReadsPastTheEnd(cdrom: IdeInterface): void {
  const prototype = Object.getPrototypeOf(cdrom) as Record<'atapi_read' | 'atapi_read_dma', AtapiRead>;
  if (checkedPrototypes.has(prototype)) return;
  checkedPrototypes.add(prototype);
  for (const name of ['atapi_read', 'atapi_read_dma'] as const) {
    const read = prototype[name];
    prototype[name] = function (this: AtapiDevice, packet: Uint8Array): void {
      const lba = ((packet[2] ?? 0) * 0x1000000 + ((packet[3] ?? 0) << 16) + ((packet[4] ?? 0) << 8) + (packet[5] ?? 0)) >>> 0;
      if (this.buffer && lba * this.sector_size >= this.buffer.byteLength) {
        this.atapi_check_condition_response(5, 0x21);
        this.push_irq();
        return;
      }
      read.call(this, packet);
    };
  }
}

/** Folder for the machine's persistent state. */
export function stateDirectory(machine: V86Machine): string {
  return machine.config.stateDir ?? machine.config.runtimeDir;
}

function imageError(error: unknown): never {
  if (error instanceof ImageError) throw new ProtocolError('GenericError', error.message);
  throw error;
}

/** The file-backed drives of one machine. */
export class V86Storage {
  private media: Record<RemovableId, FileDisk | undefined> = { cd0: undefined, fd0: undefined };
  private trayOpen: Record<RemovableId, boolean> = { cd0: false, fd0: false };
  private ioStatus: Record<DriveId, 'ok' | 'failed' | 'nospace'> = { cd0: 'ok', fd0: 'ok', hd0: 'ok' };
  readonly chain: DiskChain | undefined;

  constructor(readonly machine: V86Machine) {
    const { config } = machine;
    const disksDir = join(stateDirectory(machine), 'disks');
    try {
      if (config.disk) {
        mkdirSync(disksDir, { recursive: true, mode: 0o700 });
        this.chain = DiskChain.open('hd0', config.disk, disksDir, config.diskFormat);
        this.watch('hd0', this.chain.disk);
      }
      if (config.cdrom) this.media.cd0 = this.openMedium('cd0', config.cdrom, 'read-only');
      if (config.floppy) this.media.fd0 = this.openMedium('fd0', config.floppy, 'retain');
    } catch (error) {
      this.close();
      if (error instanceof ImageError) throw new Error(error.message);
      throw error;
    }
  }

  /** Constructor options for v86 (they replace media-config's in-memory buffers). */
  options(): Record<string, unknown> {
    return { cdrom: this.media.cd0, fda: this.media.fd0, hda: this.chain?.disk };
  }

  private openMedium(id: RemovableId, file: string, mode: 'retain' | 'read-only' | 'read-write' = 'retain'): FileDisk {
    let readOnly = id === 'cd0' || mode === 'read-only';
    if (id === 'fd0' && mode === 'retain') {
      try {
        accessSync(file, constants.W_OK);
      } catch {
        readOnly = true;
      }
    }
    if (id === 'cd0' && mode === 'read-write') throw new ImageError('CD/DVD drives are read-only: use read-only-mode "retain" or "read-only".');
    const disk = FileDisk.open(file, { readOnly, kind: id === 'cd0' ? 'cdrom' : 'floppy' });
    this.watch(id, disk);
    return disk;
  }

  private watch(id: DriveId, disk: FileDisk): void {
    disk.onError = (error) => this.ioError(id, error);
  }

  private ioError(id: DriveId, error: DiskIoError): void {
    const { machine } = this;
    this.ioStatus[id] = error.nospace ? 'nospace' : 'failed';
    machine.host.log(`v86 ${id}: ${error.reason}`);
    this.emit('BLOCK_IO_ERROR', { device: '', 'node-name': id, operation: error.operation, action: 'stop', nospace: error.nospace, reason: error.reason });
    if (machine.running) {
      // Called from inside the CPU slice: the run loop stops after it.
      void machine.pause('io-error').catch((reason: unknown) => machine.host.log(`v86 pause after I/O error: ${String(reason)}`));
    } else if (machine.status() !== 'shutdown') {
      machine.setStatus('io-error');
    }
  }

  private emit(name: string, data: unknown): void {
    (this.machine.host as unknown as { emit(name: string, data: unknown): void }).emit(name, data);
  }

  private disks(): FileDisk[] {
    return [this.media.cd0, this.media.fd0, this.chain?.disk].filter((disk): disk is FileDisk => disk !== undefined);
  }

  /** Replays requests held after I/O errors; false if one fails again. */
  retry(): boolean {
    let ok = true;
    for (const disk of this.disks()) if (!disk.retry()) ok = false;
    if (ok) this.ioStatus = { cd0: 'ok', fd0: 'ok', hd0: 'ok' };
    return ok;
  }

  /** Waits for in-flight requests and flushes writes (before a snapshot). */
  async drain(): Promise<void> {
    for (const disk of this.disks()) await disk.drain();
  }

  /** query-block. */
  query(): unknown[] {
    const removable = (id: RemovableId, type: 'cdrom' | 'floppy') => {
      const disk = this.media[id];
      return {
        device: '',
        qdev: id,
        type,
        removable: true,
        locked: false,
        tray_open: this.trayOpen[id],
        'io-status': this.ioStatus[id],
        ...(disk ? { inserted: { file: disk.path, ro: disk.readOnly, drv: 'raw', 'virtual-size': disk.byteLength } } : {}),
      };
    };
    const blocks: unknown[] = [];
    if (this.chain) {
      const disk = this.chain.disk;
      blocks.push({
        device: '',
        qdev: 'hd0',
        type: 'disk',
        removable: false,
        locked: false,
        'io-status': this.ioStatus.hd0,
        inserted: { file: this.chain.description.base, ro: false, drv: this.chain.format, 'virtual-size': disk.byteLength, 'active-layer': disk.path },
      });
    }
    blocks.push(removable('cd0', 'cdrom'), removable('fd0', 'floppy'));
    return blocks;
  }

  private driveId(args: { id?: string; device?: string }): RemovableId {
    const id = args.id ?? args.device;
    if (id === undefined) throw new ProtocolError('GenericError', 'Name the drive with "id" (cd0 or fd0).');
    if (id === 'cd0' || id === 'fd0') return id;
    if (id === 'hd0' && this.chain) throw new ProtocolError('GenericError', 'Drive hd0 is a hard disk, not a removable drive: only cd0 and fd0 take eject and blockdev-change-medium.');
    throw new ProtocolError('DeviceNotFound', `No drive has id "${id}"; this machine has ${this.chain ? 'hd0, ' : ''}cd0 and fd0.`);
  }

  private moved(id: RemovableId, open: boolean): void {
    if (this.trayOpen[id] === open) return;
    this.trayOpen[id] = open;
    this.emit('DEVICE_TRAY_MOVED', { device: '', id, 'tray-open': open });
  }

  /** Takes the medium out of the guest's drive (the guest sees a media change). */
  private removeFromGuest(id: RemovableId): void {
    if (!this.machine.created) return;
    const dev = devices(this.machine.emulator);
    if (id === 'cd0') dev.cdrom.eject();
    else dev.fdc.drives[0]?.eject_disk();
  }

  private insertIntoGuest(id: RemovableId, disk: FileDisk): void {
    if (!this.machine.created) return;
    const dev = devices(this.machine.emulator);
    if (id === 'cd0') dev.cdrom.set_cdrom(disk);
    else if (!dev.fdc.drives[0]?.insert_disk(disk, disk.readOnly)) throw new ImageError(`The floppy drive rejected ${disk.path} (size ${disk.byteLength})`);
  }

  /** eject. */
  eject(args: { id?: string; device?: string; force?: boolean }): Record<string, never> {
    const id = this.driveId(args);
    const disk = this.media[id];
    this.removeFromGuest(id);
    this.media[id] = undefined;
    disk?.close();
    this.ioStatus[id] = 'ok';
    this.moved(id, true);
    return {};
  }

  /** blockdev-change-medium. */
  changeMedium(args: { id?: string; device?: string; filename: string; format?: string; 'read-only-mode'?: 'retain' | 'read-only' | 'read-write' }): Record<string, never> {
    const id = this.driveId(args);
    if (args.format !== undefined && args.format !== 'raw') {
      throw new ProtocolError('GenericError', `The v86 engine reads ${id === 'cd0' ? 'CD/DVD' : 'floppy'} images as raw files; format "${args.format}" is not supported.`);
    }
    let disk: FileDisk;
    try {
      // By kind too (common/medium.ts): an ISO never becomes a writable floppy, nor a floppy image a CD.
      checkRemovableMedium(args.filename, id);
      disk = this.openMedium(id, args.filename, args['read-only-mode'] ?? 'retain');
    } catch (error) {
      imageError(error);
    }
    // Open first, so a bad file leaves the drive as it was.
    if (this.media[id] || !this.trayOpen[id]) {
      this.removeFromGuest(id);
      this.media[id]?.close();
      this.media[id] = undefined;
      this.moved(id, true);
    }
    try {
      this.insertIntoGuest(id, disk);
    } catch (error) {
      disk.close();
      imageError(error);
    }
    this.media[id] = disk;
    this.ioStatus[id] = 'ok';
    this.moved(id, false);
    return {};
  }

  /** What the drives hold, for a snapshot. */
  record(): Omit<MediaRecord, 'hd0'> {
    const medium = (disk: FileDisk | undefined): MediumRecord | null => (disk ? { file: disk.path, ro: disk.readOnly } : null);
    return { cd0: medium(this.media.cd0), fd0: medium(this.media.fd0) };
  }

  /** Freezes hd0 for a snapshot and points the guest's disk at the new top layer. */
  async freezeDisk(): Promise<ChainDescription | null> {
    if (!this.chain) return null;
    const frozen = await this.chain.freeze();
    this.attachDisk();
    return frozen;
  }

  private attachDisk(): void {
    if (!this.chain || !this.machine.created) return;
    const master = devices(this.machine.emulator).ide.primary?.master;
    if (master) master.buffer = this.chain.disk;
    this.watch('hd0', this.chain.disk);
  }

  /**
   * Puts a snapshot's media back before its machine state is restored: v86's restore keeps
   * whatever disk objects the drives hold. Throws ImageError (leaving the drives unchanged) if
   * a recorded image is gone.
   */
  restore(record: MediaRecord): void {
    const opened: Partial<Record<RemovableId, FileDisk>> = {};
    try {
      for (const id of ['cd0', 'fd0'] as const) {
        const medium = record[id];
        if (medium) opened[id] = this.openMedium(id, medium.file, medium.ro ? 'read-only' : id === 'fd0' ? 'read-write' : 'read-only');
      }
      if (record.hd0 && this.chain) this.chain.restore(record.hd0);
      else if (record.hd0 || this.chain) throw new ImageError('The snapshot and this machine differ in having a hard disk.');
    } catch (error) {
      for (const disk of Object.values(opened)) disk.close();
      throw error;
    }
    this.attachDisk();
    for (const id of ['cd0', 'fd0'] as const) {
      const disk = opened[id];
      this.media[id]?.close();
      this.media[id] = disk;
      if (this.machine.created) {
        const dev = devices(this.machine.emulator);
        if (id === 'cd0') dev.cdrom.buffer = disk ?? null;
        else if (dev.fdc.drives[0]) dev.fdc.drives[0].buffer = disk ?? null;
      }
      this.moved(id, disk === undefined && this.trayOpen[id]);
      this.ioStatus[id] = 'ok';
    }
  }

  close(): void {
    for (const id of ['cd0', 'fd0'] as const) this.media[id]?.close();
    this.chain?.close();
  }
}

/** Installs file-backed drives and the media commands on `machine`; returns the storage. */
export function installStorage(machine: V86Machine): V86Storage {
  const storage = new V86Storage(machine);
  machine.addOptions(storage.options());
  machine.onCreated((emulator) => failReadsPastTheEnd(devices(emulator).cdrom));
  machine.onDispose(() => storage.close());
  const cont = machine.handlers.cont;
  machine.addHandlers({
    'query-block': () => storage.query() as never,
    eject: (args) => storage.eject(args),
    'blockdev-change-medium': (args) => storage.changeMedium(args),
    cont: async (args) => {
      if (machine.status() === 'io-error') {
        machine.setStatus('paused');
        if (!storage.retry()) {
          throw new ProtocolError('GenericError', 'The disk error persists (see BLOCK_IO_ERROR): free space or restore the image file, then cont again.');
        }
      }
      if (!cont) throw new ProtocolError('CommandNotFound', 'cont is not available');
      return cont(args);
    },
  });
  return storage;
}
