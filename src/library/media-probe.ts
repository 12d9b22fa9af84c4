/** Classifies a media file by name and size and reads its label and OS. */
import { statSync } from 'node:fs';
import { extname } from 'node:path';
import { isoImageProblem } from './iso9660.js';
import { detectOs, type OsCatalog } from './osinfo.js';
import type { MediaKind } from './types.js';
import type { DriveSlot } from './types.js';

/** Extensions the media library tracks. */
export const mediaExtensions = new Set(['.iso', '.img', '.ima', '.flp', '.vfd', '.qcow2', '.raw', '.vmdk', '.vdi', '.vhd', '.vhdx']);

/**
 * The largest floppy (2.88 MiB). A `.img` no larger than this is a floppy image even at an odd
 * size (GRUB's rescue floppy is 1,296,384 bytes): the engines present it at the next standard
 * size, and no hard disk is that small.
 */
const largestFloppyBytes = 2949120;

/** True when `path` has a media extension. */
export function isMediaFile(path: string): boolean {
  return mediaExtensions.has(extname(path).toLowerCase());
}

/** Kind of a media file, from its extension and size. */
export function mediaKind(path: string, sizeBytes: number): MediaKind {
  const extension = extname(path).toLowerCase();
  if (extension === '.iso') return 'iso';
  if (['.ima', '.flp', '.vfd'].includes(extension)) return 'floppy';
  if (extension === '.img' && sizeBytes > 0 && sizeBytes <= largestFloppyBytes) return 'floppy';
  return 'disk';
}

/** What probing a media file found. */
export interface MediaProbe {
  kind: MediaKind;
  sizeBytes: number;
  device: number;
  inode: number;
  volumeLabel: string | null;
  osId: string | null;
  osName: string | null;
}

/** Stats and identifies a media file; throws if it is not a regular file, or an ISO that is empty, not ISO9660 or cut short. */
export function probeMedia(path: string, catalog: () => OsCatalog): MediaProbe {
  const stat = statSync(path);
  if (!stat.isFile()) throw new Error(`${path} is not a regular file.`);
  const kind = mediaKind(path, stat.size);
  if (kind === 'iso') {
    const problem = isoImageProblem(path, stat.size);
    if (problem !== undefined) throw new Error(`it is not a usable CD/DVD image: ${problem}`);
  }
  let volumeLabel: string | null = null;
  let osId: string | null = null;
  let osName: string | null = null;
  if (kind !== 'disk' && stat.size > 0) {
    try {
      const detected = detectOs(path, catalog());
      volumeLabel = detected.iso?.volumeId || null;
      osId = detected.id;
      osName = detected.name;
    } catch {
      // Unreadable or truncated media still gets a row; detection can be retried.
    }
  }
  return { kind, sizeBytes: stat.size, device: stat.dev, inode: stat.ino, volumeLabel, osId, osName };
}

/**
 * Why the image at `path` does not belong in removable drive `slot`, or undefined when it does:
 * by kind, from the name and size as in the media library (content cannot decide: GRUB's rescue
 * floppy is an ISO9660 image too). An `.iso` never becomes a writable floppy.
 */
export function slotKindProblem(path: string, slot: DriveSlot): string | undefined {
  const kind = mediaKind(path, statSync(path).size);
  if (slot === 'fd0' && kind !== 'floppy') {
    return `${path} is ${kind === 'iso' ? 'a CD/DVD image (.iso)' : 'a disk image'}; the floppy drive takes floppy images (.img of a floppy size, .ima, .flp, .vfd).${kind === 'iso' ? ' Insert it into the CD drive (cd0).' : ''}`;
  }
  if (slot === 'cd0' && kind !== 'iso') {
    return `${path} is ${kind === 'floppy' ? 'a floppy image' : 'a disk image'}, not a CD/DVD image; the CD drive takes CD/DVD images (.iso).${kind === 'floppy' ? ' Insert it into the floppy drive (fd0).' : ''}`;
  }
  return undefined;
}
