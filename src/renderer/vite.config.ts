// Builds the renderer (the app page and the component-test pages) into dist/renderer.
// JSX goes through the bundler's automatic React runtime; no React plugin is needed.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root,
  base: './',
  publicDir: false,
  logLevel: 'warn',
  oxc: { jsx: { runtime: 'automatic' } },
  build: {
    outDir: fileURLToPath(new URL('../../dist/renderer', import.meta.url)),
    emptyOutDir: true,
    sourcemap: true,
    chunkSizeWarningLimit: 2048,
    rollupOptions: {
      // MUI marks its modules "use client" for React Server Components; that means nothing here.
      onwarn(warning, warn) {
        if (warning.code !== 'MODULE_LEVEL_DIRECTIVE') warn(warning);
      },
      input: {
        index: `${root}index.html`,
        'testing/components': `${root}testing/components.html`,
      },
    },
  },
});
