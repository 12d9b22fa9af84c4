/**
 * The Electron main-process entry (bundled to dist/electron/main.js by
 * `npm run build:electron`; `npm start` / `hangar gui` run it). Thin on purpose: it hands
 * Electron's module and the app's paths to the shell.
 */
import * as electron from 'electron';
import { appPaths } from './app-paths.js';
import { startElectronShell } from './shell.js';

// The app writes the library (guest disks, saved RAM, settings): private to the user, on top of
// the explicit modes the library uses.
process.umask(0o077);
const paths = appPaths(import.meta.url);

/** The running shell (undefined when another instance already runs). */
export const shell = startElectronShell(electron, {
  rendererDir: paths.rendererDir,
  preload: paths.preload,
  engineEntry: paths.engineEntry,
  engineLoader: paths.engineIsSource ? import.meta.resolve('tsx') : null,
});

shell.catch((error: unknown) => {
  console.error(`hangar: the desktop shell failed to start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  electron.app.exit(1);
});
