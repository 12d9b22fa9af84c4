/**
 * Main in its own process for the display benchmark, as `hangar web` runs it (HangarCore with
 * its control socket, the web shell), serving a prebuilt renderer folder. Prints one JSON line
 * `{url, controlSocket}` once serving; stops (powering machines off) on SIGTERM/SIGINT or when
 * its parent goes away.
 *   node --import tsx bench/display-web-main.ts LIBRARY RENDERER_DIR
 */
import { HangarCore } from '../src/main/core/hangar-core.js';
import { startWebShell } from '../src/main/web/index.js';

const [folder, rendererDir] = process.argv.slice(2);
if (!folder || !rendererDir) {
  console.error('usage: display-web-main.ts LIBRARY RENDERER_DIR');
  process.exit(2);
}
process.umask(0o077);
const core = await HangarCore.open({ folder });
const shell = await startWebShell({ core, rendererDir });
console.log(JSON.stringify({ url: shell.url, controlSocket: core.controlSocket }));
const stop = async (): Promise<void> => {
  await shell.close();
  await core.close();
  process.exit(0);
};
process.once('SIGTERM', () => void stop());
process.once('SIGINT', () => void stop());
// The parent holds our stdin; its end means the bench is gone.
process.stdin.on('end', () => void stop());
process.stdin.resume();
