// Lint configuration: typescript-eslint's recommended rules plus the layer boundaries of
// docs/architecture.md §3, enforced with no-restricted-imports per folder. Each layer runs in one
// process and may import only what exists there; the per-layer tsconfigs (src/<layer>/tsconfig.json)
// enforce the same folders at typecheck time, and test/layers proves both refuse a forbidden import.
import js from '@eslint/js';
import { builtinModules } from 'node:module';
import tseslint from 'typescript-eslint';

const see = 'See docs/architecture.md §3.';

/**
 * The layers: where each runs, which other src/ folders it may import, and which package families
 * it may use ('node': Node's own modules and Node-only packages; 'electron': all of electron, or
 * the names listed; 'ui': React, MUI, Emotion, xterm; 'engine': v86).
 */
const layers = {
  shared: { runsIn: 'every process (engine, main, preload, page)', folders: [], packages: [] },
  node: { runsIn: 'Node processes (engine and main)', folders: ['shared'], packages: ['node'] },
  emulator: { runsIn: 'the engine process', folders: ['shared', 'node'], packages: ['node', 'engine'] },
  library: { runsIn: 'the main process', folders: ['shared', 'node'], packages: ['node'] },
  main: { runsIn: 'the main process', folders: ['shared', 'node', 'library'], packages: ['node'] },
  preload: { runsIn: "the page's sandboxed preload context", folders: ['shared'], packages: [], electron: ['contextBridge', 'ipcRenderer'] },
  renderer: { runsIn: 'the page (a browser)', folders: ['shared'], packages: ['ui'] },
};

/** Why a layer may not import another one, where the general rule is not the whole story. */
const folderReasons = {
  'main→emulator': 'main reaches the engine only by spawning its entry file (src/emulator/host/entry.ts); code both need belongs in src/node or src/shared.',
  'renderer→main': 'The renderer talks to main only through the app API client (src/renderer/platform).',
  'renderer→preload': 'The renderer sees the preload only as window.hangar (src/shared/bridge.ts).',
  'main→preload': 'main loads the built preload by path (dist/electron/preload.cjs), never imports it.',
  'preload→main': 'Anything the preload shares with main (IPC channel names, bridge types) lives in src/shared.',
};

const nodeBuiltins = builtinModules.filter((name) => !name.startsWith('_'));
const nodePackages = ['better-sqlite3', 'better-sqlite3/*', 'chokidar', 'ws', 'pngjs', 'fast-xml-parser', 'tsx', 'tsx/*'];
const uiPackages = ['react', 'react/*', 'react-dom', 'react-dom/*', '@mui/*', '@emotion/*', '@xterm/*'];
const listed = (names) => names.map((name) => `src/${name}`).join(', ');

/** The no-restricted-imports options of one layer's files (tests: folders only, plus test/). */
function restrictions(name, { test = false, electron } = {}) {
  const layer = layers[name];
  const head = `src/${name} runs in ${layer.runsIn}`;
  const paths = [];
  const patterns = Object.keys(layers)
    .filter((other) => other !== name && !layer.folders.includes(other))
    .map((other) => ({
      group: [`**/${other}/**`],
      message: `${head} and may import only ${listed([name, ...layer.folders])}; not src/${other}. ${folderReasons[`${name}→${other}`] ?? ''} ${see}`.replace(/ +/g, ' '),
    }));
  if (test) return { paths, patterns };
  if (name === 'shared') {
    patterns.push({ regex: '^[^.]', message: `${head}: it imports only other src/shared modules, no packages and no Node modules. ${see}` });
    return { paths, patterns };
  }
  if (!layer.packages.includes('node')) {
    const message = `${head}, where Node's modules do not exist. ${see}`;
    paths.push(...nodeBuiltins.map((module) => ({ name: module, message })));
    patterns.push({ group: ['node:*', ...nodePackages], message: `${head}, where Node's modules and Node-only packages do not exist. ${see}` });
  }
  if (!layer.packages.includes('ui')) patterns.push({ group: uiPackages, message: `${head}: React, MUI and xterm belong to src/renderer. ${see}` });
  if (!layer.packages.includes('engine')) patterns.push({ group: ['v86', 'v86/*'], message: `${head}: v86 runs only in the engine process (src/emulator). ${see}` });
  const allowedElectron = electron ?? layer.electron;
  if (allowedElectron === undefined) {
    const only = name === 'main' ? 'only the Electron shell (src/main/electron, ipc, windows) imports electron, so the core, CLI and web shell run without it' : 'only main\'s Electron shell and the preload import electron';
    paths.push({ name: 'electron', message: `${head}: ${only}. ${see}` });
  } else if (allowedElectron !== true) {
    paths.push({ name: 'electron', allowImportNames: allowedElectron, message: `${head}: from electron it may use only ${allowedElectron.join(' and ')}. ${see}` });
  }
  return { paths, patterns };
}

const tests = ['**/*.test.ts', '**/*.test.tsx'];
const boundary = (files, options, ignores = []) => ({ files, ignores, rules: { 'no-restricted-imports': ['error', options] } });
/** main's Electron shell: the folders that may import electron (docs/architecture.md §2). */
const electronShell = ['src/main/electron/**', 'src/main/ipc/**', 'src/main/windows/**'];

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', 'build/', 'coverage/', 'test-results/', '**/*.d.ts'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', URL: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      eqeqeq: ['error', 'always'],
    },
  },
  // One no-restricted-imports block per file (a later block replaces an earlier one's options):
  // a layer's code, its unit tests, and main's Electron shell.
  ...Object.keys(layers).flatMap((name) => [
    boundary([`src/${name}/**`], restrictions(name), [...tests, 'src/renderer/vite.config.ts']),
    boundary(tests.map((glob) => `src/${name}/${glob}`), restrictions(name, { test: true })),
  ]),
  boundary(electronShell, restrictions('main', { electron: true }), tests),
  // The renderer's API client gets its types from the schema check of each reply, never from a cast (issue 13.1).
  {
    files: ['src/renderer/platform/client.ts', 'src/renderer/platform/api-mapping.ts', 'src/renderer/platform/models.ts'],
    rules: { '@typescript-eslint/consistent-type-assertions': ['error', { assertionStyle: 'never' }] },
  },
);
