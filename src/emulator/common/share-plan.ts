/**
 * The shared-folder plan both engines launch from: `--share HOSTPATH[:NAME][:ro]` flags (or the
 * `shares` option, a list of {hostPath, name?, readOnly?}) checked once. Each share gets its 9P
 * mount tag: the first `host9p` on every engine (one guest command works everywhere), the others
 * their names. A folder that is missing, not a folder or unreadable does not stop the machine:
 * the share is `failed` with the reason (query-shares, engine log) and the guest runs without it.
 */
import { accessSync, constants, statSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';

/** The mount tag of the first share on both engines. */
export const FIRST_SHARE_TAG = 'host9p';

/** Most shares a machine may have (each is a PCI device on QEMU). */
export const MAX_SHARES = 16;

const namePattern = /^[A-Za-z0-9_.-]{1,31}$/;

/** One requested share. */
export interface ShareRequest {
  readonly hostPath: string;
  readonly name: string;
  readonly readOnly: boolean;
}

/** One planned share. */
export interface PlannedShare extends ShareRequest {
  /** The 9P mount tag the guest mounts. */
  readonly tag: string;
  /** Why the folder cannot be shared; undefined when it can (so far: engines add their own reasons). */
  readonly problem?: string;
}

/** Why `name` cannot name a share; undefined when it can. */
export function shareNameProblem(name: string): string | undefined {
  if (!namePattern.test(name) || /^\.+$/.test(name)) return `The share name ${JSON.stringify(name)} is not 1 to 31 letters, digits, dots, dashes or underscores (like "projects").`;
  return undefined;
}

/** The folder's last component made into a share name ("share" when nothing usable is left). */
function defaultName(hostPath: string): string {
  const last = hostPath.split('/').filter((part) => part.length > 0).pop() ?? '';
  const cleaned = last.replace(/[^A-Za-z0-9_.-]/g, '_').slice(0, 31);
  return shareNameProblem(cleaned) === undefined ? cleaned : 'share';
}

/**
 * Reads `HOSTPATH[:NAME][:ro]`. The path is absolute; a trailing `:ro` makes the share read-only,
 * and a last `:`-part that is a valid name (no slash) is the name. A path with a colon in it
 * therefore needs the name given (`/data:x:docs`).
 */
export function parseShare(text: string): ShareRequest {
  let rest = text;
  let readOnly = false;
  if (rest.endsWith(':ro')) {
    readOnly = true;
    rest = rest.slice(0, -3);
  }
  let name: string | undefined;
  const colon = rest.lastIndexOf(':');
  if (colon > 0 && !rest.slice(colon + 1).includes('/')) {
    name = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
  }
  if (rest.length === 0 || !isAbsolute(rest)) throw new Error(`The share ${JSON.stringify(text)} is not HOSTPATH[:NAME][:ro] with an absolute HOSTPATH (like /home/me/projects:projects:ro).`);
  const hostPath = resolve(rest);
  name ??= defaultName(hostPath);
  const problem = shareNameProblem(name);
  if (problem !== undefined) throw new Error(problem);
  return { hostPath, name, readOnly };
}

/** Reads one entry of the `shares` option: a flag string or {hostPath, name?, readOnly?}. */
function shareFrom(value: unknown): ShareRequest {
  if (typeof value === 'string') return parseShare(value);
  if (typeof value !== 'object' || value === null) throw new Error(`A share is HOSTPATH[:NAME][:ro] or {hostPath, name?, readOnly?}, not ${JSON.stringify(value)}.`);
  const record = value as Record<string, unknown>;
  const hostPath = record.hostPath ?? record['host-path'];
  if (typeof hostPath !== 'string' || !isAbsolute(hostPath)) throw new Error(`A share's hostPath is an absolute folder path, not ${JSON.stringify(hostPath)}.`);
  const readOnly = record.readOnly ?? record['read-only'] ?? false;
  if (typeof readOnly !== 'boolean') throw new Error('A share\'s readOnly is true or false.');
  const name = record.name ?? defaultName(hostPath);
  if (typeof name !== 'string') throw new Error('A share\'s name is a string.');
  const problem = shareNameProblem(name);
  if (problem !== undefined) throw new Error(problem);
  return { hostPath: resolve(hostPath), name, readOnly };
}

/** Why `hostPath` cannot be served now (missing, not a folder, not readable); undefined when it can. */
export function shareFolderProblem(hostPath: string): string | undefined {
  let stats;
  try {
    stats = statSync(hostPath);
  } catch {
    return `The shared folder ${hostPath} does not exist; create it or remove the share.`;
  }
  if (!stats.isDirectory()) return `The shared folder ${hostPath} is not a folder; share a folder (or use Send files for single files).`;
  try {
    accessSync(hostPath, constants.R_OK | constants.X_OK);
  } catch {
    return `The shared folder ${hostPath} is not readable by this user; fix its permissions or remove the share.`;
  }
  return undefined;
}

/**
 * Checks the requested shares (the `shares` option): names unique (case-insensitively), at most
 * MAX_SHARES, tags assigned, each folder looked at. Throws for a malformed list (a usage error);
 * a folder that cannot be served is a `problem` on its share, not an error.
 */
export function planShares(option: unknown): PlannedShare[] {
  if (option === undefined || option === null) return [];
  if (!Array.isArray(option)) throw new Error('The shares option is a list of HOSTPATH[:NAME][:ro] or {hostPath, name?, readOnly?}.');
  if (option.length > MAX_SHARES) throw new Error(`A machine can have at most ${MAX_SHARES} shared folders; it has ${option.length}.`);
  const seen = new Set<string>();
  return option.map((item, index) => {
    const share = shareFrom(item);
    const key = share.name.toLowerCase();
    if (seen.has(key)) throw new Error(`Two shares are named "${share.name}"; give each share its own name (HOSTPATH:NAME).`);
    seen.add(key);
    const tag = index === 0 ? FIRST_SHARE_TAG : share.name;
    if (index > 0 && tag.toLowerCase() === FIRST_SHARE_TAG) throw new Error(`The name "${FIRST_SHARE_TAG}" is the first share's mount tag; name this share differently.`);
    const problem = shareFolderProblem(share.hostPath);
    return { ...share, tag, ...(problem !== undefined ? { problem } : {}) };
  });
}
