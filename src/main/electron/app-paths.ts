/**
 * Where the shell's files are, whether main runs from source (src/main/electron/main.ts under
 * tsx, in tests) or from the bundle (dist/electron/main.js, what Electron runs): the renderer is
 * found from the app root (the folder of Hangar's package.json); the preload is always the
 * built one (a sandboxed preload must be a single CommonJS file); the engine is the bundled one
 * beside a bundled main, and the TypeScript entry with the tsx loader beside the source.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface AppPaths {
  root: string;
  rendererDir: string;
  preload: string;
  engineEntry: string;
  /** Whether the engine entry is TypeScript (forked with the tsx loader). */
  engineIsSource: boolean;
}

/** Walks up from `moduleUrl` to the folder whose package.json is Hangar's. */
export function findAppRoot(moduleUrl: string): string {
  let folder = dirname(fileURLToPath(moduleUrl));
  for (;;) {
    const manifest = join(folder, 'package.json');
    if (existsSync(manifest)) {
      try {
        if ((JSON.parse(readFileSync(manifest, 'utf8')) as { name?: unknown }).name === 'hangar') return folder;
      } catch {
        // Not ours (or unreadable); keep walking up.
      }
    }
    const parent = dirname(folder);
    if (parent === folder) throw new Error(`Hangar's package.json was not found above ${fileURLToPath(moduleUrl)}.`);
    folder = parent;
  }
}

/**
 * The unpacked copy of a file packaged inside app.asar (electron.config.ts unpacks the engine):
 * a forked process must be given a real file, not a path inside the archive.
 */
export function unpacked(path: string): string {
  return path.replace(/([/\\])app\.asar([/\\])/, '$1app.asar.unpacked$2');
}

/** The shell's files for the main module at `moduleUrl`. */
export function appPaths(moduleUrl: string): AppPaths {
  const root = findAppRoot(moduleUrl);
  const mainFile = fileURLToPath(moduleUrl);
  const fromSource = mainFile.endsWith('.ts');
  const builtDir = fromSource ? join(root, 'dist', 'electron') : dirname(mainFile);
  return {
    root,
    rendererDir: join(root, 'dist', 'renderer'),
    preload: join(builtDir, 'preload.cjs'),
    engineEntry: fromSource ? join(root, 'src', 'emulator', 'host', 'entry.ts') : unpacked(join(builtDir, 'engine', 'host', 'entry.js')),
    engineIsSource: fromSource,
  };
}
