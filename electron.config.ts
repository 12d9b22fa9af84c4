/**
 * Packaging configuration (electron-builder) for Linux, macOS and Windows.
 * better-sqlite3 is rebuilt for Electron's Node ABI at packaging time (`npmRebuild`).
 */
const config = {
  appId: 'org.hangar.app',
  productName: 'Hangar',
  directories: { output: 'dist/packages', buildResources: 'resources' },
  files: ['dist/**', 'package.json', 'resources/**'],
  npmRebuild: true,
  asarUnpack: ['node_modules/better-sqlite3/**', 'node_modules/v86/build/**'],
  linux: { target: ['AppImage', 'deb'], category: 'System' },
  mac: { target: ['dmg'], category: 'public.app-category.developer-tools' },
  win: { target: ['nsis'] },
} as const;

export default config;
