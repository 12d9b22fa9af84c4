// Lint configuration: typescript-eslint's recommended rules plus layer boundaries
// (DESIGN.md §3): shared imports nothing platform-specific, library and emulator never import
// Electron or React, renderer never imports Node, main reaches the engine only by spawning it.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const nodeModules = ['node:*', 'fs', 'path', 'child_process', 'net', 'os', 'crypto', 'better-sqlite3', 'chokidar'];
const restrict = (patterns, message) => ({
  'no-restricted-imports': ['error', { patterns: [{ group: patterns, message }] }],
});

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
  { files: ['src/shared/**'], ignores: ['**/*.test.ts'], rules: restrict([...nodeModules, 'electron', 'react', '@mui/*', '**/emulator/**', '**/library/**', '**/main/**', '**/renderer/**'], 'src/shared must stay platform-neutral.') },
  { files: ['src/emulator/**', 'src/library/**'], rules: restrict(['electron', 'react', 'react-dom', '@mui/*', '**/main/**', '**/renderer/**'], 'emulator and library never import Electron, React, main or renderer.') },
  { files: ['src/renderer/**'], ignores: ['**/*.test.ts', '**/*.test.tsx', 'src/renderer/vite.config.ts'], rules: restrict([...nodeModules, 'electron', '**/main/**', '**/emulator/**', '**/library/**'], 'The renderer talks only to the app API (src/renderer/platform).') },
  { files: ['src/main/**'], rules: restrict(['**/emulator/*/**', '**/renderer/**'], 'main reaches engines only by spawning their entry file.') },
);
