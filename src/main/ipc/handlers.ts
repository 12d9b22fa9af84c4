/**
 * The Electron IPC handlers behind the preload bridge (src/shared/bridge.ts). Every handler
 * first checks its sender (sender-check.ts), then validates its arguments with a schema; API
 * calls go to the core generically (name + args), where the API schema validates them again.
 * Every handler answers with an ApiResult.
 */
import type { ApiResult } from '../../shared/protocol/api/index.js';
import { apiFailure, apiSuccess } from '../../shared/protocol/api/index.js';
import type { MediaFileKind } from '../../shared/bridge.js';
import { s, validate } from '../../shared/protocol/schema.js';
import type { Schema } from '../../shared/protocol/schema.js';
import type { CoreEvent, HangarCore } from '../core/hangar-core.js';
import type { ElectronMain, IpcMainInvokeEvent } from '../electron/electron-api.js';
import type { WindowManager } from '../windows/window-manager.js';
import { ipcChannels } from '../../shared/ipc-channels.js';
import type { DisplayBroker } from './display-broker.js';
import { SenderRefused, refuseSender } from './sender-check.js';

/** What the handlers work with. */
export interface IpcContext {
  core: Pick<HangarCore, 'call' | 'subscribe' | 'engineSession'>;
  windows: Pick<WindowManager, 'isOurs' | 'windowOf' | 'openVm'>;
  displays: Pick<DisplayBroker, 'attach'>;
}

/** Largest text the clipboard bridge passes (the guest types it; more is a mistake). */
const clipboardLimit = 1 << 20;

/** Native dialog filters per media kind. */
export const mediaFilters: Record<MediaFileKind, { name: string; extensions: string[] }[]> = {
  cdrom: [{ name: 'CD/DVD images', extensions: ['iso', 'img'] }],
  floppy: [{ name: 'Floppy images', extensions: ['img', 'ima', 'flp', 'vfd'] }],
  disk: [{ name: 'Disk images', extensions: ['qcow2', 'img', 'raw', 'vmdk', 'vdi', 'vhd', 'vhdx'] }],
  any: [
    { name: 'Media and disk images', extensions: ['iso', 'img', 'ima', 'flp', 'vfd', 'qcow2', 'raw', 'vmdk', 'vdi', 'vhd', 'vhdx'] },
    { name: 'All files', extensions: ['*'] },
  ],
};

const requests = {
  invoke: s.object({ call: s.required(s.string({ minLength: 1, maxLength: 200 })), args: s.optional(s.any()) }),
  subscribe: s.object({}),
  openDisplay: s.object({ id: s.required(s.string({ minLength: 1, maxLength: 200 })), token: s.required(s.string({ minLength: 1, maxLength: 200 })) }),
  openVmWindow: s.object({ id: s.required(s.string({ minLength: 1, maxLength: 200 })) }),
  readClipboard: s.object({}),
  writeClipboard: s.object({ text: s.required(s.string({ maxLength: clipboardLimit })) }),
  chooseMedia: s.object({ kind: s.optional(s.enumeration(['cdrom', 'floppy', 'disk', 'any'] as const)) }),
  setFullScreen: s.object({ on: s.optional(s.boolean()) }),
  setKeyboardCaptured: s.object({ captured: s.required(s.boolean()) }),
} as const;

/** Schema validation without the inferred type (the handlers state their request types). */
const checkRequest = validate as unknown as (schema: Schema, value: unknown) => { ok: true; value: unknown } | { ok: false; issue: { path: string; message: string } };

/** Registers every handler; returns the function that removes them. */
export function registerIpcHandlers(electron: Pick<ElectronMain, 'ipcMain' | 'clipboard' | 'dialog' | 'MessageChannelMain'>, context: IpcContext): () => void {
  const { ipcMain } = electron;
  const { core, windows, displays } = context;
  const subscriptions = new Map<number, () => void>();

  /** Registers `channel`: sender check, then schema check, then `run`. */
  const handle = (channel: string, schema: Schema, run: (request: never, event: IpcMainInvokeEvent) => Promise<ApiResult<unknown>> | ApiResult<unknown>): void => {
    ipcMain.handle(channel, async (event, request: unknown) => {
      const refusal = refuseSender(event, (id) => windows.isOurs(id));
      if (refusal) {
        const refused = new SenderRefused(channel, refusal);
        console.warn(`hangar: ${refused.message}`);
        throw refused;
      }
      const checked = checkRequest(schema, request ?? {});
      if (!checked.ok) return apiFailure('InvalidArgument', `${channel}: ${checked.issue.path || 'request'} ${checked.issue.message}.`);
      try {
        return await run(checked.value as never, event);
      } catch (error) {
        return apiFailure('Unavailable', error instanceof Error ? error.message : String(error));
      }
    });
  };

  handle(ipcChannels.invoke, requests.invoke, (request: { call: string; args?: unknown }) => core.call(request.call, request.args));

  handle(ipcChannels.subscribe, requests.subscribe, (_request: never, event) => {
    const contents = event.sender;
    if (!subscriptions.has(contents.id)) {
      const unsubscribe = core.subscribe((coreEvent: CoreEvent) => {
        if (!contents.isDestroyed()) contents.send(ipcChannels.event, coreEvent);
      });
      subscriptions.set(contents.id, unsubscribe);
      contents.once('destroyed', () => {
        unsubscribe();
        subscriptions.delete(contents.id);
      });
    }
    return apiSuccess({});
  });

  handle(ipcChannels.openDisplay, requests.openDisplay, (request: { id: string; token: string }, event) => {
    const session = core.engineSession(request.id);
    if (!session) return apiFailure('Unavailable', `"${request.id}" is not running (or does not exist); start it to see its screen.`);
    const { port1, port2 } = new electron.MessageChannelMain();
    const detach = displays.attach(session, port1);
    // The window going away detaches the view (a reload or crash closes the port, which does
    // too); the guest runs on.
    const contents = event.sender;
    const onDestroyed = (): void => {
      detach();
      port1.close();
    };
    contents.once('destroyed', onDestroyed);
    port1.on('close', () => contents.removeListener('destroyed', onDestroyed));
    event.sender.postMessage(ipcChannels.displayPort, { token: request.token }, [port2]);
    return apiSuccess({ token: request.token });
  });

  handle(ipcChannels.openVmWindow, requests.openVmWindow, async (request: { id: string }) => {
    const machine = await core.call('machines.get', { id: request.id });
    if (!machine.ok) return machine;
    const { id, name } = machine.value as { id: string; name: string };
    const window = windows.openVm(id, name);
    return apiSuccess({ windowId: window.id });
  });

  handle(ipcChannels.readClipboard, requests.readClipboard, async () => apiSuccess((await electron.clipboard.readText()).slice(0, clipboardLimit)));

  handle(ipcChannels.writeClipboard, requests.writeClipboard, async (request: { text: string }) => {
    await electron.clipboard.writeText(request.text);
    return apiSuccess({});
  });

  handle(ipcChannels.chooseMedia, requests.chooseMedia, async (request: { kind?: MediaFileKind }, event) => {
    const kind = request.kind ?? 'any';
    const options = { title: 'Choose a media file', properties: ['openFile' as const], filters: mediaFilters[kind] };
    const parent = windows.windowOf(event.sender.id);
    const chosen = parent ? await electron.dialog.showOpenDialog(parent, options) : await electron.dialog.showOpenDialog(options);
    return apiSuccess(chosen.canceled ? null : (chosen.filePaths[0] ?? null));
  });

  handle(ipcChannels.setFullScreen, requests.setFullScreen, (request: { on?: boolean }, event) => {
    const window = windows.windowOf(event.sender.id);
    if (!window) return apiFailure('NotFound', 'The window is gone.');
    window.setFullScreen(request.on ?? !window.isFullScreen());
    return apiSuccess({ fullScreen: request.on ?? window.isFullScreen() });
  });

  // While the guest has the keyboard, menu shortcuts must not take its keys.
  handle(ipcChannels.setKeyboardCaptured, requests.setKeyboardCaptured, (request: { captured: boolean }, event) => {
    event.sender.setIgnoreMenuShortcuts(request.captured);
    return apiSuccess({ captured: request.captured });
  });

  return () => {
    for (const channel of Object.values(ipcChannels)) ipcMain.removeHandler(channel);
    for (const unsubscribe of subscriptions.values()) unsubscribe();
    subscriptions.clear();
  };
}
