/**
 * Debian's diod confined with bubblewrap, so a hostile guest that gets past diod's own path
 * handling (a symlink made with Tsymlink and walked through, `..`, hard links) finds nothing but
 * the shared folder: the sandbox holds /usr read-only (diod and its libraries), a two-line
 * passwd/group, and the share at /share; no /proc, no /dev, no network, its own pid, IPC and
 * UTS namespaces, the root read-only, an empty environment.
 *
 * Identity: diod runs as uid 65534 ("nobody") inside a user namespace whose only mapping is
 * 65534 → the host user running the engine. It has no capability anywhere, and files the guest
 * creates belong to that host user (not to root, not to nobody), with the guest's modes less
 * setuid, setgid and group/other write (nine-p-bridge.ts). Every guest user is that one account: the bridge attaches as it, and diod squashes
 * to it (`-S -U nobody`).
 *
 * Lifetime: bwrap is started through spawnOwned (it dies with the engine, also on SIGKILL);
 * `--die-with-parent` and the pid namespace take diod with it; diod also exits on EOF of its
 * input. A read-only share is bound read-only, so every write fails with EROFS in the kernel.
 */
import { accessSync, constants, writeFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';

/** Where the share appears inside the sandbox (the aname every attach is rewritten to). */
export const SANDBOX_EXPORT = '/share';

/** The uid/gid diod has inside the sandbox. */
const SANDBOX_ID = 65534;

/**
 * What every guest attach is remade to (nine-p-bridge.ts): the sandbox's one account, whatever
 * uid the guest user has (diod would look each uid up and refuse unknown ones), and the export.
 */
export const SANDBOX_ACCOUNT = { uname: 'nobody', nUname: SANDBOX_ID, aname: SANDBOX_EXPORT } as const;

/** Debian packages a v86 share needs. */
export const sharePackages = 'diod bubblewrap';

/** The two programs, found. */
export interface SandboxTools {
  readonly diod: string;
  readonly bwrap: string;
}

/** True when `path` is an executable file. */
function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The first executable `name` on PATH or in the sbin folders (diod lives in /usr/sbin, often not on a user's PATH). */
function findProgram(name: string, path: string): string | undefined {
  const folders = [...path.split(delimiter), '/usr/local/sbin', '/usr/sbin', '/sbin', '/usr/bin', '/bin'];
  return folders.filter((folder) => folder.startsWith('/')).map((folder) => join(folder, name)).find(executable);
}

/** An override path when it is an absolute executable, else undefined; absent: the search. */
function pick(override: unknown, name: string, path: string): string | undefined {
  if (override === undefined) return findProgram(name, path);
  return typeof override === 'string' && override.startsWith('/') && executable(override) ? override : undefined;
}

/**
 * diod and bwrap, or a sentence saying which is missing and what to install.
 * `overrides` (engine options diodPath / bwrapPath) replace the search.
 */
export function findSandboxTools(overrides: { diod?: unknown; bwrap?: unknown } = {}, path: string = process.env.PATH ?? ''): SandboxTools | { problem: string } {
  const diod = pick(overrides.diod, 'diod', path);
  const bwrap = pick(overrides.bwrap, 'bwrap', path);
  const missing = [diod === undefined ? 'diod (the 9P server)' : undefined, bwrap === undefined ? 'bwrap (bubblewrap, which confines it)' : undefined].filter((item) => item !== undefined);
  if (diod === undefined || bwrap === undefined) {
    return { problem: `Shared folders on v86 need ${missing.join(' and ')}, which ${missing.length > 1 ? 'are' : 'is'} not installed: install them (Debian: sudo apt install ${sharePackages}) and start the machine again.` };
  }
  return { diod, bwrap };
}

/** Options of the sandbox command line. */
export interface SandboxOptions {
  readonly tools: SandboxTools;
  /** The host folder to serve. */
  readonly hostPath: string;
  readonly readOnly: boolean;
  /** A private (0700) folder for the sandbox's passwd and group files. */
  readonly runtimeDir: string;
}

/**
 * Writes the sandbox's account files and returns bwrap's command line (diod speaks 9P on its
 * stdin and stdout, logs on stderr).
 */
export function sandboxCommand(options: SandboxOptions): { file: string; args: string[] } {
  const passwd = join(options.runtimeDir, 'share-passwd');
  const group = join(options.runtimeDir, 'share-group');
  writeFileSync(passwd, `nobody:x:${SANDBOX_ID}:${SANDBOX_ID}:nobody:/:/nonexistent\n`, { mode: 0o600 });
  writeFileSync(group, `nogroup:x:${SANDBOX_ID}:\n`, { mode: 0o600 });
  const args = [
    '--unshare-all', '--unshare-user', '--die-with-parent', '--new-session',
    '--uid', String(SANDBOX_ID), '--gid', String(SANDBOX_ID),
    '--ro-bind', '/usr', '/usr',
    '--symlink', 'usr/lib', '/lib', '--symlink', 'usr/lib64', '/lib64', '--symlink', 'usr/bin', '/bin', '--symlink', 'usr/sbin', '/sbin',
    '--ro-bind', passwd, '/etc/passwd',
    '--ro-bind', group, '/etc/group',
    // A diod outside /usr (engine option diodPath) is bound where it is.
    ...(options.tools.diod.startsWith('/usr/') ? [] : ['--ro-bind', options.tools.diod, options.tools.diod]),
    options.readOnly ? '--ro-bind' : '--bind', options.hostPath, SANDBOX_EXPORT,
    '--remount-ro', '/',
    '--chdir', SANDBOX_EXPORT,
    '--',
    options.tools.diod, '-f', '-n', '-S', '-U', 'nobody', '-r', '0', '-w', '1', '-e', SANDBOX_EXPORT, '-L', 'stderr',
  ];
  return { file: options.tools.bwrap, args };
}
