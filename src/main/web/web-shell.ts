/**
 * The web shell: the renderer and the app API over HTTP + WebSocket on 127.0.0.1, a second
 * shell around the same core (DESIGN.md §2). Every request and upgrade passes guard.ts.
 *
 * Sockets: `/api` carries JSON — `{id, call, args}` answered by `{id, result}`, and every API
 * event as `{event, data}`. `/display/<machine>` is binary: each frame is one
 * encodeDisplayMessage() message, the whole current screen first; text frames coming back are
 * `input-send-event` arguments (a refused event is answered by a text frame `{error: {class, desc}}`).
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { WebSocketServer } from 'ws';
import type { WebSocket } from 'ws';
import { encodeDisplayMessage } from '../../shared/protocol/display-codec.js';
import type { DisplayMessage } from '../../shared/protocol/display.js';
import type { HangarCore } from '../core/hangar-core.js';
import type { EngineSession } from '../supervisor/index.js';
import { checkRequest, tokenCookie } from './guard.js';

/** Where `npm run build:renderer` puts the UI. */
export const defaultRendererDir = fileURLToPath(new URL('../../../dist/renderer/', import.meta.url));

export interface WebShellOptions {
  core: HangarCore;
  /** 0 (default) picks a free port. */
  port?: number;
  rendererDir?: string;
  /** Fixed token (tests); a random one otherwise. */
  token?: string;
}

export interface WebShell {
  readonly port: number;
  readonly token: string;
  /** The URL to open, with the token. */
  readonly url: string;
  close(): Promise<void>;
}

const contentTypes: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
  '.wasm': 'application/wasm',
};
/** A viewer further behind than this loses intermediate frames instead of stalling anything. */
const displayBacklogBytes = 16 << 20;

/** Starts the web shell on 127.0.0.1. */
export async function startWebShell(options: WebShellOptions): Promise<WebShell> {
  const token = options.token ?? randomBytes(24).toString('base64url');
  const rendererDir = options.rendererDir ?? defaultRendererDir;
  const { core } = options;
  let port = 0;
  const server = createServer((request, response) => {
    const refusal = checkRequest(request, token, port);
    if (refusal) return void response.writeHead(refusal.status, { 'content-type': 'text/plain; charset=utf-8' }).end(`${refusal.reason}\n`);
    serveFile(request, response, rendererDir, token);
  });
  const apiSockets = new WebSocketServer({ noServer: true, maxPayload: 4 << 20 });
  const displaySockets = new WebSocketServer({ noServer: true, maxPayload: 1 << 20 });
  server.on('upgrade', (request, socket, head) => {
    const refusal = checkRequest(request, token, port);
    const path = new URL(request.url ?? '/', 'http://localhost').pathname;
    if (refusal) {
      socket.end(`HTTP/1.1 ${refusal.status} ${refusal.status === 401 ? 'Unauthorized' : 'Forbidden'}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`);
      return;
    }
    if (path === '/api') apiSockets.handleUpgrade(request, socket, head, (ws) => serveApi(ws, core));
    else if (path.startsWith('/display/')) {
      const session = core.engineSession(decodeURIComponent(path.slice('/display/'.length)));
      if (!session) return void socket.end('HTTP/1.1 404 Not Found\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
      displaySockets.handleUpgrade(request, socket, head, (ws) => serveDisplay(ws, session));
    } else socket.end('HTTP/1.1 404 Not Found\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  port = (server.address() as AddressInfo).port;
  return {
    port,
    token,
    url: `http://127.0.0.1:${port}/?token=${token}`,
    async close() {
      for (const ws of [...apiSockets.clients, ...displaySockets.clients]) ws.terminate();
      apiSockets.close();
      displaySockets.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * One display viewer. The session gives every new subscriber the whole current screen first
 * (so a second tab or a reconnect is drawn at once), then live messages. A viewer that falls
 * behind by more than `displayBacklogBytes` misses messages rather than holding anything up;
 * once its socket has drained it gets the whole current screen again (latest kept).
 * Closing the socket only detaches this viewer: the guest keeps running.
 */
function serveDisplay(ws: WebSocket, session: EngineSession): void {
  let behind = false;
  let drainTimer: NodeJS.Timeout | undefined;
  const send = (message: DisplayMessage): void => {
    if (ws.readyState === ws.OPEN) ws.send(encodeDisplayMessage(message));
  };
  const catchUp = (): void => {
    if (ws.readyState !== ws.OPEN) return;
    if (ws.bufferedAmount > 0) return;
    clearInterval(drainTimer);
    drainTimer = undefined;
    behind = false;
    for (const message of session.screen()) send(message);
  };
  const stop = session.onDisplay((message) => {
    if (behind || ws.readyState !== ws.OPEN) return;
    if (ws.bufferedAmount > displayBacklogBytes) {
      behind = true;
      drainTimer = setInterval(catchUp, 50);
      return;
    }
    send(message);
  });
  ws.on('message', (data, isBinary) => {
    if (isBinary) return;
    let args: unknown;
    try {
      args = JSON.parse(String(data));
    } catch {
      return;
    }
    if (typeof args !== 'object' || args === null) return;
    // Input is fire-and-forget for speed; a refusal comes back as a text frame so the view can say why.
    session.execute('input-send-event', args as Record<string, unknown>).catch((error: Error & { errorClass?: string }) => {
      if (ws.readyState === ws.OPEN) ws.send(JSON.stringify({ error: { class: error.errorClass ?? 'EngineFailed', desc: error.message } }));
    });
  });
  ws.on('close', () => {
    stop();
    clearInterval(drainTimer);
  });
}

function serveApi(ws: WebSocket, core: HangarCore): void {
  const unsubscribe = core.subscribe((event) => {
    if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(event));
  });
  ws.on('close', unsubscribe);
  ws.on('message', (data) => {
    let request: { id?: unknown; call?: unknown; args?: unknown };
    try {
      request = JSON.parse(String(data)) as typeof request;
    } catch {
      ws.send(JSON.stringify({ id: null, result: { ok: false, error: { class: 'InvalidArgument', desc: 'Messages must be JSON objects {id, call, args}.' } } }));
      return;
    }
    const id = typeof request.id === 'number' || typeof request.id === 'string' ? request.id : null;
    void core.call(request.call, request.args).then((result) => {
      if (ws.readyState === ws.OPEN) ws.send(JSON.stringify({ id, result }));
    });
  });
}

function serveFile(request: IncomingMessage, response: ServerResponse, rendererDir: string, token: string): void {
  const pathname = decodeURIComponent(new URL(request.url ?? '/', 'http://localhost').pathname);
  const headers = {
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'set-cookie': `${tokenCookie}=${token}; HttpOnly; SameSite=Strict; Path=/`,
  };
  const indexFile = join(rendererDir, 'index.html');
  if (!existsSync(indexFile)) {
    if (pathname !== '/') return void response.writeHead(404, headers).end();
    response.writeHead(200, { ...headers, 'content-type': 'text/html; charset=utf-8' });
    response.end(
      '<!doctype html><meta charset="utf-8"><title>Hangar</title><h1>Hangar</h1>' +
        '<p>The user interface is not built. Build it with <code>npm run build:renderer</code>, then reload this page.</p>',
    );
    return;
  }
  const relative = pathname === '/' ? 'index.html' : normalize(pathname).replace(/^[/\\]+/, '');
  const file = join(rendererDir, relative);
  // Never outside the renderer folder, and never the UI test harness pages.
  if (!file.startsWith(rendererDir.endsWith(sep) ? rendererDir : rendererDir + sep) || relative.split(/[/\\]/)[0] === 'testing') {
    return void response.writeHead(404, headers).end();
  }
  let isFile = false;
  try {
    isFile = statSync(file).isFile();
  } catch {
    // Missing: 404 below.
  }
  if (!isFile) return void response.writeHead(404, headers).end();
  response.writeHead(200, { ...headers, 'content-type': contentTypes[extname(file)] ?? 'application/octet-stream' });
  response.end(readFileSync(file));
}
