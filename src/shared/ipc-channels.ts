/**
 * The IPC channel names between the preload bridge and main. One place, so the preload and
 * the handlers cannot drift apart; it sits in shared because the preload may import nothing of
 * main's. Every `invoke` channel answers with an ApiResult.
 */
export const ipcChannels = {
  /** `{call, args}` → the core's ApiResult. */
  invoke: 'hangar:invoke',
  /** Starts pushing API events to the calling window on `event`. */
  subscribe: 'hangar:subscribe',
  /** main → window: one `{event, data}`. */
  event: 'hangar:event',
  /** main → window: one MenuCommand string. */
  menu: 'hangar:menu',
  /** `{id, token}` → `{token}`; the port follows on `displayPort`. */
  openDisplay: 'hangar:open-display',
  /** main → window: `{token}` with the display port in `ports`. */
  displayPort: 'hangar:display-port',
  openVmWindow: 'hangar:open-vm-window',
  readClipboard: 'hangar:clipboard-read',
  writeClipboard: 'hangar:clipboard-write',
  chooseMedia: 'hangar:choose-media',
  setFullScreen: 'hangar:set-full-screen',
  setKeyboardCaptured: 'hangar:set-keyboard-captured',
} as const;

/** The request channels (renderer → main, invoke). */
export const invokeChannels = [
  ipcChannels.invoke,
  ipcChannels.subscribe,
  ipcChannels.openDisplay,
  ipcChannels.openVmWindow,
  ipcChannels.readClipboard,
  ipcChannels.writeClipboard,
  ipcChannels.chooseMedia,
  ipcChannels.setFullScreen,
  ipcChannels.setKeyboardCaptured,
] as const;
