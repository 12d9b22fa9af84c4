/**
 * Builds the Electron shell into dist/electron: main.js (ESM, the main-process entry) and
 * preload.cjs (one CommonJS file, as sandboxed preloads must be). Packages stay external for
 * main (node_modules is next to dist/ in the checkout and in the package); the preload bundles
 * everything but `electron`. engine/ holds the engine (host entry and backends) as plain
 * JavaScript, which the built main forks (a main running from source forks the TypeScript
 * entry with the tsx loader instead).
 *
 *   node --import tsx scripts/build-electron.ts [OUT_DIR]
 */
import { build } from 'esbuild';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

/** Bundles main, preload and the engine into `outDir` (dist/electron by default); returns the two files. */
export async function buildElectron(outDir: string = join(root, 'dist', 'electron')): Promise<{ main: string; preload: string; engine: string }> {
  const main = join(outDir, 'main.js');
  const preload = join(outDir, 'preload.cjs');
  const common = { bundle: true, sourcemap: true, logLevel: 'warning', legalComments: 'none', absWorkingDir: root } as const;
  await Promise.all([
    build({
      ...common,
      entryPoints: [join(root, 'src/main/electron/main.ts')],
      outfile: main,
      platform: 'node',
      format: 'esm',
      target: 'node22',
      packages: 'external',
    }),
    build({
      ...common,
      entryPoints: [join(root, 'src/preload/preload.ts')],
      outfile: preload,
      platform: 'node',
      format: 'cjs',
      target: 'chrome140',
      external: ['electron'],
    }),
    // The engine, for a built main to fork without a TypeScript loader. The backends stay separate
    // entries at their source-relative places (host/backends.ts imports '../<engine>/index.js'),
    // and code they share with the host is split into chunks, so there is one copy of each class.
    build({
      ...common,
      entryPoints: {
        'host/entry': join(root, 'src/emulator/host/entry.ts'),
        // Started by display-outlet.ts (in host/entry) from beside it, as a worker thread.
        'host/display-worker': join(root, 'src/emulator/host/display-worker.ts'),
        'v86/index': join(root, 'src/emulator/v86/index.ts'),
        'qemu/index': join(root, 'src/emulator/qemu/index.ts'),
      },
      outdir: join(outDir, 'engine'),
      splitting: true,
      chunkNames: 'chunks/[name]-[hash]',
      platform: 'node',
      format: 'esm',
      target: 'node22',
      packages: 'external',
    }),
  ]);
  return { main, preload, engine: join(outDir, 'engine', 'host', 'entry.js') };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const out = process.argv[2] ? resolve(process.argv[2]) : undefined;
  buildElectron(out).then(
    (files) => console.log(`Built the Electron shell: ${files.main}, ${files.preload}, ${files.engine}`),
    (error: unknown) => {
      console.error(`build:electron failed: ${error instanceof Error ? error.message : String(error)}`);
      process.exit(1);
    },
  );
}
