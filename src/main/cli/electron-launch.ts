/**
 * Finds an Electron binary and the Electron shell entry without running Electron's own
 * `require('electron')` (which tries to download the binary when it is missing).
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The Electron main-process entry of Hangar's desktop shell. */
export const electronMainEntry = fileURLToPath(new URL('../electron/main.ts', import.meta.url));

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
  if (!existsSync(electronMainEntry)) return { ok: false, reason: 'the Electron desktop shell (src/main/electron/main.ts) is not part of this build yet.' };
  return { ok: true, binary, entry: electronMainEntry };
}
