/**
 * Options of every Hangar window: the security baseline of docs/architecture.md §9 in one place, so no
 * window can be created without it.
 */
import type { BrowserWindowOptions, WebPreferences } from '../electron/electron-api.js';

/** The web preferences of every app window: isolated, sandboxed, no Node, only the preload bridge. */
export function secureWebPreferences(preload: string): WebPreferences {
  return {
    preload,
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    webviewTag: false,
    experimentalFeatures: false,
    navigateOnDragDrop: false,
    safeDialogs: true,
    spellcheck: false,
  };
}

/** The manager window. */
export function managerWindowOptions(preload: string): BrowserWindowOptions {
  return {
    title: 'Hangar',
    width: 1200,
    height: 780,
    minWidth: 720,
    minHeight: 480,
    show: false,
    autoHideMenuBar: false,
    webPreferences: secureWebPreferences(preload),
  };
}

/** A VM window: sized for a 1024×768 guest plus menus and status bar; full screen allowed. */
export function vmWindowOptions(preload: string, title: string): BrowserWindowOptions {
  return {
    title,
    width: 1064,
    height: 880,
    minWidth: 480,
    minHeight: 360,
    show: false,
    fullscreenable: true,
    webPreferences: secureWebPreferences(preload),
  };
}
