/**
 * The app's windows: one manager window and any number of VM windows (several may watch one
 * machine). It knows which web contents are ours, which is what IPC sender checks ask.
 */
import type { BrowserWindow, ElectronMain } from '../electron/electron-api.js';
import { appPage } from './app-origin.js';
import { managerWindowOptions, vmWindowOptions } from './window-options.js';

/** What a window shows. */
export type WindowRole = { kind: 'manager' } | { kind: 'vm'; machineId: string };

interface Tracked {
  readonly window: BrowserWindow;
  readonly role: WindowRole;
}

export class WindowManager {
  /** By web contents id (captured at creation: a closed window's contents are gone). */
  private readonly windows = new Map<number, Tracked>();
  private manager: BrowserWindow | undefined;

  constructor(
    private readonly BrowserWindowClass: ElectronMain['BrowserWindow'],
    private readonly preload: string,
  ) {}

  /** Opens the manager window, or shows and focuses it when it exists. */
  openManager(): BrowserWindow {
    if (this.manager && !this.manager.isDestroyed()) {
      this.focus(this.manager);
      return this.manager;
    }
    const window = this.create(managerWindowOptions(this.preload), { kind: 'manager' }, appPage);
    this.manager = window;
    window.on('closed', () => {
      if (this.manager === window) this.manager = undefined;
    });
    return window;
  }

  /** Opens one more window on a machine (`#/vm/<id>` of the app page). */
  openVm(machineId: string, machineName: string): BrowserWindow {
    return this.create(vmWindowOptions(this.preload, `${machineName} — Hangar`), { kind: 'vm', machineId }, `${appPage}#/vm/${encodeURIComponent(machineId)}`);
  }

  /** Brings the manager window forward (a second app instance was started). */
  focusManager(): void {
    this.openManager();
  }

  /** Whether the web contents belong to a window this manager created and still has. */
  isOurs(webContentsId: number): boolean {
    const tracked = this.windows.get(webContentsId);
    return tracked !== undefined && !tracked.window.isDestroyed();
  }

  /** The window of our web contents. */
  windowOf(webContentsId: number): BrowserWindow | undefined {
    const tracked = this.windows.get(webContentsId);
    return tracked && !tracked.window.isDestroyed() ? tracked.window : undefined;
  }

  /** Open VM windows of a machine. */
  vmWindows(machineId: string): BrowserWindow[] {
    return [...this.windows.values()].filter((t) => t.role.kind === 'vm' && t.role.machineId === machineId && !t.window.isDestroyed()).map((t) => t.window);
  }

  /** Every open window. */
  all(): BrowserWindow[] {
    return [...this.windows.values()].filter((t) => !t.window.isDestroyed()).map((t) => t.window);
  }

  private create(options: ConstructorParameters<ElectronMain['BrowserWindow']>[0], role: WindowRole, url: string): BrowserWindow {
    const window = new this.BrowserWindowClass(options);
    const contentsId = window.webContents.id;
    this.windows.set(contentsId, { window, role });
    window.once('ready-to-show', () => window.show());
    window.on('closed', () => this.windows.delete(contentsId));
    window.loadURL(url).catch((error: unknown) => console.error(`hangar: the window could not load ${url}: ${error instanceof Error ? error.message : String(error)}`));
    return window;
  }

  private focus(window: BrowserWindow): void {
    if (window.isMinimized()) window.restore();
    window.show();
    window.focus();
  }
}
