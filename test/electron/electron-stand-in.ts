/**
 * A STAND-IN for the `electron` module (the Electron binary cannot be downloaded here). It is
 * the one test double of this project, and it stands in for Electron only: the core, library,
 * engines and SQLite behind it are real. Test files map the specifier `electron` to this file
 * with a module-resolution hook (stand-in-hooks.ts), so the shell's entry
 * (src/main/electron/main.ts) and the preload load it in place of Electron.
 *
 * It records what the shell asks of Electron (window options, handlers, menus, permission
 * handlers) and lets a test act as Electron would: emit app and web-contents events, invoke IPC
 * handlers as a chosen web contents and frame, and run the preload against a stand-in page.
 *
 * `utilityProcess.fork` is a FORK-BASED SUBSTITUTE: it starts the engine with Node's
 * child_process.fork (the engine's parent channel speaks both), so real v86 engines run.
 */
import { fork } from 'node:child_process';
import { EventEmitter } from 'node:events';

/** An Electron-style event whose default action can be prevented. */
export class StandInEvent {
  defaultPrevented = false;
  constructor(readonly fields: Record<string, unknown> = {}) {
    Object.assign(this, fields);
  }
  preventDefault(): void {
    this.defaultPrevented = true;
  }
}

/** A frame as IPC events report it. */
export interface StandInFrame {
  url: string;
  parent: StandInFrame | null;
}

/** One end of a stand-in MessageChannelMain: Node-style events, messages structured-cloned. */
export class StandInMessagePort extends EventEmitter {
  other: StandInMessagePort | undefined;
  private started = false;
  private closed = false;
  private readonly queue: unknown[] = [];

  postMessage(message: unknown): void {
    if (this.closed) return;
    const other = this.other;
    if (!other || other.closed) return;
    other.deliver(structuredClone(message));
  }

  start(): void {
    if (this.started) return;
    this.started = true;
    for (const message of this.queue.splice(0)) this.emitLater(message);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    const other = this.other;
    setImmediate(() => {
      this.emit('close');
      if (other && !other.closed) {
        other.closed = true;
        other.emit('close');
      }
    });
  }

  get isClosed(): boolean {
    return this.closed;
  }

  private deliver(message: unknown): void {
    if (this.started) this.emitLater(message);
    else this.queue.push(message);
  }

  private emitLater(message: unknown): void {
    setImmediate(() => {
      if (!this.closed) this.emit('message', { data: message, ports: [] });
    });
  }
}

export class StandInMessageChannel {
  readonly port1 = new StandInMessagePort();
  readonly port2 = new StandInMessagePort();
  constructor() {
    this.port1.other = this.port2;
    this.port2.other = this.port1;
  }
}

type RendererListener = (event: { sender: unknown; ports: StandInMessagePort[] }, ...args: unknown[]) => void;

/** A stand-in web contents: the main-process side of one page. */
export class StandInWebContents extends EventEmitter {
  private static nextId = 1;
  readonly id = StandInWebContents.nextId++;
  url = '';
  destroyed = false;
  windowOpenHandler: ((details: { url: string }) => { action: 'allow' | 'deny' }) | undefined;
  readonly mainFrame: StandInFrame = { url: '', parent: null };
  /** What main sent to the page: `send` and `postMessage` calls. */
  readonly sent: { channel: string; args: unknown[]; ports: StandInMessagePort[] }[] = [];
  /** Listeners of the page's ipcRenderer (the preload's). */
  readonly rendererListeners = new Map<string, Set<RendererListener>>();

  /** setIgnoreMenuShortcuts' last value. */
  ignoreMenuShortcuts = false;

  getURL(): string {
    return this.url;
  }
  setIgnoreMenuShortcuts(ignore: boolean): void {
    this.ignoreMenuShortcuts = ignore;
  }
  isDestroyed(): boolean {
    return this.destroyed;
  }
  setWindowOpenHandler(handler: (details: { url: string }) => { action: 'allow' | 'deny' }): void {
    this.windowOpenHandler = handler;
  }
  send(channel: string, ...args: unknown[]): void {
    if (this.destroyed) throw new Error('Object has been destroyed');
    this.sent.push({ channel, args, ports: [] });
    this.toRenderer(channel, args, []);
  }
  postMessage(channel: string, message: unknown, ports: StandInMessagePort[] = []): void {
    if (this.destroyed) throw new Error('Object has been destroyed');
    this.sent.push({ channel, args: [message], ports });
    this.toRenderer(channel, [structuredClone(message)], ports);
  }
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.emit('destroyed');
  }
  /** Navigates (as loadURL does once Electron let it). */
  load(url: string): void {
    this.url = url;
    this.mainFrame.url = url;
  }
  private toRenderer(channel: string, args: unknown[], ports: StandInMessagePort[]): void {
    for (const listener of this.rendererListeners.get(channel) ?? []) setImmediate(() => listener({ sender: undefined, ports }, ...args));
  }
}

/** A stand-in BrowserWindow: records its options and what was done to it. */
export class StandInBrowserWindow extends EventEmitter {
  private static nextId = 1;
  readonly id = StandInBrowserWindow.nextId++;
  readonly webContents = new StandInWebContents();
  destroyed = false;
  minimized = false;
  fullScreen = false;
  shown = 0;
  focused = 0;
  restored = 0;
  loadedUrl: string | undefined;

  constructor(
    readonly options: Record<string, unknown>,
    private readonly electron: ElectronStandIn,
  ) {
    super();
    electron.windows.push(this);
    electron.app.emit('web-contents-created', new StandInEvent(), this.webContents);
  }

  static getFocusedWindow(): StandInBrowserWindow | null {
    return null;
  }

  async loadURL(url: string): Promise<void> {
    // Electron's loadURL is main's own navigation: no will-navigate (that is for the page's).
    this.loadedUrl = url;
    this.webContents.load(url);
    setImmediate(() => this.emit('ready-to-show'));
  }
  isDestroyed(): boolean {
    return this.destroyed;
  }
  isMinimized(): boolean {
    return this.minimized;
  }
  restore(): void {
    this.minimized = false;
    this.restored++;
  }
  show(): void {
    this.shown++;
  }
  focus(): void {
    this.focused++;
    this.electron.focusedWindow = this;
  }
  setFullScreen(on: boolean): void {
    this.fullScreen = on;
  }
  isFullScreen(): boolean {
    return this.fullScreen;
  }
  close(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.webContents.destroy();
    this.emit('closed');
    if (this.electron.focusedWindow === this) this.electron.focusedWindow = undefined;
  }
}

/** The page world a preload talks to: `window.postMessage` calls and `location`. */
export interface StandInPage {
  readonly messages: { message: unknown; targetOrigin: string; transfer: unknown[] }[];
  readonly exposed: Record<string, unknown>;
  exposeCalls: number;
}

/** The stand-in `app`: Node events plus the methods the shell calls. */
export interface StandInApp extends EventEmitter {
  requestSingleInstanceLock(): boolean;
  enableSandbox(): void;
  whenReady(): Promise<void>;
  getVersion(): string;
  exit(code?: number): void;
  /** Emits before-quit; when nobody prevents it, the quit completes (will-quit, quit). */
  quit(): void;
}

function createApp(electron: ElectronStandIn): StandInApp {
  const app = new EventEmitter() as StandInApp;
  return Object.assign(app, {
    requestSingleInstanceLock: () => electron.singleInstanceLock,
    enableSandbox: () => void (electron.sandboxEnabled = true),
    whenReady: () => Promise.resolve(),
    getVersion: () => '0.0.0-stand-in',
    exit: () => undefined,
    quit: () => {
      electron.quitCalls++;
      const event = new StandInEvent();
      app.emit('before-quit', event);
      if (!event.defaultPrevented) {
        electron.quitCompleted = true;
        app.emit('will-quit', new StandInEvent());
        app.emit('quit');
      }
    },
  });
}

/** BrowserWindow bound to one stand-in Electron (its windows list and focus). */
function windowClass(electron: ElectronStandIn): typeof StandInBrowserWindow {
  return class extends StandInBrowserWindow {
    constructor(options: Record<string, unknown>) {
      super(options, electron);
    }
    static override getFocusedWindow(): StandInBrowserWindow | null {
      return electron.focusedWindow && !electron.focusedWindow.destroyed ? electron.focusedWindow : null;
    }
  } as unknown as typeof StandInBrowserWindow;
}

/** One stand-in Electron: `createElectronStandIn()` makes a fresh one; the module exports a default. */
export class ElectronStandIn {
  readonly windows: StandInBrowserWindow[] = [];
  focusedWindow: StandInBrowserWindow | undefined;
  singleInstanceLock = true;
  /** Whether app.enableSandbox() was called. */
  sandboxEnabled = false;
  quitCalls = 0;
  /** True once a quit went through (its before-quit was not prevented). */
  quitCompleted = false;
  readonly handlers = new Map<string, (event: unknown, ...args: unknown[]) => unknown>();
  readonly privilegedSchemes: unknown[] = [];
  readonly protocolHandlers = new Map<string, (request: Request) => Response | Promise<Response>>();
  permissionRequestHandler: ((contents: StandInWebContents, permission: string, callback: (granted: boolean) => void, details: unknown) => void) | undefined;
  permissionCheckHandler: ((contents: StandInWebContents | null, permission: string, origin: string, details: unknown) => boolean) | undefined;
  devicePermissionHandler: ((details: unknown) => boolean) | undefined;
  applicationMenu: { template: unknown[] } | null | undefined;
  readonly openedExternally: string[] = [];
  readonly errorBoxes: { title: string; content: string }[] = [];
  readonly openDialogCalls: unknown[] = [];
  openDialogAnswer: { canceled: boolean; filePaths: string[] } = { canceled: true, filePaths: [] };
  clipboardText = '';
  readonly forkedEngines: ReturnType<typeof fork>[] = [];
  /** What utilityProcess.fork was asked to run. */
  readonly forkCalls: { modulePath: string; args: string[]; execArgv: string[] }[] = [];
  readonly page: StandInPage = { messages: [], exposed: {}, exposeCalls: 0 };
  /** The web contents whose page the preload runs in (ipcRenderer talks as it). */
  rendererContents: StandInWebContents | undefined;

  readonly app: StandInApp;
  readonly BrowserWindow: typeof StandInBrowserWindow;
  readonly ipcMain: { handle(channel: string, listener: (event: unknown, ...args: unknown[]) => unknown): void; removeHandler(channel: string): void };
  readonly ipcRenderer: {
    invoke(channel: string, ...args: unknown[]): Promise<unknown>;
    on(channel: string, listener: RendererListener): void;
  };
  readonly contextBridge: { exposeInMainWorld(key: string, api: unknown): void };
  readonly MessageChannelMain = StandInMessageChannel;
  readonly Menu: { buildFromTemplate(template: unknown[]): { template: unknown[] }; setApplicationMenu(menu: { template: unknown[] } | null): void };
  readonly protocol: { registerSchemesAsPrivileged(schemes: unknown[]): void; handle(scheme: string, handler: (request: Request) => Response | Promise<Response>): void };
  readonly session: { defaultSession: Record<string, (handler: never) => void> };
  readonly shell: { openExternal(url: string): Promise<void> };
  readonly clipboard: { readText(): Promise<string>; writeText(text: string): Promise<void> };
  readonly dialog: Record<string, (...args: never[]) => unknown>;
  readonly utilityProcess: { fork(modulePath: string, args?: string[], options?: { execArgv?: string[] }): EventEmitter };

  constructor() {
    this.app = createApp(this);
    this.BrowserWindow = windowClass(this);
    this.ipcMain = {
      handle: (channel, listener) => {
        if (this.handlers.has(channel)) throw new Error(`Attempted to register a second handler for '${channel}'`);
        this.handlers.set(channel, listener);
      },
      removeHandler: (channel) => void this.handlers.delete(channel),
    };
    this.ipcRenderer = {
      invoke: (channel, ...args) => {
        const contents = this.rendererContents;
        if (!contents) return Promise.reject(new Error('The stand-in page is not bound to a web contents'));
        return this.invokeAs(contents, channel, args);
      },
      on: (channel, listener) => {
        const contents = this.rendererContents;
        if (!contents) throw new Error('The stand-in page is not bound to a web contents');
        let set = contents.rendererListeners.get(channel);
        if (!set) contents.rendererListeners.set(channel, (set = new Set()));
        set.add(listener);
      },
    };
    this.contextBridge = {
      exposeInMainWorld: (key, api) => {
        this.page.exposeCalls++;
        this.page.exposed[key] = api;
      },
    };
    this.Menu = {
      buildFromTemplate: (template) => ({ template }),
      setApplicationMenu: (menu) => void (this.applicationMenu = menu),
    };
    this.protocol = {
      registerSchemesAsPrivileged: (schemes) => void this.privilegedSchemes.push(...schemes),
      handle: (scheme, handler) => void this.protocolHandlers.set(scheme, handler),
    };
    this.session = {
      defaultSession: {
        setPermissionRequestHandler: (handler: never) => void (this.permissionRequestHandler = handler),
        setPermissionCheckHandler: (handler: never) => void (this.permissionCheckHandler = handler),
        setDevicePermissionHandler: (handler: never) => void (this.devicePermissionHandler = handler),
      },
    };
    this.shell = { openExternal: async (url) => void this.openedExternally.push(url) };
    this.clipboard = {
      readText: async () => this.clipboardText,
      writeText: async (text) => void (this.clipboardText = text),
    };
    this.dialog = {
      showOpenDialog: ((...args: unknown[]) => {
        this.openDialogCalls.push(args);
        return Promise.resolve(this.openDialogAnswer);
      }) as never,
      showErrorBox: ((title: string, content: string) => void this.errorBoxes.push({ title, content })) as never,
      showMessageBox: (() => Promise.resolve({ response: 0, checkboxChecked: false })) as never,
    };
    this.utilityProcess = { fork: (modulePath, args = [], options = {}) => this.forkEngine(modulePath, args, options.execArgv ?? []) };
  }

  /** Calls an IPC handler as Electron would for a message from `contents` (top frame unless `frame`). */
  async invokeAs(contents: StandInWebContents, channel: string, args: unknown[], frame: StandInFrame = contents.mainFrame): Promise<unknown> {
    const handler = this.handlers.get(channel);
    if (!handler) throw new Error(`No handler registered for '${channel}'`);
    const event = { sender: contents, senderFrame: frame, frameId: 1, processId: 1, type: 'frame' as const, ports: [] };
    // Electron's invoke structured-clones requests and replies.
    return structuredClone(await handler(event, ...args.map((arg) => structuredClone(arg))));
  }

  /** Binds the stand-in page (ipcRenderer, window.postMessage, location) to a window's contents. */
  bindPage(contents: StandInWebContents): void {
    this.rendererContents = contents;
    const page = this.page;
    Object.assign(globalThis, {
      postMessage: (message: unknown, targetOrigin: string, transfer: unknown[] = []) => void page.messages.push({ message, targetOrigin, transfer }),
      location: {
        // Chromium gives a registered standard scheme a real origin (Node's URL says 'null').
        get origin() {
          const url = new URL(contents.url);
          return `${url.protocol}//${url.host}`;
        },
      },
    });
  }

  /** The FORK-BASED SUBSTITUTE for utilityProcess.fork: a child_process.fork wearing UtilityProcess's events. */
  private forkEngine(modulePath: string, args: string[], execArgv: string[]): EventEmitter {
    this.forkCalls.push({ modulePath, args, execArgv });
    const child = fork(modulePath, args, { execArgv, serialization: 'advanced', stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
    child.on('error', () => undefined);
    this.forkedEngines.push(child);
    const utility = Object.assign(new EventEmitter(), {
      get pid() {
        return child.pid;
      },
      stdout: child.stdout,
      stderr: child.stderr,
      postMessage: (message: unknown) => {
        if (child.connected) child.send(message as never, (error) => void error);
      },
      kill: () => child.kill('SIGKILL'),
    });
    child.on('message', (message) => utility.emit('message', message));
    child.once('exit', (code, signal) => utility.emit('exit', code ?? (signal ? 1 : 0)));
    return utility;
  }
}

/** A fresh stand-in Electron (for tests that need one apart from the module's default). */
export function createElectronStandIn(): ElectronStandIn {
  return new ElectronStandIn();
}

/** The default stand-in: what `import … from 'electron'` gives under the hook. */
export const standIn = new ElectronStandIn();

export const app = standIn.app;
export const BrowserWindow = standIn.BrowserWindow;
export const ipcMain = standIn.ipcMain;
export const ipcRenderer = standIn.ipcRenderer;
export const contextBridge = standIn.contextBridge;
export const MessageChannelMain = standIn.MessageChannelMain;
export const Menu = standIn.Menu;
export const protocol = standIn.protocol;
export const session = standIn.session;
export const shell = standIn.shell;
export const clipboard = standIn.clipboard;
export const dialog = standIn.dialog;
export const utilityProcess = standIn.utilityProcess;
export default standIn;
