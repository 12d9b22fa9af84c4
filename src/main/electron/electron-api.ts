/**
 * The parts of Electron's main-process module the shell uses. The shell takes them as a
 * parameter, so the entry (main.ts) passes the real module and the type checker holds the shell
 * to Electron's real types, while tests load the entry against a stand-in module.
 */
import type * as electron from 'electron';

/** Electron's main-process API as the shell sees it. */
export type ElectronMain = Pick<
  typeof electron,
  'app' | 'BrowserWindow' | 'clipboard' | 'dialog' | 'ipcMain' | 'Menu' | 'MessageChannelMain' | 'protocol' | 'session' | 'shell' | 'utilityProcess'
>;

export type BrowserWindow = electron.BrowserWindow;
export type BrowserWindowOptions = electron.BrowserWindowConstructorOptions;
export type WebContents = electron.WebContents;
export type WebPreferences = electron.WebPreferences;
export type IpcMainInvokeEvent = electron.IpcMainInvokeEvent;
export type MessagePortMain = electron.MessagePortMain;
export type MenuItemOptions = electron.MenuItemConstructorOptions;
