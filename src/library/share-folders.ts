/**
 * Shared folders on the host side: the machines table's `shares` column (migration 5) and the
 * file-system checks of a share's folder (exists, is a folder, can be read and listed), made
 * when shares are saved and again when the machine starts.
 */
import { accessSync, constants, statSync } from 'node:fs';
import type { ShareSetting } from '../shared/share-settings.js';
import { invalid } from './errors.js';

/** The shares column of a machines row. */
export interface ShareColumns {
  shares: string;
}

/** A machine row's shared folders (column of migration 5). */
export function sharesFromRow(row: ShareColumns): ShareSetting[] {
  return JSON.parse(row.shares) as ShareSetting[];
}

/** Why the host folder of `share` cannot be shared now, as a sentence with what to do; undefined when it can. */
export function shareFolderProblem(share: Pick<ShareSetting, 'hostPath' | 'name'>): string | undefined {
  const subject = `The shared folder "${share.name}" (${share.hostPath})`;
  let stat;
  try {
    stat = statSync(share.hostPath);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return `${subject} does not exist; create the folder or choose another one.`;
    if (code === 'ENOTDIR') return `${subject} does not exist (a part of its path is a file); choose a folder.`;
    if (code === 'EACCES') return `${subject} cannot be reached: a folder on its path does not let you in (permission denied); choose a folder you can open.`;
    return `${subject} cannot be examined (${(error as Error).message}); choose another folder.`;
  }
  if (!stat.isDirectory()) return `${subject} is not a folder; share the folder that contains it instead.`;
  try {
    // Read to list it, execute to reach what is inside.
    accessSync(share.hostPath, constants.R_OK | constants.X_OK);
  } catch {
    return `${subject} is not readable by you (permission denied); change its permissions or choose another folder.`;
  }
  return undefined;
}

/**
 * Throws InvalidInput naming the first share whose folder cannot be shared. Shares equal to one
 * in `unchanged` (what was stored before) are not checked: a stored share whose folder went
 * away must not block other changes to the machine; starting it reports that share.
 */
export function assertShareFolders(shares: readonly ShareSetting[], unchanged: readonly ShareSetting[] = []): void {
  for (const share of shares) {
    if (unchanged.some((old) => old.hostPath === share.hostPath && old.name === share.name && old.readOnly === share.readOnly)) continue;
    const problem = shareFolderProblem(share);
    if (problem !== undefined) throw invalid('shares', problem);
  }
}
