/**
 * Private permissions for everything under a library folder: folders 0700, files 0600. The
 * library holds guest disks, saved guest RAM (v86 state files, QEMU qcow2 images with internal
 * snapshots), thumbnails of guest screens in the database, logs and the control socket: other
 * local users must not read any of it.
 *
 * Two layers, so neither is relied on alone: each process sets a private umask at its entry
 * point (`usePrivateUmask`), and the library creates files and folders with explicit modes.
 * `tightenLibraryPermissions` runs when the library opens and repairs what an older version,
 * another tool (qemu-img, sqlite) or a copy left readable, reporting what it changed.
 */
import { chmodSync, lstatSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/** Mode of every folder under the library. */
export const privateFolderMode = 0o700;
/** Mode of every file (and socket) under the library. */
export const privateFileMode = 0o600;
/** The umask that makes new files 0600 and new folders 0700. */
export const privateUmask = 0o077;

/** Sets the process umask to 0o077 (call once at a process entry point); returns the previous one. */
export function usePrivateUmask(): number {
  return process.umask(privateUmask);
}

/** One path whose mode was tightened. */
export interface PermissionFix {
  path: string;
  kind: 'folder' | 'file';
  /** Permission bits before (e.g. 0o644). */
  from: number;
  to: number;
}

/**
 * Walks `root` (not following symbolic links: a link to a user's ISO elsewhere is left alone)
 * and sets folders to 0700 and files and sockets to 0600 where they are more open. Entries it
 * cannot change (owned by someone else, vanished meanwhile) are reported in `failed`, never thrown.
 */
export function tightenLibraryPermissions(root: string): { fixed: PermissionFix[]; failed: { path: string; reason: string }[] } {
  const fixed: PermissionFix[] = [];
  const failed: { path: string; reason: string }[] = [];
  const visit = (path: string): void => {
    let stat;
    try {
      stat = lstatSync(path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') failed.push({ path, reason: (error as Error).message });
      return;
    }
    if (stat.isSymbolicLink()) return;
    const folder = stat.isDirectory();
    const wanted = folder ? privateFolderMode : privateFileMode;
    const mode = stat.mode & 0o7777;
    // Only ever remove bits: an owner without write permission on a file keeps it read-only.
    const tightened = folder ? privateFolderMode : mode & privateFileMode;
    if (mode !== tightened && (mode & ~wanted) !== 0) {
      try {
        chmodSync(path, tightened);
        fixed.push({ path, kind: folder ? 'folder' : 'file', from: mode, to: tightened });
      } catch (error) {
        failed.push({ path, reason: (error as Error).message });
      }
    }
    if (!folder) return;
    let names: string[];
    try {
      names = readdirSync(path);
    } catch (error) {
      failed.push({ path, reason: (error as Error).message });
      return;
    }
    for (const name of names) visit(join(path, name));
  };
  visit(root);
  return { fixed, failed };
}

/** One line for a log or warning: how many entries were tightened, with a few examples. */
export function describePermissionFixes(root: string, fixes: readonly PermissionFix[]): string {
  const examples = fixes.slice(0, 3).map((fix) => `${fix.path} ${fix.from.toString(8)}→${fix.to.toString(8)}`);
  return `Tightened the permissions of ${fixes.length} ${fixes.length === 1 ? 'entry' : 'entries'} in the library ${root} (other users could read guest disks, memory or settings): ${examples.join(', ')}${fixes.length > 3 ? ', …' : ''}.`;
}
