/**
 * Reads the identifying fields of an ISO9660 image: the primary volume descriptor (volume id,
 * system id, publisher, application), whether an El Torito boot record is present and which
 * platforms its boot catalog has entries for. Reads only the volume descriptor set (a few KiB
 * at 32 KiB) and the boot catalog (one sector), never the whole image.
 */
import { closeSync, openSync, readSync } from 'node:fs';

/** Identification fields of an ISO9660 image, trimmed of padding. */
export interface IsoIdentity {
  volumeId: string;
  systemId: string;
  publisherId: string;
  applicationId: string;
  /** Volume size in bytes (logical blocks × block size). */
  volumeSize: number;
  /** An El Torito boot record is present (the image is bootable from CD). */
  bootable: boolean;
  /** Platforms the El Torito boot catalog has entries for, in catalog order, without repeats. */
  bootPlatforms: BootPlatform[];
}

/** An El Torito platform: a PC BIOS, UEFI (any CPU), PowerPC or Mac. */
export type BootPlatform = 'bios' | 'efi' | 'ppc' | 'mac';

const platformIds: Record<number, BootPlatform> = { 0: 'bios', 1: 'ppc', 2: 'mac', 0xef: 'efi' };

/**
 * The platforms of the El Torito boot catalog at sector `lba`: the validation entry's, then each
 * section header's (a section holds the images for one platform, e.g. the EFI boot image).
 */
function bootCatalogPlatforms(fd: number, lba: number): BootPlatform[] {
  const catalog = Buffer.alloc(sectorSize);
  if (readSync(fd, catalog, 0, sectorSize, lba * sectorSize) < sectorSize) return [];
  if (catalog[0] !== 1 || catalog[30] !== 0x55 || catalog[31] !== 0xaa) return [];
  const platforms = new Set<BootPlatform>();
  const add = (id: number | undefined): void => {
    const platform = id === undefined ? undefined : platformIds[id];
    if (platform) platforms.add(platform);
  };
  add(catalog[1]);
  for (let offset = 64; offset + 32 <= sectorSize; offset += 32) {
    const indicator = catalog[offset];
    if (indicator === 0x90 || indicator === 0x91) add(catalog[offset + 1]);
    else if (indicator !== 0x88 && indicator !== 0x00 && indicator !== 0x44) break;
    if (indicator === 0x91) {
      // The final section's entries follow; nothing after them is a header.
      break;
    }
  }
  return [...platforms];
}

const sectorSize = 2048;
const firstDescriptor = 16;
/** The descriptor set is short; stop after this many sectors if no terminator shows up. */
const maxDescriptors = 32;

function text(buffer: Buffer, start: number, length: number): string {
  return buffer.toString('latin1', start, start + length).replace(/\s+$/, '').split('\u0000').join('').trim();
}

/** Reads the ISO9660 identity of `path`, or returns null if it is not an ISO9660 image. */
export function readIsoIdentity(path: string): IsoIdentity | null {
  const fd = openSync(path, 'r');
  try {
    let identity: IsoIdentity | null = null;
    let bootable = false;
    let bootPlatforms: BootPlatform[] = [];
    const sector = Buffer.alloc(sectorSize);
    for (let index = 0; index < maxDescriptors; index++) {
      const read = readSync(fd, sector, 0, sectorSize, (firstDescriptor + index) * sectorSize);
      if (read < sectorSize || sector.toString('latin1', 1, 6) !== 'CD001') break;
      const type = sector[0];
      if (type === 255) break;
      if (type === 0 && sector.toString('latin1', 7, 30) === 'EL TORITO SPECIFICATION') {
        bootable = true;
        bootPlatforms = bootCatalogPlatforms(fd, sector.readUInt32LE(71));
      }
      if (type === 1 && identity === null) {
        const blocks = sector.readUInt32LE(80);
        const blockSize = sector.readUInt16LE(128);
        identity = {
          systemId: text(sector, 8, 32),
          volumeId: text(sector, 40, 32),
          publisherId: text(sector, 318, 128),
          applicationId: text(sector, 574, 128),
          volumeSize: blocks * blockSize,
          bootable: false,
          bootPlatforms: [],
        };
      }
    }
    return identity ? { ...identity, bootable, bootPlatforms } : null;
  } finally {
    closeSync(fd);
  }
}

/**
 * Why `path` cannot be a usable CD/DVD image, or undefined when it can: it must hold an ISO9660
 * primary volume descriptor, and be at least as long as the volume size that descriptor gives
 * (a download or copy cut short is refused here, not found out by the guest mid-install).
 */
export function isoImageProblem(path: string, fileSize: number): string | undefined {
  if (fileSize === 0) return 'it is empty (0 bytes).';
  let identity: IsoIdentity | null;
  try {
    identity = readIsoIdentity(path);
  } catch (error) {
    return `it cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}).`;
  }
  if (!identity) return `it has no ISO9660 volume descriptor at byte ${firstDescriptor * sectorSize}: it is not a CD/DVD image, or its start is damaged.`;
  if (identity.volumeSize > fileSize) {
    return `it is cut short: its volume is ${identity.volumeSize} bytes but the file has only ${fileSize} (${Math.round((fileSize / identity.volumeSize) * 100)} %). Download or copy it again.`;
  }
  return undefined;
}
