/**
 * The built shell (scripts/build-electron.ts): the preload bundle is one CommonJS file that
 * needs nothing but `electron` (as a sandboxed preload must), and the main bundle runs: loaded
 * against the Electron STAND-IN it opens the real core and starts a real v86 engine from the
 * bundled engine beside it (plain JavaScript, no loader), then quits without leaving the engine
 * behind.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, test } from 'node:test';
import { buildElectron } from '../../scripts/build-electron.js';
import type { HangarBridge } from '../../src/shared/bridge.js';
import type { ElectronShell } from '../../src/main/electron/shell.js';
import type { ElectronStandIn } from './electron-stand-in.js';
import { useElectronStandIn } from './stand-in-hooks.js';

const root = new URL('../../', import.meta.url).pathname;
// Inside the checkout (dist/ is ignored by git) so the bundle finds node_modules as it does in dist/electron.
const outDir = join(root, 'dist', `.electron-test-${process.pid}`);
const home = mkdtempSync(join(tmpdir(), 'hangar-electron-build-'));
let files: { main: string; preload: string; engine: string };

before(async () => {
  files = await buildElectron(outDir);
});

after(() => {
  rmSync(outDir, { recursive: true, force: true });
  rmSync(home, { recursive: true, force: true });
});

/** Runs a CommonJS bundle the way a sandboxed preload runs: only `require('electron')` exists. */
function runSandboxedPreload(code: string, electron: unknown): string[] {
  const required: string[] = [];
  const sandboxRequire = (name: string): unknown => {
    required.push(name);
    if (name === 'electron') return electron;
    throw new Error(`module not found: ${name} (sandboxed preloads can only require electron)`);
  };
  const module = { exports: {} };
  new Function('require', 'module', 'exports', 'process', code)(sandboxRequire, module, module.exports, { platform: process.platform });
  return required;
}

test('the preload bundle is one CommonJS file requiring only electron, and exposes the bridge', async () => {
  const code = readFileSync(files.preload, 'utf8');
  const requires = [...code.matchAll(/require\(["']([^"']+)["']\)/g)].map((match) => match[1]);
  assert.deepEqual([...new Set(requires)], ['electron']);
  assert.doesNotMatch(code, /^import |^export /m, 'no ES module syntax in a CommonJS preload');
  const { createElectronStandIn, StandInWebContents } = await import('./electron-stand-in.js');
  const electron = createElectronStandIn();
  const contents = new StandInWebContents();
  contents.load('hangar://app/index.html');
  electron.bindPage(contents);
  assert.deepEqual(runSandboxedPreload(code, electron), ['electron']);
  assert.deepEqual(Object.keys(electron.page.exposed), ['hangar']);
  assert.equal(typeof (electron.page.exposed.hangar as HangarBridge).call, 'function');
});

test('the main bundle runs: real core, a real engine started from the bundle, clean quit', async () => {
  const code = readFileSync(files.main, 'utf8');
  assert.match(code, /from "electron"/);
  assert.match(code, /from "better-sqlite3"/, 'native modules stay external');
  process.env.HANGAR_HOME = join(home, 'library');
  useElectronStandIn();
  const standIn: ElectronStandIn = (await import('./electron-stand-in.js')).standIn;
  const main = (await import(pathToFileURL(files.main).href)) as { shell: Promise<ElectronShell | undefined> };
  const shell = await main.shell;
  assert.ok(shell);
  try {
    const manager = standIn.windows[0];
    assert.ok(manager);
    standIn.bindPage(manager.webContents);
    runSandboxedPreload(readFileSync(files.preload, 'utf8'), standIn);
    const hangar = standIn.page.exposed.hangar as HangarBridge;
    const created = await hangar.call('machines.create', { name: 'grub', engine: 'v86', memoryMib: 32, osId: 'grub', cdrom: '/usr/lib/grub-rescue/grub-rescue-cdrom.iso' });
    assert.equal(created.ok, true, JSON.stringify(created));
    const started = await hangar.call('vm.start', { id: 'grub' });
    assert.equal(started.ok, true, `the engine starts from the bundle: ${JSON.stringify(started)}`);
    const status = await hangar.call('vm.status', { id: 'grub' });
    assert.equal(status.ok && (status.value as { running: boolean }).running, true);
    // Both backends load from the bundle (the host imports them by relative path).
    const qemu = await hangar.call('machines.create', { name: 'grub-qemu', engine: 'qemu', memoryMib: 64, osId: 'grub', cdrom: '/usr/lib/grub-rescue/grub-rescue-cdrom.iso' });
    assert.equal(qemu.ok, true, JSON.stringify(qemu));
    const qemuStarted = await hangar.call('vm.start', { id: 'grub-qemu' });
    assert.equal(qemuStarted.ok, true, `the QEMU engine starts from the bundle: ${JSON.stringify(qemuStarted)}`);
    assert.deepEqual(
      standIn.forkCalls.map((call) => [call.modulePath, call.execArgv]),
      [
        [files.engine, []],
        [files.engine, []],
      ],
      'the built main forks the built engine, without a TypeScript loader',
    );
    // The user chose "power off" on quit: no ACPI wait (the default would give QEMU's GRUB 20 s).
    assert.equal((await hangar.call('settings.set', { key: 'app.quitAction', value: 'poweroff' })).ok, true);
  } finally {
    const quitStarted = Date.now();
    standIn.app.quit();
    await shell.closed;
    assert.ok(Date.now() - quitStarted < 15_000, `quitting with "power off" took ${Date.now() - quitStarted} ms`);
  }
  assert.equal(standIn.quitCompleted, true);
  const deadline = Date.now() + 10_000;
  while (standIn.forkedEngines.some((child) => child.exitCode === null && child.signalCode === null) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
  assert.ok(standIn.forkedEngines.length === 2 && standIn.forkedEngines.every((child) => child.exitCode !== null || child.signalCode !== null), 'both engines have exited');
});
