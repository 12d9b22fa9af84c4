/**
 * The preload script of every Hangar window (bundled to one CommonJS file, as sandboxed
 * preloads must be). It exposes exactly one object, `window.hangar` (HangarBridge in
 * src/shared/bridge.ts), made of named functions; `ipcRenderer` itself never reaches the page.
 * It runs in its own context (the page's, sandboxed), so it imports only src/shared and `electron`.
 */
import { contextBridge, ipcRenderer } from 'electron';
import type { BridgeEvent, DisplayPortMessage, HangarBridge, MediaFileKind, MenuCommand } from '../shared/bridge.js';
import { displayPortMessageType } from '../shared/bridge.js';
import type { ApiResult } from '../shared/protocol/api/index.js';
import { ipcChannels } from '../shared/ipc-channels.js';

/** The page's window as the preload uses it (the preload's tsconfig has no DOM typings: this is all it touches). */
const page = globalThis as unknown as {
  postMessage(message: DisplayPortMessage, targetOrigin: string, transfer: unknown[]): void;
  location: { origin: string };
};

/** An invoke that always answers with a result (a refused or failed IPC becomes an error result). */
async function invoke<T>(channel: string, request: unknown): Promise<ApiResult<T>> {
  try {
    return (await ipcRenderer.invoke(channel, request)) as ApiResult<T>;
  } catch (error) {
    return { ok: false, error: { class: 'Unavailable', desc: error instanceof Error ? error.message : String(error) } };
  }
}

const eventListeners = new Set<(event: BridgeEvent) => void>();
let subscribed = false;
ipcRenderer.on(ipcChannels.event, (_event, message: BridgeEvent) => {
  for (const listener of eventListeners) listener(message);
});

const menuListeners = new Set<(command: MenuCommand) => void>();
ipcRenderer.on(ipcChannels.menu, (_event, command: MenuCommand) => {
  for (const listener of menuListeners) listener(command);
});

// A display port cannot cross the context bridge; it goes to the page as a window message.
ipcRenderer.on(ipcChannels.displayPort, (event, data: { token?: unknown }) => {
  const port = event.ports[0];
  if (!port || typeof data?.token !== 'string') return;
  page.postMessage({ type: displayPortMessageType, token: data.token }, page.location.origin, [port]);
});

const bridge: HangarBridge = {
  call: (name, args) => invoke(ipcChannels.invoke, { call: name, ...(args === undefined ? {} : { args }) }),
  onEvent(listener) {
    eventListeners.add(listener);
    if (!subscribed) {
      subscribed = true;
      void invoke(ipcChannels.subscribe, {}).then((result) => {
        if (!result.ok) subscribed = false;
      });
    }
    return () => void eventListeners.delete(listener);
  },
  openDisplay: (id, token) => invoke(ipcChannels.openDisplay, { id, token }),
  openVmWindow: (id) => invoke(ipcChannels.openVmWindow, { id }),
  readClipboardText: () => invoke(ipcChannels.readClipboard, {}),
  writeClipboardText: (text) => invoke(ipcChannels.writeClipboard, { text }),
  chooseMediaFile: (kind?: MediaFileKind) => invoke(ipcChannels.chooseMedia, kind === undefined ? {} : { kind }),
  setFullScreen: (on) => invoke(ipcChannels.setFullScreen, on === undefined ? {} : { on }),
  setKeyboardCaptured: (captured) => invoke(ipcChannels.setKeyboardCaptured, { captured }),
  onMenuCommand(listener) {
    menuListeners.add(listener);
    return () => void menuListeners.delete(listener);
  },
  platform: process.platform,
};

contextBridge.exposeInMainWorld('hangar', bridge);
