/**
 * Component tests in a real browser: builds the renderer (app + test pages) with vite into a
 * temp folder, serves it on loopback, and drives Debian's Chromium with playwright-core. No tool
 * ever downloads a browser.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import type { BrowserContext, Page } from 'playwright-core';

/** Debian's Chromium. */
export const CHROMIUM = '/usr/bin/chromium';
/** Chromium's flags on this machine: no sandbox (root), no GPU, nothing fetched from the network. */
export const CHROMIUM_ARGS: readonly string[] = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];
const configFile = fileURLToPath(new URL('../../src/renderer/vite.config.ts', import.meta.url));

const types: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
};

/** A built renderer served over HTTP and a browser to look at it. Call `close` in `after`. */
export interface UiHarness {
  readonly baseUrl: string;
  readonly outDir: string;
  /** A new page in a fresh browser context with this device-pixel ratio and colour scheme. */
  newPage(options?: { deviceScaleFactor?: number; colorScheme?: 'light' | 'dark'; width?: number; height?: number }): Promise<Page>;
  close(): Promise<void>;
}

/**
 * Builds the renderer into `outDir` (a temp folder, not dist/, which other runs may be using).
 * One build per content: the bundle is built once into a cache folder named by a hash of what
 * goes into it (the renderer and shared sources, the vite config, the lockfile) and copied from
 * there, so the ten or so suites that need it do not each spend half a minute in vite.
 */
export async function buildRenderer(outDir: string): Promise<void> {
  const cacheRoot = join(tmpdir(), 'hangar-renderer-builds');
  const built = join(cacheRoot, await rendererInputsHash());
  if (!existsSync(join(built, 'index.html'))) {
    await mkdir(cacheRoot, { recursive: true });
    // Suites starting together (the runner starts two files at once) would each build: the
    // first to take the lock builds, the others wait for it and copy its build.
    await withBuildLock(cacheRoot, async () => {
      if (existsSync(join(built, 'index.html'))) return;
      // Built aside and renamed into place, so a suite never copies half a build (also without
      // the lock, e.g. when a stale one was broken).
      const staging = await mkdtemp(join(cacheRoot, 'staging-'));
      try {
        await runViteBuild(staging);
        await rename(staging, built).catch((error: NodeJS.ErrnoException) => {
          if (error.code !== 'ENOTEMPTY' && error.code !== 'EEXIST') throw error;
        });
      } finally {
        await rm(staging, { recursive: true, force: true });
      }
      await pruneOldBuilds(cacheRoot, built);
    });
  }
  await cp(built, outDir, { recursive: true });
}

/** Longest a build may hold the lock (runViteBuild's own timeout, and a margin). */
const buildLockStaleMs = 360_000;

/**
 * Runs `work` holding a lock folder in `cacheRoot` (mkdir is atomic). A lock older than any build
 * may take was left by a killed run and is broken; waiting gives up after twice that.
 */
export async function withBuildLock(cacheRoot: string, work: () => Promise<void>): Promise<void> {
  const lock = join(cacheRoot, 'build.lock');
  const deadline = Date.now() + 2 * buildLockStaleMs;
  for (;;) {
    try {
      await mkdir(lock);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const info = await stat(lock).catch(() => undefined);
    if (info !== undefined && Date.now() - info.mtimeMs > buildLockStaleMs) {
      await rm(lock, { recursive: true, force: true });
      continue;
    }
    if (Date.now() > deadline) throw new Error(`Waited ${(2 * buildLockStaleMs) / 1000} s for the renderer build lock ${lock}; if no test run is building, remove it and run again.`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  try {
    await work();
  } finally {
    await rm(lock, { recursive: true, force: true });
  }
}

/** A hash of every input of the renderer bundle. */
async function rendererInputsHash(): Promise<string> {
  const hash = createHash('sha256');
  const repository = fileURLToPath(new URL('../../', import.meta.url));
  for (const folder of ['src/renderer', 'src/shared']) {
    const entries = (await readdir(join(repository, folder), { recursive: true, withFileTypes: true }))
      .filter((entry) => entry.isFile())
      .map((entry) => join(entry.parentPath, entry.name))
      .sort();
    for (const file of entries) hash.update(file).update('\0').update(await readFile(file)).update('\0');
  }
  for (const file of ['package-lock.json']) hash.update(await readFile(join(repository, file)));
  return hash.digest('hex').slice(0, 24);
}

/** Removes cached builds other than `keep` that are more than an hour old (sources changed since). */
async function pruneOldBuilds(cacheRoot: string, keep: string): Promise<void> {
  const hourAgo = Date.now() - 3_600_000;
  for (const name of await readdir(cacheRoot)) {
    const path = join(cacheRoot, name);
    if (path === keep) continue;
    const info = await stat(path).catch(() => undefined);
    if (info !== undefined && info.mtimeMs < hourAgo) await rm(path, { recursive: true, force: true });
  }
}

async function runViteBuild(outDir: string): Promise<void> {
  // In a child process: vite's build listens on its process's stdin (to stop when a parent goes
  // away, unless CI=true) and leaves the stdin handle open, which the leak check refuses.
  const viteBin = fileURLToPath(new URL('../../node_modules/vite/bin/vite.js', import.meta.url));
  await new Promise<void>((resolve, reject) => {
    execFile(process.execPath, [viteBin, 'build', '--config', configFile, '--outDir', outDir, '--emptyOutDir', '--sourcemap', 'false', '--logLevel', 'error'], { maxBuffer: 16 << 20, timeout: 300_000 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`The renderer build failed: ${error.message}\n${stdout}${stderr}`));
      else resolve();
    });
  });
}

function serve(root: string): Promise<{ server: Server; url: string }> {
  const server = createServer((request, response) => {
    void (async () => {
      if (request.url === '/favicon.ico') {
        response.writeHead(204).end();
        return;
      }
      const path = normalize(decodeURIComponent(new URL(request.url ?? '/', 'http://x').pathname)).replace(/^(\.\.[/\\])+/, '');
      const file = join(root, path.endsWith('/') ? `${path}index.html` : path);
      if (!file.startsWith(root)) {
        response.writeHead(403).end();
        return;
      }
      try {
        const body = await readFile(file);
        response.writeHead(200, { 'content-type': types[extname(file)] ?? 'application/octet-stream' }).end(body);
      } catch {
        response.writeHead(404).end('not found');
      }
    })();
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      if (address === null || typeof address === 'string') reject(new Error('The test server has no TCP address.'));
      else resolve({ server, url: `http://127.0.0.1:${address.port}` });
    });
  });
}

/** Builds, serves and opens a browser. */
export async function startHarness(): Promise<UiHarness> {
  const work = await mkdtemp(join(tmpdir(), 'hangar-ui-'));
  const outDir = join(work, 'renderer');
  await buildRenderer(outDir);
  const { server, url } = await serve(outDir);
  const contexts: BrowserContext[] = [];
  let profile = 0;
  return {
    baseUrl: url,
    outDir,
    async newPage(options = {}) {
      const context = await chromium.launchPersistentContext(join(work, `profile-${profile++}`), {
        executablePath: CHROMIUM,
        headless: true,
        args: [...CHROMIUM_ARGS],
        viewport: { width: options.width ?? 1100, height: options.height ?? 760 },
        deviceScaleFactor: options.deviceScaleFactor ?? 1,
        colorScheme: options.colorScheme ?? 'light',
        timeout: 60_000,
      });
      contexts.push(context);
      const page = context.pages()[0] ?? (await context.newPage());
      const errors: string[] = [];
      page.on('pageerror', (error) => errors.push(error.message));
      page.on('console', (message) => {
        if (message.type() === 'error') errors.push(message.text());
      });
      errorLog.set(page, errors);
      return page;
    },
    async close() {
      for (const context of contexts) await context.close().catch(() => undefined);
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await rm(work, { recursive: true, force: true });
    },
  };
}

/** Errors the page logged (uncaught exceptions and console.error). */
export function pageErrors(page: Page): string[] {
  return errorLog.get(page) ?? [];
}

const errorLog = new WeakMap<Page, string[]>();

/** Opens the component-test page and waits for its API. */
export async function openComponentPage(harness: UiHarness, page: Page): Promise<void> {
  await page.goto(`${harness.baseUrl}/testing/components.html`, { timeout: 60_000 });
  await page.waitForFunction('window.hangarTest?.ready === true', undefined, { timeout: 60_000 });
}

/** Where screenshots go, to look at after a run. */
export const SCREENSHOT_DIR = process.env.HANGAR_UI_SCREENSHOTS ?? join(tmpdir(), 'hangar-ui-screenshots');
