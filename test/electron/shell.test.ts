/**
 * The Electron shell's main module and preload, loaded against the Electron STAND-IN
 * (electron-stand-in.ts, mapped to the `electron` specifier by a resolution hook), with
 * everything behind it real: HangarCore on a temp HANGAR_HOME (real SQLite), and a real v86
 * engine started through the IPC path (the stand-in's utilityProcess is a fork-based
 * substitute). Checks window options, hardening, IPC sender validation, the preload's bridge
 * surface, display ports, single instance and quitting without orphaned engines.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { after, before, test } from 'node:test';
import type { BridgeEvent, DisplayPortMessage, HangarBridge } from '../../src/shared/bridge.js';
import { displayPortMessageType } from '../../src/shared/bridge.js';
import { decodeDisplayMessage } from '../../src/shared/protocol/display-codec.js';
import type { DisplayMessage } from '../../src/shared/protocol/display.js';
import type { ElectronShell } from '../../src/main/electron/shell.js';
import { ipcChannels } from '../../src/shared/ipc-channels.js';
import { defaultMaxInFlightBytes } from '../../src/main/ipc/display-broker.js';
import { ScreenCache } from '../../src/main/display/screen-cache.js';
import type { ElectronStandIn, StandInBrowserWindow, StandInMessagePort } from './electron-stand-in.js';
import { StandInEvent, StandInWebContents } from './electron-stand-in.js';
import { useElectronStandIn } from './stand-in-hooks.js';

const home = mkdtempSync(join(tmpdir(), 'hangar-electron-'));
const grubIso = '/usr/lib/grub-rescue/grub-rescue-cdrom.iso';
let standIn: ElectronStandIn;
let shell: ElectronShell;
let manager: StandInBrowserWindow;
let hangar: HangarBridge;
const events: BridgeEvent[] = [];

before(async () => {
  process.env.HANGAR_HOME = join(home, 'library');
  useElectronStandIn();
  standIn = (await import('./electron-stand-in.js')).standIn;
  const main = await import('../../src/main/electron/main.js');
  const started = await main.shell;
  assert.ok(started, 'the shell started');
  shell = started;
  manager = standIn.windows[0] as StandInBrowserWindow;
  assert.ok(manager, 'a manager window was created');
  // The preload runs in the manager window's page.
  standIn.bindPage(manager.webContents);
  await import('../../src/preload/preload.js');
  hangar = standIn.page.exposed.hangar as HangarBridge;
  hangar.onEvent((event) => events.push(event));
});

after(async () => {
  if (!standIn.quitCompleted) {
    standIn.app.quit();
    await withTimeout(shell.closed, 30_000, 'shell close');
  }
  for (const child of standIn.forkedEngines) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  rmSync(home, { recursive: true, force: true });
});

async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([promise, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} took over ${ms} ms`)), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

async function waitFor(check: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const webPreferences = (window: StandInBrowserWindow): Record<string, unknown> => window.options.webPreferences as Record<string, unknown>;

function assertSecureWindow(window: StandInBrowserWindow): void {
  const prefs = webPreferences(window);
  assert.equal(prefs.contextIsolation, true);
  assert.equal(prefs.sandbox, true);
  assert.equal(prefs.nodeIntegration, false);
  assert.equal(prefs.nodeIntegrationInSubFrames, false);
  assert.equal(prefs.webSecurity, true);
  assert.equal(prefs.webviewTag, false);
  assert.match(String(prefs.preload), /[/\\]dist[/\\]electron[/\\]preload\.cjs$/);
}

test('the manager window is isolated, sandboxed, without Node, with the preload, on the app scheme', () => {
  assertSecureWindow(manager);
  assert.equal(standIn.sandboxEnabled, true, 'app.enableSandbox() sandboxes every renderer');
  assert.equal(manager.loadedUrl, 'hangar://app/index.html');
  assert.deepEqual(standIn.privilegedSchemes, [{ scheme: 'hangar', privileges: { standard: true, secure: true, supportFetchAPI: true, corsEnabled: true } }]);
});

test('app pages carry a strict CSP; the scheme serves nothing outside the renderer folder', async () => {
  const handler = standIn.protocolHandlers.get('hangar');
  assert.ok(handler);
  const page = await handler(new Request('hangar://app/index.html'));
  assert.equal(page.status, 200);
  const csp = page.headers.get('content-security-policy') ?? '';
  assert.match(csp, /default-src 'self'/);
  assert.match(csp, /script-src 'self'(;|$)/);
  assert.doesNotMatch(csp, /unsafe-eval/);
  assert.doesNotMatch(csp, /ws:|http:|\*/);
  assert.equal((await handler(new Request('hangar://app/../../../etc/passwd'))).status, 404);
  assert.equal((await handler(new Request('hangar://app/%2e%2e/%2e%2e/package.json'))).status, 404);
  assert.equal((await handler(new Request('hangar://evil/index.html'))).status, 404);
  assert.equal((await handler(new Request('hangar://app/testing/components.html'))).status, 404);
});

test('navigation away, new windows, webviews and permissions are denied', () => {
  const contents = manager.webContents;
  const away = new StandInEvent({ url: 'https://evil.example/' });
  contents.emit('will-navigate', away, 'https://evil.example/');
  assert.equal(away.defaultPrevented, true, 'navigation to a web page is prevented');
  const fileNav = new StandInEvent({ url: 'file:///etc/passwd' });
  contents.emit('will-navigate', fileNav, 'file:///etc/passwd');
  assert.equal(fileNav.defaultPrevented, true);
  const inApp = new StandInEvent({ url: 'hangar://app/index.html#/vm/x' });
  contents.emit('will-navigate', inApp, 'hangar://app/index.html#/vm/x');
  assert.equal(inApp.defaultPrevented, false, 'moving inside the app is allowed');
  const redirect = new StandInEvent({ url: 'https://evil.example/' });
  contents.emit('will-redirect', redirect);
  assert.equal(redirect.defaultPrevented, true);
  const frameNav = new StandInEvent({ url: 'https://evil.example/' });
  contents.emit('will-frame-navigate', frameNav);
  assert.equal(frameNav.defaultPrevented, true);
  const webview = new StandInEvent();
  contents.emit('will-attach-webview', webview, {}, {});
  assert.equal(webview.defaultPrevented, true);

  assert.deepEqual(contents.windowOpenHandler?.({ url: 'https://example.org/docs' }), { action: 'deny' });
  assert.deepEqual(contents.windowOpenHandler?.({ url: 'hangar://app/index.html' }), { action: 'deny' });
  assert.deepEqual(contents.windowOpenHandler?.({ url: 'file:///bin/sh' }), { action: 'deny' });
  // A port forward's link (manager details, Settings → Network) goes to the browser too: http on loopback only.
  for (const url of ['http://127.0.0.1:8080', 'http://127.0.0.1:8080/admin', 'http://evil.example/', 'http://127.0.0.1.evil.example:80/', 'http://10.0.0.1:8080']) {
    assert.deepEqual(contents.windowOpenHandler?.({ url }), { action: 'deny' });
  }
  assert.deepEqual(standIn.openedExternally, ['https://example.org/docs', 'http://127.0.0.1:8080', 'http://127.0.0.1:8080/admin'], 'https links and loopback http forwards go to the browser');

  const answers: Record<string, boolean> = {};
  for (const permission of ['media', 'geolocation', 'notifications', 'clipboard-read', 'openExternal', 'pointerLock']) {
    const foreign = new StandInWebContents();
    foreign.load(permission === 'pointerLock' ? 'https://evil.example/' : 'hangar://app/index.html');
    standIn.permissionRequestHandler?.(foreign, permission, (granted) => (answers[permission] = granted), {});
  }
  assert.deepEqual(answers, { media: false, geolocation: false, notifications: false, 'clipboard-read': false, openExternal: false, pointerLock: false });
  assert.equal(standIn.permissionCheckHandler?.(manager.webContents, 'media', 'hangar://app', {}), false);
  assert.equal(standIn.permissionCheckHandler?.(manager.webContents, 'pointerLock', 'hangar://app', {}), true, 'the VM display may lock the pointer');
  assert.equal(standIn.permissionCheckHandler?.(manager.webContents, 'pointerLock', 'https://evil.example', {}), false);
  assert.equal(standIn.devicePermissionHandler?.({ deviceType: 'usb', origin: 'hangar://app' }), false, 'no device access');
});

test('IPC from a foreign web contents, a subframe or a foreign page is refused and never reaches the core', async () => {
  const request = { call: 'machines.create', args: { name: 'intruder', engine: 'v86', memoryMib: 16 } };
  const foreign = new StandInWebContents();
  foreign.load('hangar://app/index.html');
  await assert.rejects(standIn.invokeAs(foreign, ipcChannels.invoke, [request]), /Refused hangar:invoke: the request did not come from a Hangar window/);
  const subframe = { url: 'hangar://app/index.html', parent: manager.webContents.mainFrame };
  await assert.rejects(standIn.invokeAs(manager.webContents, ipcChannels.invoke, [request], subframe), /only the top frame/);
  const foreignPage = { url: 'https://evil.example/', parent: null };
  await assert.rejects(standIn.invokeAs(manager.webContents, ipcChannels.invoke, [request], foreignPage), /is not part of Hangar/);
  const lookalike = { url: 'hangar://app.evil/index.html', parent: null };
  await assert.rejects(standIn.invokeAs(manager.webContents, ipcChannels.invoke, [request], lookalike), /is not part of Hangar/);
  await assert.rejects(standIn.invokeAs(manager.webContents, ipcChannels.readClipboard, [{}], foreignPage), /Refused/);
  await assert.rejects(standIn.invokeAs(foreign, ipcChannels.openDisplay, [{ id: 'x', token: 't' }]), /Refused/);
  const lookup = await shell.core.call('machines.get', { id: 'intruder' });
  assert.equal(lookup.ok, false, 'the refused create never ran');
  assert.equal(!lookup.ok && lookup.error.class, 'NotFound');
});

test('the preload exposes one object of named functions only', () => {
  assert.equal(standIn.page.exposeCalls, 1);
  assert.deepEqual(Object.keys(standIn.page.exposed), ['hangar']);
  const names = Object.keys(hangar).sort();
  assert.deepEqual(names, [
    'call',
    'chooseMediaFile',
    'onEvent',
    'onMenuCommand',
    'openDisplay',
    'openVmWindow',
    'platform',
    'readClipboardText',
    'setFullScreen',
    'setKeyboardCaptured',
    'writeClipboardText',
  ]);
  for (const name of names) {
    if (name === 'platform') assert.equal(hangar.platform, process.platform);
    else assert.equal(typeof (hangar as unknown as Record<string, unknown>)[name], 'function', name);
  }
  assert.ok(!('ipcRenderer' in hangar) && !('invoke' in hangar) && !('send' in hangar));
});

test('a trusted window reaches the real core; bad arguments answer InvalidArgument', async () => {
  const created = await hangar.call('machines.create', { name: 'grub', engine: 'v86', memoryMib: 32, osId: 'grub', cdrom: grubIso });
  assert.equal(created.ok, true, JSON.stringify(created));
  const list = await hangar.call('machines.list');
  assert.ok(list.ok);
  assert.deepEqual((list.value as { name: string }[]).map((machine) => machine.name), ['grub']);
  const bad = await hangar.call('machines.create', { name: 'x', engine: 'bochs', memoryMib: 32 });
  assert.equal(!bad.ok && bad.error.class, 'InvalidArgument');
  assert.match(!bad.ok ? bad.error.desc : '', /engine/);
  const unknown = await hangar.call('no.such.call');
  assert.equal(!unknown.ok && unknown.error.class, 'InvalidArgument');
  const envelope = (await standIn.invokeAs(manager.webContents, ipcChannels.invoke, [{ args: {} }])) as { ok: boolean; error?: { class: string } };
  assert.equal(envelope.error?.class, 'InvalidArgument', 'a request without a call name is refused');
  const notObject = (await standIn.invokeAs(manager.webContents, ipcChannels.openVmWindow, ['grub'])) as { ok: boolean; error?: { class: string } };
  assert.equal(notObject.error?.class, 'InvalidArgument');
  await waitFor(() => events.some((e) => e.event === 'LIBRARY_CHANGED'), 10_000, 'a LIBRARY_CHANGED event through the bridge');
});

/** Opens a display view through the bridge; returns the port and the messages it got. */
async function openView(id: string, token: string): Promise<{ port: StandInMessagePort; messages: DisplayMessage[]; errors: unknown[] }> {
  const result = await hangar.openDisplay(id, token);
  assert.equal(result.ok, true, JSON.stringify(result));
  await waitFor(() => standIn.page.messages.some((m) => (m.message as DisplayPortMessage).token === token), 10_000, `the display port ${token}`);
  const posted = standIn.page.messages.find((m) => (m.message as DisplayPortMessage).token === token);
  assert.ok(posted);
  assert.deepEqual(posted.message, { type: displayPortMessageType, token });
  assert.equal(posted.targetOrigin, 'hangar://app', 'the port goes to the app page only');
  const port = posted.transfer[0] as StandInMessagePort;
  const messages: DisplayMessage[] = [];
  const errors: unknown[] = [];
  port.on('message', ({ data }: { data: unknown }) => {
    // A message comes as its bytes, or (pixels) as [header, pixels] without a join.
    if (data instanceof Uint8Array) messages.push(decodeDisplayMessage(data));
    else if (Array.isArray(data) && data.length === 2 && data[0] instanceof Uint8Array && data[1] instanceof Uint8Array) messages.push(decodeDisplayMessage(data[0], data[1]));
    else errors.push(data);
  });
  port.start();
  return { port, messages, errors };
}

test('display ports: the whole screen on attach, several views, detaching never stops the guest, input goes back', async () => {
  const started = await hangar.call('vm.start', { id: 'grub' });
  assert.equal(started.ok, true, JSON.stringify(started));
  await waitFor(() => events.some((e) => e.event === 'MACHINE_STATE' && (e.data as { state: string }).state === 'running'), 30_000, 'MACHINE_STATE running');

  const missing = await hangar.openDisplay('nobody', 'never');
  assert.equal(!missing.ok && missing.error.class, 'Unavailable');

  const forked = standIn.forkCalls.at(-1);
  assert.match(forked?.modulePath ?? '', /[/\\]src[/\\]emulator[/\\]host[/\\]entry\.ts$/, 'main from source forks the TypeScript engine entry');
  assert.equal(forked?.execArgv[0], '--import');

  const destroyedListeners = manager.webContents.listenerCount('destroyed');
  const first = await openView('grub', 'view-1');
  await waitFor(() => first.messages.some((m) => m.type === 'text' || m.type === 'rect'), 60_000, 'screen content on the first view');
  assert.equal(first.messages[0]?.type, 'mode', 'a view starts with the screen mode');

  // A second view of the same machine is drawn at once from main's copy of the screen.
  const second = await openView('grub', 'view-2');
  await waitFor(() => second.messages.some((m) => m.type === 'text' || m.type === 'rect'), 5_000, 'the current screen on the second view');
  const mode = second.messages[0];
  assert.equal(mode?.type, 'mode');
  const full = second.messages.find((m) => m.type === 'text' || m.type === 'rect');
  if (mode?.type === 'mode' && mode.mode === 'text') assert.equal(full?.type === 'text' && full.rowCount, mode.rows, 'every text row is replayed');
  if (mode?.type === 'mode' && mode.mode === 'graphics') assert.equal(full?.type === 'rect' && full.width * full.height, mode.width * mode.height, 'the whole frame is replayed');

  // Input from a view reaches the engine; a refusal comes back on that port.
  first.port.postMessage({ events: [{ type: 'key', data: { down: true, key: { type: 'qcode', data: 'no-such-key' } } }] });
  await waitFor(() => first.errors.length > 0, 30_000, 'the refusal of a bad key');
  assert.match(JSON.stringify(first.errors[0]), /no-such-key|key/i);
  first.port.postMessage('not input');
  await waitFor(() => first.errors.length > 1, 10_000, 'the refusal of malformed input');
  assert.match(JSON.stringify(first.errors[1]), /InvalidArgument/);

  // Detaching both views leaves the guest running; re-attaching shows the screen at once.
  first.port.close();
  second.port.close();
  await new Promise((resolve) => setTimeout(resolve, 300));
  const status = await hangar.call('vm.status', { id: 'grub' });
  assert.equal(status.ok && (status.value as { running: boolean }).running, true, 'the guest still runs with no view');
  const third = await openView('grub', 'view-3');
  await waitFor(() => third.messages.some((m) => m.type === 'text' || m.type === 'rect'), 5_000, 'the screen on re-attach');
  assert.equal(third.messages[0]?.type, 'mode');
  assert.equal(shell.displays.viewCount(shell.core.engineSession('grub')!), 1, 'closed views are detached');
  assert.equal(manager.webContents.listenerCount('destroyed'), destroyedListeners + 1, 'closed views leave no listener on the window');
  third.port.close();
});

/** Waits until a view has received nothing new for `quietMs` (at most 20 s). */
async function settled(view: { messages: DisplayMessage[] }, quietMs: number): Promise<void> {
  const deadline = Date.now() + 20_000;
  let count = view.messages.length;
  let since = Date.now();
  while (Date.now() - since < quietMs) {
    if (Date.now() > deadline) throw new Error('the display did not settle within 20 s');
    await new Promise((resolve) => setTimeout(resolve, 50));
    if (view.messages.length !== count) {
      count = view.messages.length;
      since = Date.now();
    }
  }
}

test('a view that acknowledges is skipped while behind, then gets the whole current screen; others get every message', async (t) => {
  const session = shell.core.engineSession('grub');
  assert.ok(session);
  // Anything unacknowledged counts as behind; one flow-controlled view and one plain view.
  shell.displays.maxInFlightBytes = 1;
  t.after(() => (shell.displays.maxInFlightBytes = defaultMaxInFlightBytes));
  const slow = await openView('grub', 'slow');
  const plain = await openView('grub', 'plain');
  await waitFor(() => slow.messages.some((m) => m.type === 'text' || m.type === 'rect'), 60_000, 'the screen on the slow view');
  slow.port.postMessage({ ack: slow.messages.length });
  await new Promise((resolve) => setTimeout(resolve, 200));
  const slowBefore = slow.messages.length;
  const plainBefore = plain.messages.length;
  for (const key of ['down', 'up', 'down', 'up', 'down']) {
    assert.equal((await hangar.call('vm.send-keys', { id: 'grub', keys: [key] })).ok, true);
    await new Promise((resolve) => setTimeout(resolve, 150));
  }
  await waitFor(() => plain.messages.length >= plainBefore + 2, 30_000, 'screen changes on the plain view');
  await new Promise((resolve) => setTimeout(resolve, 300));
  assert.ok(slow.messages.length <= slowBefore + 1, `the view that is behind got ${slow.messages.length - slowBefore} messages, the plain view ${plain.messages.length - plainBefore}`);

  // GRUB may still be redrawing after the last key (the engine flushes on its own budget): let
  // the screen settle, so the replay below is of the final screen.
  await settled(plain, 700);
  // Caught up: the whole current screen, the same as the plain view shows.
  const caughtUpAt = slow.messages.length;
  slow.port.postMessage({ ack: caughtUpAt });
  await waitFor(() => slow.messages.slice(caughtUpAt).some((m) => m.type === 'mode'), 10_000, 'the replay after catching up');
  const screen = (messages: DisplayMessage[]): DisplayMessage[] => {
    const cache = new ScreenCache();
    for (const message of messages) cache.apply(message);
    return cache.replay();
  };
  // The guest may still change its screen after the replay (the firmware redraws on its own
  // time): from here on the slow view acknowledges all it gets, so it must converge on what the
  // plain view shows. Only updates follow a replay, so a replay that missed part of the screen
  // never converges.
  const acknowledge = setInterval(() => slow.port.postMessage({ ack: slow.messages.length }), 50);
  try {
    const deadline = Date.now() + 15_000;
    for (;;) {
      await settled(slow, 300);
      await settled(plain, 300);
      const same = isDeepStrictEqual(screen(slow.messages), screen(plain.messages));
      if (same || Date.now() > deadline) break;
    }
  } finally {
    clearInterval(acknowledge);
  }
  assert.deepEqual(screen(slow.messages), screen(plain.messages), 'the replay shows the latest screen');
  slow.port.close();
  plain.port.close();
});

test('VM windows: one more per request on #/vm/<id>, each hardened; full screen per window', async () => {
  const before = standIn.windows.length;
  const one = await hangar.openVmWindow('grub');
  const two = await hangar.openVmWindow('grub');
  assert.ok(one.ok && two.ok);
  assert.notEqual(one.value.windowId, two.value.windowId, 'several windows may watch one machine');
  const opened = standIn.windows.slice(before);
  assert.equal(opened.length, 2);
  const machine = await shell.core.call('machines.get', { id: 'grub' });
  const id = machine.ok ? (machine.value as { id: string }).id : '';
  for (const window of opened) {
    assertSecureWindow(window);
    assert.equal(window.loadedUrl, `hangar://app/index.html#/vm/${encodeURIComponent(id)}`);
    assert.match(String(window.options.title), /^grub — Hangar$/);
  }
  const missing = await hangar.openVmWindow('nobody');
  assert.equal(!missing.ok && missing.error.class, 'NotFound');

  const on = await hangar.setFullScreen(true);
  assert.deepEqual(on, { ok: true, value: { fullScreen: true } });
  assert.equal(manager.fullScreen, true);
  assert.equal(opened[0]?.fullScreen, false, 'only the calling window changes');
  const toggled = await hangar.setFullScreen();
  assert.deepEqual(toggled, { ok: true, value: { fullScreen: false } });

  // A VM window's own view goes away with the window; the guest keeps running.
  const vmWindow = opened[0] as StandInBrowserWindow;
  const session = shell.core.engineSession('grub');
  assert.ok(session);
  const views = shell.displays.viewCount(session);
  const answer = (await standIn.invokeAs(vmWindow.webContents, ipcChannels.openDisplay, [{ id: 'grub', token: 'vm-window' }])) as { ok: boolean };
  assert.equal(answer.ok, true);
  assert.ok(vmWindow.webContents.sent.some((sent) => sent.channel === ipcChannels.displayPort && sent.ports.length === 1), 'the port went to the VM window');
  assert.equal(shell.displays.viewCount(session), views + 1);
  vmWindow.close();
  await waitFor(() => shell.displays.viewCount(session) === views, 5_000, 'the closed window to detach its view');
  const status = await hangar.call('vm.status', { id: 'grub' });
  assert.equal(status.ok && (status.value as { running: boolean }).running, true, 'closing a VM window never stops the guest');
  await assert.rejects(standIn.invokeAs(vmWindow.webContents, ipcChannels.invoke, [{ call: 'machines.list' }]), /Refused/, 'a closed window is no longer trusted');
  for (const window of opened) window.close();
});

test('clipboard bridging and the native media dialog', async () => {
  assert.deepEqual(await hangar.writeClipboardText('from the guest'), { ok: true, value: {} });
  assert.equal(standIn.clipboardText, 'from the guest');
  standIn.clipboardText = 'from the host';
  assert.deepEqual(await hangar.readClipboardText(), { ok: true, value: 'from the host' });
  const tooLong = await hangar.writeClipboardText('x'.repeat((1 << 20) + 1));
  assert.equal(!tooLong.ok && tooLong.error.class, 'InvalidArgument');

  standIn.openDialogAnswer = { canceled: false, filePaths: [grubIso] };
  assert.deepEqual(await hangar.chooseMediaFile('cdrom'), { ok: true, value: grubIso });
  const [parent, options] = standIn.openDialogCalls.at(-1) as [unknown, { properties: string[]; filters: { extensions: string[] }[] }];
  assert.equal(parent, manager, 'the dialog is modal to the calling window');
  assert.deepEqual(options.properties, ['openFile']);
  assert.ok(options.filters[0]?.extensions.includes('iso'));
  standIn.openDialogAnswer = { canceled: true, filePaths: [] };
  assert.deepEqual(await hangar.chooseMediaFile('floppy'), { ok: true, value: null });
  const bad = await hangar.chooseMediaFile('tape' as never);
  assert.equal(!bad.ok && bad.error.class, 'InvalidArgument');
});

test('the menu has File, Machine, View and Help with the host key; commands go to the focused window', async () => {
  const template = standIn.applicationMenu?.template as { label?: string; submenu?: { label?: string; enabled?: boolean; click?: () => void }[] }[];
  assert.deepEqual(template.map((menu) => menu.label), process.platform === 'darwin' ? [undefined, 'File', 'Machine', 'View', 'Help'] : ['File', 'Machine', 'View', 'Help']);
  const help = template.find((menu) => menu.label === 'Help');
  assert.ok(help?.submenu?.some((item) => /Host key: .+ releases the keyboard and mouse/.test(item.label ?? '') && item.enabled === false));
  const received: string[] = [];
  hangar.onMenuCommand((command) => received.push(command));
  manager.focus();
  template.find((menu) => menu.label === 'Machine')?.submenu?.find((item) => item.label === 'Reset')?.click?.();
  await waitFor(() => received.length > 0, 5_000, 'the menu command');
  assert.deepEqual(received, ['machine.reset']);
  template.find((menu) => menu.label === 'View')?.submenu?.find((item) => item.label === 'Full Screen')?.click?.();
  assert.equal(manager.fullScreen, true);
  manager.setFullScreen(false);

  // While the page has captured the keyboard for a guest, menu shortcuts are off in its window.
  assert.deepEqual(await hangar.setKeyboardCaptured(true), { ok: true, value: { captured: true } });
  assert.equal(manager.webContents.ignoreMenuShortcuts, true);
  assert.deepEqual(await hangar.setKeyboardCaptured(false), { ok: true, value: { captured: false } });
  assert.equal(manager.webContents.ignoreMenuShortcuts, false);
  assert.equal(!(await hangar.setKeyboardCaptured('yes' as never)).ok, true);
});

test('a second instance brings the manager window forward', () => {
  manager.minimized = true;
  const { restored, shown, focused } = manager;
  standIn.app.emit('second-instance', new StandInEvent(), [], '/');
  assert.equal(manager.restored, restored + 1);
  assert.ok(manager.shown > shown && manager.focused > focused);
  assert.equal(manager.minimized, false);
});

test('without the single-instance lock the shell quits before opening anything', async () => {
  const { createElectronStandIn } = await import('./electron-stand-in.js');
  const { startElectronShell } = await import('../../src/main/electron/shell.js');
  const other = createElectronStandIn();
  other.singleInstanceLock = false;
  const result = await startElectronShell(other as never, { rendererDir: home, preload: join(home, 'preload.cjs'), engineEntry: join(home, 'entry.ts') });
  assert.equal(result, undefined);
  assert.equal(other.quitCalls, 1);
  assert.equal(other.windows.length, 0);
  assert.equal(other.handlers.size, 0);
});

test('a library held by another Hangar: the shell says so and quits', async () => {
  const { createElectronStandIn } = await import('./electron-stand-in.js');
  const { startElectronShell } = await import('../../src/main/electron/shell.js');
  const other = createElectronStandIn();
  const result = await startElectronShell(other as never, { rendererDir: home, preload: join(home, 'preload.cjs'), engineEntry: join(home, 'entry.ts'), libraryFolder: join(home, 'library') });
  assert.equal(result, undefined);
  assert.equal(other.errorBoxes.length, 1);
  assert.match(other.errorBoxes[0]?.content ?? '', /another Hangar/);
  assert.equal(other.quitCalls, 1);
  assert.equal(other.windows.length, 0);
  assert.equal((await hangar.call('machines.list')).ok, true, 'the running shell is unaffected');
});

test('quitting saves running machines as the user chose, powers down the rest (ACPI, then off after the timeout), leaves no engine', async () => {
  assert.deepEqual(await hangar.call('settings.set', { key: 'app.quitAction', value: 'save' }), { ok: true, value: {} });
  assert.deepEqual(await hangar.call('settings.set', { key: 'app.quitTimeoutSeconds', value: 1 }), { ok: true, value: {} });
  // The v86 machine is saved (a snapshot with RAM) and powered off. The QEMU machine has no
  // writable qcow2 disk, so saving fails; it gets the power button, which GRUB ignores, and is
  // powered off after the timeout.
  const qemu = await hangar.call('machines.create', { name: 'grub-qemu', engine: 'qemu', memoryMib: 64, osId: 'grub', cdrom: grubIso });
  assert.equal(qemu.ok, true, JSON.stringify(qemu));
  const started = await hangar.call('vm.start', { id: 'grub-qemu' });
  assert.equal(started.ok, true, JSON.stringify(started));
  const engines = standIn.forkedEngines.filter((child) => child.exitCode === null && child.signalCode === null);
  assert.equal(engines.length, 2, 'two engines run');
  const startedAt = Date.now();
  standIn.app.quit();
  assert.equal(standIn.quitCompleted, false, 'the first quit waits for the machines');
  await withTimeout(shell.closed, 90_000, 'quitting');
  const elapsed = Date.now() - startedAt;
  assert.ok(elapsed >= 900, `the QEMU guest was given the ACPI timeout first (${elapsed} ms)`);
  assert.equal(standIn.quitCompleted, true, 'quit went through once the machines were stopped');
  await waitFor(() => engines.every((child) => child.exitCode !== null || child.signalCode !== null), 10_000, 'the engine processes to exit');
  assert.ok(events.some((e) => e.event === 'MACHINE_STATE' && (e.data as { state: string }).state === 'stopped'));
  const afterQuit = await hangar.call('machines.list');
  assert.equal(afterQuit.ok, false, 'nothing answers once the app has quit');

  // The library is free again and holds the saved state.
  const { HangarCore } = await import('../../src/main/core/hangar-core.js');
  const reopened = await HangarCore.open({ folder: join(home, 'library'), controlSocket: false });
  try {
    const saved = await reopened.call('snapshots.list', { id: 'grub' });
    assert.ok(saved.ok, JSON.stringify(saved));
    assert.deepEqual((saved.value as { snapshots: { name: string }[] }).snapshots.map((s) => s.name.replace(/ \d{4}-.*$/, '')), ['Saved on quit']);
    const notSaved = await reopened.call('snapshots.list', { id: 'grub-qemu' });
    assert.ok(notSaved.ok);
    assert.deepEqual((notSaved.value as { snapshots: unknown[] }).snapshots, []);
  } finally {
    await reopened.close();
  }
});
