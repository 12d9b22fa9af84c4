/** Classifies a media file by name and size and reads its label and OS. */
import { statSync } from 'node:fs';
import { extname } from 'node:path';
import { detectOs, type OsCatalog } from './osinfo.js';
import type { MediaKind } from './types.js';

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

/** Stats and identifies a media file; throws if it is not a regular file. */
export function probeMedia(path: string, catalog: () => OsCatalog): MediaProbe {
  const stat = statSync(path);
  if (!stat.isFile()) throw new Error(`${path} is not a regular file.`);
  const kind = mediaKind(path, stat.size);
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
