/**
 * Packaging configuration (electron-builder) for Linux (AppImage, deb), macOS (dmg) and Windows
 * (nsis). Run with `npm run package`, which builds the renderer and the shell, then runs
 * electron-builder (fetched by npx; it is not a dependency, it is too large for CI).
 *
 * What the package holds and why:
 * - dist/electron: main.js (ESM) and preload.cjs, and engine/ (the engine host and backends as
 *   plain JavaScript, which main forks with utilityProcess); dist/renderer: the UI;
 * - the engine is unpacked from the asar archive, with v86 (WASM) beside it, so the forked
 *   utility process loads ordinary files and resolves `v86` from the unpacked node_modules;
 * - better-sqlite3 is rebuilt for Electron's Node ABI (`npmRebuild`, from source) and unpacked
 *   (a native module cannot load from inside an asar);
 * - tsx stays a dependency: the bundled supervisor resolves it at load (used only by the
 *   fork launcher of the CLI).
 * Icons are looked up in resources/ (icon.png for Linux, icon.icns for macOS, icon.ico for
 * Windows).
 */

/** The electron-builder fields used here (a small local copy of its documented `Configuration`). */
export interface PackagingConfig {
  appId: string;
  productName: string;
  copyright?: string;
  directories: { output: string; buildResources: string };
  files: string[];
  extraResources?: { from: string; to: string; filter?: string[] }[];
  asar: boolean;
  asarUnpack: string[];
  npmRebuild: boolean;
  buildDependenciesFromSource: boolean;
  nodeGypRebuild: boolean;
  extraMetadata?: Record<string, unknown>;
  linux: { target: string[]; category: string; icon: string; maintainer?: string; synopsis?: string };
  deb?: { depends?: string[]; recommends?: string[] };
  mac: { target: string[]; category: string; icon: string; hardenedRuntime: boolean };
  dmg?: { title?: string };
  win: { target: string[]; icon: string };
  nsis?: { oneClick: boolean; allowToChangeInstallationDirectory: boolean; perMachine: boolean };
}

const config: PackagingConfig = {
  appId: 'org.hangar.app',
  productName: 'Hangar',
  copyright: 'Copyright © Hangar contributors',
  directories: { output: 'dist/packages', buildResources: 'resources' },
  files: ['package.json', 'dist/electron/**', 'dist/renderer/**', '!dist/renderer/testing/**', '!**/*.map', 'resources/**'],
  // Default settings and OS logos ship beside the app, readable without unpacking.
  extraResources: [{ from: 'resources', to: 'resources', filter: ['**/*', '!icon.*'] }],
  asar: true,
  asarUnpack: ['dist/electron/engine/**', 'node_modules/v86/**', 'node_modules/better-sqlite3/**', 'node_modules/bindings/**', 'node_modules/file-uri-to-path/**'],
  // Rebuild native modules (better-sqlite3) against Electron's headers, never reuse Node's build.
  npmRebuild: true,
  buildDependenciesFromSource: true,
  nodeGypRebuild: false,
  // The packaged main is the bundle.
  extraMetadata: { main: 'dist/electron/main.js' },
  linux: {
    target: ['AppImage', 'deb'],
    category: 'System',
    icon: 'resources/icon.png',
    synopsis: 'Desktop virtual-machine manager (v86 and QEMU)',
  },
  deb: { recommends: ['qemu-system-x86', 'qemu-utils', 'seabios', 'osinfo-db'] },
  mac: { target: ['dmg'], category: 'public.app-category.developer-tools', icon: 'resources/icon.icns', hardenedRuntime: true },
  dmg: { title: 'Hangar' },
  win: { target: ['nsis'], icon: 'resources/icon.ico' },
  nsis: { oneClick: false, allowToChangeInstallationDirectory: true, perMachine: false },
};

export default config;
