/**
 * The preload bridge of the Electron shell: the one object the page sees as `window.hangar`
 * (docs/architecture.md §9: named functions only, never `ipcRenderer`). The renderer's client uses it when
 * present and the web shell's WebSocket otherwise. Types only, plus the tag of the window
 * message that carries a display port; nothing here is platform-specific.
 */
import type { ApiEventName, ApiResult } from './protocol/api/index.js';

/** An API event as the bridge delivers it (the same shape as the web shell's `{event, data}`). */
export interface BridgeEvent {
  event: ApiEventName;
  data: unknown;
}

/** Media kinds the native file dialog can filter for. */
export type MediaFileKind = 'cdrom' | 'floppy' | 'disk' | 'any';

/**
 * `window.postMessage` data that hands the page a display port: the port is `event.ports[0]`
 * of a `message` event on `window` whose data is `{type: displayPortMessageType, token}`, with
 * the token the page gave `openDisplay`.
 *
 * On the port: engine → page messages are `Uint8Array`s (one `encodeDisplayMessage` message
 * each; the first ones after opening draw the whole current screen) or `{error: {class, desc}}`
 * when an input event was refused; page → engine messages are `input-send-event` arguments
 * (`{events: [...]}`), as objects. Closing the port detaches the view; the guest keeps running.
 *
 * Flow control (optional): a view that posts `{ack: N}` (N = display messages received so far,
 * e.g. after each drawn frame) is not sent more than ~16 MB ahead of what it acknowledged;
 * when it has fallen behind and then acknowledges everything, it is sent the whole current
 * screen again (starting with a `mode` message) instead of the frames it missed. A view that
 * never acknowledges is sent every message.
 */
export const displayPortMessageType = 'hangar:display-port';

/** The data of the window message carrying a display port. */
export interface DisplayPortMessage {
  type: typeof displayPortMessageType;
  token: string;
}

/**
 * Commands of the application menu that the page carries out (for the machine it shows, or
 * the selected one in the manager).
 */
export type MenuCommand =
  | 'app.preferences'
  | 'machine.new'
  | 'machine.settings'
  | 'machine.start'
  | 'machine.pause'
  | 'machine.reset'
  | 'machine.powerdown'
  | 'machine.poweroff'
  | 'machine.snapshot'
  | 'machine.screenshot'
  | 'input.ctrl-alt-del'
  | 'input.type-clipboard'
  | 'view.scale-fit'
  | 'view.scale-1x';

/** `window.hangar` in the Electron shell. Every call answers with an ApiResult; none throws. */
export interface HangarBridge {
  /** Runs one app API command (`machines.list`, `vm.start`…); arguments are validated by the core. */
  call(name: string, args?: unknown): Promise<ApiResult<unknown>>;
  /** Subscribes to every API event; returns the unsubscribe function. */
  onEvent(listener: (event: BridgeEvent) => void): () => void;
  /**
   * Opens a display view of a running machine (id or name). Listen for the window message
   * (`DisplayPortMessage` with this `token`) BEFORE calling; the port arrives there.
   * Resolves `{ok: true, value: {token}}` once the port was sent; Unavailable when the machine
   * is not running (or does not exist).
   */
  openDisplay(id: string, token: string): Promise<ApiResult<{ token: string }>>;
  /** Opens one more window on a machine (`#/vm/<id>` of the app page); several may watch one machine. NotFound for an unknown machine. */
  openVmWindow(id: string): Promise<ApiResult<{ windowId: number }>>;
  /** The host clipboard's text. */
  readClipboardText(): Promise<ApiResult<string>>;
  /** Puts text on the host clipboard. */
  writeClipboardText(text: string): Promise<ApiResult<Record<string, never>>>;
  /** The native open dialog for a media file; `null` when the user cancelled. */
  chooseMediaFile(kind?: MediaFileKind): Promise<ApiResult<string | null>>;
  /** Turns full screen on, off, or toggles it (no argument) for the calling window. */
  setFullScreen(on?: boolean): Promise<ApiResult<{ fullScreen: boolean }>>;
  /**
   * Tells main the page captured (or released) the keyboard for the guest: while captured, the
   * menu's shortcuts are off in this window, so every key reaches the guest.
   */
  setKeyboardCaptured(captured: boolean): Promise<ApiResult<{ captured: boolean }>>;
  /** Calls `listener` when the user picks a menu command while this window is focused. */
  onMenuCommand(listener: (command: MenuCommand) => void): () => void;
  /** The host platform (`linux`, `darwin`, `win32`), for host-key names and shortcuts. */
  readonly platform: string;
}
