/**
 * `hangar gui | web`: the shells that hold the library: the Electron app, or the web UI served
 * from this process (also the GUI's fallback without Electron).
 */
import { spawn } from 'node:child_process';
import { HangarCore } from '../../core/hangar-core.js';
import { startWebShell } from '../../web/index.js';
import { UsageError, integerOption, parseArguments } from '../arguments.js';
import type { CliCommand, CliIo } from '../command.js';
import { exitCodes } from '../command.js';
import { libraryFolder } from '../connection.js';
import { findElectron, openInBrowser } from '../electron-launch.js';

/** Serves the web UI until SIGINT/SIGTERM; `note` explains why (when falling back from the GUI). */
async function serveWeb(argv: string[], io: CliIo, note: string | undefined): Promise<number> {
  const parsed = parseArguments(argv, ['port'], ['compress-display']);
  if (parsed.positionals.length > 0) throw new UsageError('web takes no arguments.');
  const port = integerOption(parsed, 'port', 0, 65535);
  const core = await HangarCore.open({ folder: libraryFolder(), watch: true });
  let shell;
  try {
    shell = await startWebShell({ core, ...(port !== undefined ? { port } : {}) });
  } catch (error) {
    await core.close();
    throw error;
  }
  if (note) io.out(note);
  // The shell compresses the display only for viewers elsewhere; through an SSH tunnel the page
  // looks local, so the URL itself asks for compressed frames.
  const url = parsed.flags.has('compress-display') ? `${shell.url}&display-encoding=deflate` : shell.url;
  io.out(`Hangar web UI: ${url}`);
  if (parsed.flags.has('compress-display')) io.out('The display is sent compressed (for a slow link, such as an SSH tunnel); without the flag a local page gets raw pixels, the cheapest locally.');
  // The GUI's fallback opens the page itself (openInBrowser only where a desktop session is);
  // HANGAR_NO_BROWSER=1 turns that off (tests, scripts).
  if (note && process.env.HANGAR_NO_BROWSER !== '1' && openInBrowser(url)) io.out('Opened it in your browser.');
  if (core.controlSocket) io.out(`Control socket: ${core.controlSocket}`);
  io.out('Press Ctrl+C to stop.');
  const signal = await new Promise<NodeJS.Signals>((done) => {
    process.once('SIGINT', () => done('SIGINT'));
    process.once('SIGTERM', () => done('SIGTERM'));
  });
  io.out(`Stopping (${signal}): powering off running machines.`);
  // The shell first (it ends every client connection at once), so no client calls into a closing core.
  try {
    await shell.close();
  } finally {
    await core.close();
  }
  return exitCodes.ok;
}

async function gui(argv: string[], io: CliIo): Promise<number> {
  const electron = findElectron();
  if (!electron.ok) return serveWeb(argv, io, `Electron is not available: ${electron.reason} Serving the UI in the browser instead.`);
  const child = spawn(electron.binary, [electron.entry, ...argv], { stdio: 'inherit', env: process.env });
  return new Promise<number>((done) => {
    child.once('error', () => done(exitCodes.failed));
    child.once('exit', (code) => done(code ?? exitCodes.failed));
  });
}

/** The shell commands, in usage order. */
export const shellCommands: readonly CliCommand[] = [
  {
    name: 'gui',
    usage: `  gui [--port N]                         the desktop app; falls back to the web UI without Electron`,
    run: gui,
  },
  {
    name: 'web',
    usage: `  web [--port N] [--compress-display]    serve the UI on http://127.0.0.1 (prints the URL with its token);
                                         --compress-display: the page asks for compressed frames (SSH tunnel, slow link)`,
    run: (argv, io) => serveWeb(argv, io, undefined),
  },
];
