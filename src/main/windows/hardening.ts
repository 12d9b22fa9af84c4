/**
 * What every web contents gets as soon as it exists (docs/architecture.md §9): no navigation away from the
 * app, no new windows, no <webview>, and no permissions beyond what a VM display needs.
 */
import type { ElectronMain, WebContents } from '../electron/electron-api.js';
import { isAppUrl } from './app-origin.js';

/**
 * Permissions a VM display asks for, granted to app pages only: pointer lock (relative mouse),
 * keyboard lock (keys like Alt+Tab reach the guest in full screen) and element full screen.
 */
const displayPermissions: ReadonlySet<string> = new Set(['pointerLock', 'keyboardLock', 'fullscreen']);

/** Whether a page at `origin` gets `permission`. Everything else is denied. */
export function permissionAllowed(permission: string, origin: string): boolean {
  return displayPermissions.has(permission) && isAppUrl(origin);
}

/** Locks down one web contents: navigation, redirects, window.open and <webview>. */
export function hardenWebContents(contents: WebContents, openExternal: (url: string) => void): void {
  contents.on('will-navigate', (event, url) => {
    if (!isAppUrl(url)) event.preventDefault();
  });
  contents.on('will-frame-navigate', (event) => {
    if (!isAppUrl(event.url)) event.preventDefault();
  });
  contents.on('will-redirect', (event) => {
    if (!isAppUrl(event.url)) event.preventDefault();
  });
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(({ url }) => {
    // Links to documentation, and to a guest's web service through a port forward on this
    // computer (http on loopback), open in the user's browser; the app never opens a window for a page.
    if (url.startsWith('https://') || /^http:\/\/127\.\d{1,3}\.\d{1,3}\.\d{1,3}:\d{1,5}(\/|$)/u.test(url)) openExternal(url);
    return { action: 'deny' };
  });
}

/** Installs the hardening for every web contents and the permission handlers of the default session. */
export function installHardening(electron: Pick<ElectronMain, 'app' | 'session' | 'shell'>): void {
  electron.app.on('web-contents-created', (_event, contents) => hardenWebContents(contents, (url) => void electron.shell.openExternal(url).catch(() => undefined)));
  const session = electron.session.defaultSession;
  session.setPermissionRequestHandler((contents, permission, callback, details) => callback(permissionAllowed(permission, details.requestingUrl || contents.getURL())));
  session.setPermissionCheckHandler((_contents, permission, requestingOrigin) => permissionAllowed(permission, requestingOrigin));
  // No USB, HID, serial or Bluetooth device for any page.
  session.setDevicePermissionHandler(() => false);
}
