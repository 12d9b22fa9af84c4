/**
 * A headless Chromium driven over the raw DevTools protocol, for the display benchmark. Only
 * the Page, Runtime and Input domains are used: no Network domain (Playwright enables network
 * monitoring, which copies every WebSocket frame into the driver as base64 and distorts what a
 * display benchmark measures). The browser is this process's child and dies with it.
 */
import type { ChildProcess } from 'node:child_process';
import { spawnOwned } from '../src/node/owned-child.js';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';

const CHROMIUM = '/usr/bin/chromium';

interface Pending {
  resolve(value: unknown): void;
  reject(error: Error): void;
}

/** One page (target) in the browser. */
export interface CdpPage {
  /** Sends a DevTools command in this page's session. */
  send(method: string, params?: Record<string, unknown>, timeoutMs?: number): Promise<Record<string, unknown>>;
  /** Evaluates an expression (awaiting a promise) and returns its JSON value. */
  evaluate<T>(expression: string, timeoutMs?: number): Promise<T>;
  /** Navigates and waits for the load event. */
  navigate(url: string): Promise<void>;
}

/** The browser: its process, and pages. */
export class CdpBrowser {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly loadWaiters = new Map<string, () => void>();

  private constructor(
    readonly process: ChildProcess,
    private readonly socket: WebSocket,
    private readonly profile: string,
  ) {
    socket.on('message', (data) => {
      const message = JSON.parse(String(data)) as { id?: number; result?: Record<string, unknown>; error?: { message: string }; method?: string; sessionId?: string };
      if (message.id !== undefined) {
        const waiter = this.pending.get(message.id);
        this.pending.delete(message.id);
        if (message.error) waiter?.reject(new Error(message.error.message));
        else waiter?.resolve(message.result ?? {});
      } else if (message.method === 'Page.loadEventFired' && message.sessionId) {
        this.loadWaiters.get(message.sessionId)?.();
      }
    });
  }

  /** Starts headless Chromium with a private profile and connects to it. */
  static async launch(width = 1400, height = 1000): Promise<CdpBrowser> {
    const profile = mkdtempSync(join(tmpdir(), 'hangar-bench-chromium-'));
    const child = spawnOwned(
      CHROMIUM,
      ['--headless=new', '--remote-debugging-port=0', `--user-data-dir=${profile}`, '--no-sandbox', '--disable-gpu', '--disable-background-networking',
        '--disable-component-update', '--disable-sync', '--no-first-run', `--window-size=${width},${height}`, 'about:blank'],
      { stdio: 'ignore' },
    );
    const deadline = Date.now() + 30_000;
    let port: string | undefined;
    while (port === undefined) {
      try {
        port = readFileSync(join(profile, 'DevToolsActivePort'), 'utf8').split('\n')[0];
      } catch {
        if (Date.now() > deadline || child.exitCode !== null) {
          child.kill('SIGKILL');
          throw new Error('Chromium did not open its DevTools port within 30 s (is /usr/bin/chromium installed?).');
        }
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
    const version = (await (await fetch(`http://127.0.0.1:${port}/json/version`)).json()) as { webSocketDebuggerUrl: string };
    const socket = new WebSocket(version.webSocketDebuggerUrl, { perMessageDeflate: false, maxPayload: 256 << 20 });
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
    });
    return new CdpBrowser(child, socket, profile);
  }

  /** Every process of the browser (the browser and its renderers, GPU and utility processes). */
  get pid(): number {
    return this.process.pid ?? 0;
  }

  private call(method: string, params: Record<string, unknown>, sessionId: string | undefined, timeoutMs: number): Promise<Record<string, unknown>> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`DevTools ${method} did not answer within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, {
        resolve: (value) => {
          clearTimeout(timer);
          resolve(value as Record<string, unknown>);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      });
      this.socket.send(JSON.stringify({ id, method, params, ...(sessionId ? { sessionId } : {}) }));
    });
  }

  /** Opens a page; `initScript` runs in every document before the page's own scripts. */
  async newPage(initScript?: string): Promise<CdpPage> {
    const { targetId } = (await this.call('Target.createTarget', { url: 'about:blank' }, undefined, 10_000)) as { targetId: string };
    const { sessionId } = (await this.call('Target.attachToTarget', { targetId, flatten: true }, undefined, 10_000)) as { sessionId: string };
    const send = (method: string, params: Record<string, unknown> = {}, timeoutMs = 30_000): Promise<Record<string, unknown>> => this.call(method, params, sessionId, timeoutMs);
    await send('Page.enable');
    if (initScript) await send('Page.addScriptToEvaluateOnNewDocument', { source: initScript });
    return {
      send,
      evaluate: async <T>(expression: string, timeoutMs = 60_000): Promise<T> => {
        const reply = (await send('Runtime.evaluate', { expression, awaitPromise: true, returnByValue: true }, timeoutMs)) as {
          result: { value?: unknown };
          exceptionDetails?: { exception?: { description?: string }; text: string };
        };
        if (reply.exceptionDetails) throw new Error(`page: ${reply.exceptionDetails.exception?.description ?? reply.exceptionDetails.text}`);
        return reply.result.value as T;
      },
      navigate: async (url: string): Promise<void> => {
        const loaded = new Promise<void>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error(`${url} did not load within 30 s`)), 30_000);
          this.loadWaiters.set(sessionId, () => {
            clearTimeout(timer);
            resolve();
          });
        });
        await send('Page.navigate', { url });
        await loaded;
      },
    };
  }

  /** Ends the browser and removes its profile. */
  async close(): Promise<void> {
    this.socket.close();
    const exited = new Promise((resolve) => this.process.once('exit', resolve));
    this.process.kill('SIGTERM');
    const timer = setTimeout(() => this.process.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
    // Chromium's helpers may still be writing the profile for a moment after the browser exits.
    for (let attempt = 0; ; attempt++) {
      try {
        rmSync(this.profile, { recursive: true, force: true });
        break;
      } catch (error) {
        if (attempt >= 20) throw error;
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    }
  }
}
