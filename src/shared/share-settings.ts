/**
 * A machine's shared folders (host folders served to the guest over 9P) and the rules for them,
 * shared by the library, the API, the CLI and the UI. Checks here are about the text only; the
 * library checks the folders themselves (exist, folder, readable) with the file system, which
 * this layer may not touch.
 */

/** The mount tag of a machine's first share on every engine, so one guest command works everywhere. */
export const firstShareTag = 'host9p';

/** Most shares a machine may have (each is a PCI device on QEMU). */
export const maxShares = 16;

/** A share name: a 9P mount tag on QEMU, a folder name on v86. */
export const shareNamePattern = /^[A-Za-z0-9_.-]{1,31}$/;

/** One shared folder. */
export interface ShareSetting {
  /** Absolute path of the host folder. */
  hostPath: string;
  /** Unique per machine (case-insensitively); the mount tag of every share but the first. */
  name: string;
  /** True: the guest cannot change anything in the folder (writes fail with EROFS). */
  readOnly: boolean;
}

/** A share as callers give it: the name defaults to the folder's own name, readOnly to false. */
export type ShareInput = Pick<ShareSetting, 'hostPath'> & Partial<Omit<ShareSetting, 'hostPath'>>;

/** The guest command that mounts the first share (the same on both engines). */
export const linuxMountCommand = `mount -t 9p -o trans=virtio,version=9p2000.L ${firstShareTag} /mnt`;

/** A Linux guest command that mounts the share with mount tag `tag`: the first on /mnt, the others on /mnt/TAG. */
export function shareMountCommand(tag: string, index: number): string {
  if (index === 0) return linuxMountCommand;
  return `mkdir -p /mnt/${tag} && mount -t 9p -o trans=virtio,version=9p2000.L ${tag} /mnt/${tag}`;
}

/** What v86 does with a machine's second and later shares (shown in the UI and by `hangar shares`). */
export const v86SharesNote = 'v86 has one 9P device: it serves only the first shared folder (host9p); the others are served when the machine runs on QEMU.';

/** The 9P mount tag of the share at `index` of a machine's list. */
export function shareTag(share: Pick<ShareSetting, 'name'>, index: number): string {
  return index === 0 ? firstShareTag : share.name;
}

/** Why `name` cannot name a share, as a sentence; undefined when it can. */
export function shareNameProblem(name: unknown): string | undefined {
  if (typeof name !== 'string' || !shareNamePattern.test(name)) {
    return `The share name ${JSON.stringify(name)} is not 1 to 31 letters, digits, dots, dashes or underscores (like "projects").`;
  }
  // "." and ".." are folder names with a meaning of their own, never a share's.
  if (/^\.+$/.test(name)) return `The share name "${name}" is only dots; choose a name with a letter or digit.`;
  // HOSTPATH:ro means read-only (CLI and engine flag alike), so a share cannot be called ro.
  if (name === 'ro') return 'The share name "ro" would read as the read-only mark in HOSTPATH:NAME:ro; choose another name.';
  return undefined;
}

/** Why `hostPath` cannot be a share's host folder, judging the text only; undefined when it can. */
export function shareHostPathProblem(hostPath: unknown): string | undefined {
  if (typeof hostPath !== 'string' || hostPath.length === 0) return 'A shared folder needs the path of a host folder.';
  if (!hostPath.startsWith('/')) return `The shared folder path "${hostPath}" is not absolute; give the full path (starting with /).`;
  if (hostPath.includes('\0')) return 'The shared folder path contains a NUL character.';
  if (hostPath.length > 4096) return 'The shared folder path is longer than 4096 characters.';
  return undefined;
}

/** A share name made from a folder path: its last component with unusable characters replaced. */
export function defaultShareName(hostPath: string): string {
  const last = hostPath.split('/').filter((part) => part.length > 0).pop() ?? '';
  const cleaned = last.replace(/[^A-Za-z0-9_.-]/g, '_').slice(0, 31);
  return shareNameProblem(cleaned) === undefined ? cleaned : 'share';
}

/** An absolute path without `.`, `..`, repeated or trailing slashes (`/srv//a/../data/` → `/srv/data`). */
export function normalHostPath(hostPath: string): string {
  const parts: string[] = [];
  for (const part of hostPath.split('/')) {
    if (part === '..') parts.pop();
    else if (part.length > 0 && part !== '.') parts.push(part);
  }
  return `/${parts.join('/')}`;
}

/**
 * Checks a machine's list of shares; returns a normalised copy (defaults filled in, paths
 * without trailing slashes) or the first problem as a sentence.
 */
export function checkShareSettings(value: unknown): { ok: true; value: ShareSetting[] } | { ok: false; error: string } {
  if (!Array.isArray(value)) return { ok: false, error: 'The shared folders are a list of {hostPath, name?, readOnly?}.' };
  if (value.length > maxShares) return { ok: false, error: `A machine can have at most ${maxShares} shared folders, not ${value.length}.` };
  const shares: ShareSetting[] = [];
  const names = new Map<string, string>();
  for (const item of value as unknown[]) {
    if (typeof item !== 'object' || item === null || Array.isArray(item)) return { ok: false, error: `A shared folder is an object {hostPath, name?, readOnly?}, not ${JSON.stringify(item)}.` };
    const raw = item as Record<string, unknown>;
    const pathProblem = shareHostPathProblem(raw.hostPath);
    if (pathProblem !== undefined) return { ok: false, error: pathProblem };
    const hostPath = normalHostPath(raw.hostPath as string);
    const name = raw.name ?? defaultShareName(hostPath);
    const nameProblem = shareNameProblem(name);
    if (nameProblem !== undefined) return { ok: false, error: nameProblem };
    if (raw.readOnly !== undefined && typeof raw.readOnly !== 'boolean') return { ok: false, error: `The read-only setting of the share "${String(name)}" is true or false.` };
    const key = (name as string).toLowerCase();
    const clash = names.get(key);
    if (clash !== undefined) return { ok: false, error: `Two shared folders are called "${clash}"; each share of a machine needs its own name.` };
    // The first share's tag is host9p whatever its name; a later one called so would be a second host9p.
    if (shares.length > 0 && key === firstShareTag) return { ok: false, error: `Only the first shared folder may be called "${firstShareTag}" (its mount tag on every engine); rename "${hostPath}".` };
    names.set(key, name as string);
    shares.push({ hostPath, name: name as string, readOnly: raw.readOnly === true });
  }
  return { ok: true, value: shares };
}

/**
 * Reads a share as the CLI writes it: `HOSTPATH[:NAME][:ro]`. The name and `ro` are taken from
 * the right, so a path may itself contain colons when a name follows it. Throws an Error whose
 * message says what is wrong. The path is returned as written (the caller makes it absolute).
 */
export function parseShareText(text: string): ShareInput {
  let rest = text;
  let readOnly: boolean | undefined;
  if (rest.endsWith(':ro')) {
    readOnly = true;
    rest = rest.slice(0, -3);
  }
  let name: string | undefined;
  const colon = rest.lastIndexOf(':');
  if (colon > 0) {
    name = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    const problem = shareNameProblem(name);
    if (problem !== undefined) throw new Error(`In the share "${text}" (HOSTPATH[:NAME][:ro]): ${problem}`);
  }
  if (rest.length === 0) throw new Error(`The share "${text}" has no host folder; write HOSTPATH[:NAME][:ro] (like ~/projects:projects:ro).`);
  return { hostPath: rest, ...(name !== undefined ? { name } : {}), ...(readOnly !== undefined ? { readOnly } : {}) };
}

/** The engine's `--share` value for a stored share: `HOSTPATH:NAME[:ro]` (always with the name, so colons in the path stay unambiguous). */
export function shareFlagText(share: ShareSetting): string {
  return `${share.hostPath}:${share.name}${share.readOnly ? ':ro' : ''}`;
}
