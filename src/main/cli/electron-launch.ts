/**
 * Finds an Electron binary and the Electron shell entry without running Electron's own
 * `require('electron')` (which tries to download the binary when it is missing).
 */
import { spawn } from 'node:child_process';
import { accessSync, constants, existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The Electron main-process entry of Hangar's desktop shell, built by `npm run build:electron` (`npm start` builds it first). */
export const electronMainEntry = fileURLToPath(new URL('../../../dist/electron/main.js', import.meta.url));

/** The Electron binary and entry to launch, or why the desktop shell cannot start here. */
export function findElectron(): { ok: true; binary: string; entry: string } | { ok: false; reason: string } {
  let packageDir: string;
  try {
    packageDir = dirname(createRequire(import.meta.url).resolve('electron/package.json'));
  } catch {
    return { ok: false, reason: 'the electron package is not installed (run npm install).' };
  }
  const pathFile = join(packageDir, 'path.txt');
  const binary = existsSync(pathFile) ? join(packageDir, 'dist', readFileSync(pathFile, 'utf8').trim()) : undefined;
  if (!binary || !existsSync(binary)) {
    return { ok: false, reason: 'the Electron binary is not installed (node_modules/electron/dist is missing; it could not be downloaded).' };
  }
  if (!existsSync(electronMainEntry)) return { ok: false, reason: `the desktop shell is not built (${electronMainEntry} is missing; run npm run build:electron).` };
  return { ok: true, binary, entry: electronMainEntry };
}

/**
 * The command that opens `url` in the user's browser (for the web-shell fallback), or undefined
 * where there is none: on Linux and BSDs only inside a desktop session with xdg-open (or $BROWSER).
 */
export function browserCommand(url: string, platform: string = process.platform, env: NodeJS.ProcessEnv = process.env): { command: string; args: string[] } | undefined {
  if (platform === 'darwin') return { command: 'open', args: [url] };
  if (platform === 'win32') return { command: 'cmd', args: ['/c', 'start', '""', url.replace(/&/g, '^&')] };
  if (!env.DISPLAY && !env.WAYLAND_DISPLAY) return undefined;
  for (const name of [env.BROWSER, 'xdg-open']) {
    if (!name) continue;
    for (const folder of name.includes('/') ? [''] : (env.PATH ?? '').split(delimiter)) {
      const candidate = folder ? join(folder, name) : name;
      try {
        accessSync(candidate, constants.X_OK);
        return { command: candidate, args: [url] };
      } catch {
        // Not here.
      }
    }
  }
  return undefined;
}

/** Opens `url` in the user's browser when there is one; says whether it tried. Never throws. */
export function openInBrowser(url: string): boolean {
  const command = browserCommand(url);
  if (!command) return false;
  try {
    const child = spawn(command.command, command.args, { stdio: 'ignore', detached: true });
    child.on('error', () => undefined);
    child.unref();
    return true;
  } catch {
    return false;
  }
}
