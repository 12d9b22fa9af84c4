/**
 * The Electron shell around the app core (issue 7 §4): one app instance, the hardened app
 * scheme, the manager window and VM windows, the IPC handlers, the menu, and a quit path that
 * stops or saves running machines before the library closes. Takes Electron's module as a
 * parameter (see electron-api.ts).
 */
import { HangarCore } from '../core/hangar-core.js';
import { DisplayBroker } from '../ipc/display-broker.js';
import { ipcChannels } from '../../shared/ipc-channels.js';
import { registerIpcHandlers } from '../ipc/handlers.js';
import { appScheme, serveAppRequest } from '../windows/app-origin.js';
import { installHardening } from '../windows/hardening.js';
import { buildMenuTemplate } from '../windows/menu.js';
import { WindowManager } from '../windows/window-manager.js';
import type { ElectronMain, WebContents } from './electron-api.js';
import { readQuitPlan, stopRunningMachines } from './quit.js';
import { createUtilityLauncher } from './utility-launcher.js';

export interface ShellOptions {
  /** The built renderer (index.html and assets). */
  rendererDir: string;
  /** The bundled (CommonJS) preload script. */
  preload: string;
  /** The engine entry file utilityProcess forks. */
  engineEntry: string;
  /** The loader the engine runs with: tsx for the TypeScript entry, null for a built one. */
  engineLoader?: string | null;
  /** Library folder; HANGAR_HOME / the XDG data folder by default. */
  libraryFolder?: string;
  platform?: string;
}

/** A running shell. */
export interface ElectronShell {
  readonly core: HangarCore;
  readonly windows: WindowManager;
  readonly displays: DisplayBroker;
  /** Resolves once quitting has stopped every engine and closed the library. */
  readonly closed: Promise<void>;
}

/**
 * Starts the shell. Resolves undefined when another instance holds the single-instance lock
 * (that instance's manager window comes forward and this one quits) or the library could not
 * be opened (the user was told why).
 */
export async function startElectronShell(electron: ElectronMain, options: ShellOptions): Promise<ElectronShell | undefined> {
  const { app } = electron;
  const platform = options.platform ?? process.platform;
  if (!app.requestSingleInstanceLock()) {
    app.quit();
    return undefined;
  }
  // Every renderer sandboxed, whatever a window's options say.
  app.enableSandbox();
  electron.protocol.registerSchemesAsPrivileged([{ scheme: appScheme, privileges: { standard: true, secure: true, supportFetchAPI: true, corsEnabled: true } }]);
  installHardening(electron);
  await app.whenReady();
  electron.protocol.handle(appScheme, (request) => serveAppRequest(request, options.rendererDir));

  let core: HangarCore;
  try {
    const launcher = createUtilityLauncher(electron.utilityProcess, options.engineEntry, options.engineLoader);
    core = await HangarCore.open({ folder: options.libraryFolder ?? (process.env.HANGAR_HOME || undefined), watch: true, launcher });
  } catch (error) {
    electron.dialog.showErrorBox('Hangar cannot open its library', `${error instanceof Error ? error.message : String(error)}\n\nIf another Hangar (or \`hangar web\`) is running with this library, close it first.`);
    app.quit();
    return undefined;
  }

  const windows = new WindowManager(electron.BrowserWindow, options.preload);
  const displays = new DisplayBroker();
  const removeHandlers = registerIpcHandlers(electron, { core, windows, displays });
  const focusedContents = (): WebContents | undefined => {
    const focused = electron.BrowserWindow.getFocusedWindow();
    return focused && windows.isOurs(focused.webContents.id) ? focused.webContents : undefined;
  };
  const menu = buildMenuTemplate(
    {
      command: (command) => focusedContents()?.send(ipcChannels.menu, command),
      toggleFullScreen: () => {
        const focused = electron.BrowserWindow.getFocusedWindow();
        focused?.setFullScreen(!focused.isFullScreen());
      },
      showManager: () => windows.openManager(),
      // The manager owns the Preferences dialog, whichever window had the focus.
      preferences: () => windows.openManager().webContents.send(ipcChannels.menu, 'app.preferences'),
      about: () => void electron.dialog.showMessageBox({ type: 'info', title: 'About Hangar', message: `Hangar ${app.getVersion()}`, detail: 'A desktop virtual-machine manager with v86 and QEMU engines.' }),
    },
    platform,
  );
  electron.Menu.setApplicationMenu(electron.Menu.buildFromTemplate(menu));

  app.on('second-instance', () => windows.focusManager());
  app.on('activate', () => {
    if (windows.all().length === 0) windows.openManager();
  });
  app.on('window-all-closed', () => {
    if (platform !== 'darwin') app.quit();
  });

  // Quitting waits for the machines: the first before-quit is held back until every engine has
  // stopped and the library is closed, then quit goes through.
  let resolveClosed: () => void = () => undefined;
  const closed = new Promise<void>((resolve) => (resolveClosed = resolve));
  let phase: 'running' | 'stopping' | 'done' = 'running';
  app.on('before-quit', (event) => {
    if (phase === 'done') return;
    event.preventDefault();
    if (phase === 'stopping') return;
    phase = 'stopping';
    void (async () => {
      try {
        const plan = await readQuitPlan(core);
        await stopRunningMachines(core, plan, (text) => console.log(`hangar: ${text}`));
      } catch (error) {
        console.error(`hangar: stopping machines failed (${error instanceof Error ? error.message : String(error)}); they are powered off.`);
      }
      displays.dispose();
      removeHandlers();
      await core.close();
      phase = 'done';
      resolveClosed();
      app.quit();
    })();
  });

  windows.openManager();
  return { core, windows, displays, closed };
}
