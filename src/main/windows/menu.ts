/**
 * The application menu: File, Machine, View and Help. Machine commands go to the focused
 * window's page (it knows which machine it shows) as a menu command; window-level items (full
 * screen, close, quit) are handled here. While a VM window has the keyboard captured, its page
 * turns menu shortcuts off (bridge `setKeyboardCaptured`), so every key reaches the guest; the
 * host key gives the keyboard back. Machine shortcuts use Ctrl+Shift so they do not take
 * common application keys (Ctrl+P, Ctrl+R) from the manager.
 */
import type { MenuCommand } from '../../shared/bridge.js';
import type { MenuItemOptions } from '../electron/electron-api.js';

/** The host key: it releases keyboard and mouse capture in a VM window. */
export function hostKeyName(platform: string): string {
  return platform === 'darwin' ? 'Left ⌘ Command' : 'Right Ctrl';
}

export interface MenuActions {
  /** Sends a command to the focused window's page. */
  command(command: MenuCommand): void;
  toggleFullScreen(): void;
  showManager(): void;
  /** Brings the manager forward with its Preferences dialog open. */
  preferences(): void;
  about(): void;
}

/** The menu template for `platform`. */
export function buildMenuTemplate(actions: MenuActions, platform: string): MenuItemOptions[] {
  const item = (label: string, command: MenuCommand, accelerator?: string): MenuItemOptions => ({
    label,
    ...(accelerator ? { accelerator } : {}),
    click: () => actions.command(command),
  });
  const template: MenuItemOptions[] = [
    {
      label: 'File',
      submenu: [
        item('New Machine…', 'machine.new', 'CmdOrCtrl+Shift+N'),
        { label: 'Machine Manager', accelerator: 'CmdOrCtrl+Shift+M', click: () => actions.showManager() },
        { label: 'Preferences…', accelerator: 'CmdOrCtrl+,', click: () => actions.preferences() },
        { type: 'separator' },
        { role: 'close', label: 'Close Window' },
        { role: 'quit', label: 'Quit Hangar' },
      ],
    },
    {
      label: 'Machine',
      submenu: [
        item('Start', 'machine.start'),
        item('Pause / Resume', 'machine.pause', 'CmdOrCtrl+Shift+P'),
        item('Reset', 'machine.reset', 'CmdOrCtrl+Shift+R'),
        item('ACPI Shutdown', 'machine.powerdown', 'CmdOrCtrl+Shift+H'),
        item('Power Off', 'machine.poweroff'),
        { type: 'separator' },
        item('Take Snapshot…', 'machine.snapshot', 'CmdOrCtrl+Shift+T'),
        item('Screenshot', 'machine.screenshot', 'CmdOrCtrl+Shift+E'),
        item('Settings…', 'machine.settings', 'CmdOrCtrl+Shift+S'),
        { type: 'separator' },
        item('Send Ctrl+Alt+Del', 'input.ctrl-alt-del', 'CmdOrCtrl+Shift+Delete'),
        item('Type Clipboard Text', 'input.type-clipboard', 'CmdOrCtrl+Shift+V'),
      ],
    },
    {
      label: 'View',
      submenu: [
        { label: 'Full Screen', accelerator: platform === 'darwin' ? 'Ctrl+Cmd+F' : 'F11', click: () => actions.toggleFullScreen() },
        item('Scale to Fit', 'view.scale-fit', 'CmdOrCtrl+Shift+9'),
        item('Actual Size', 'view.scale-1x', 'CmdOrCtrl+Shift+0'),
      ],
    },
    {
      label: 'Help',
      submenu: [
        { label: `Host key: ${hostKeyName(platform)} releases the keyboard and mouse`, enabled: false },
        { type: 'separator' },
        { label: 'About Hangar', click: () => actions.about() },
      ],
    },
  ];
  if (platform === 'darwin') template.unshift({ role: 'appMenu' });
  return template;
}
