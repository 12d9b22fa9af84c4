/**
 * The web shell: the renderer and the app API over HTTP + WebSocket on 127.0.0.1, a second
 * shell around the same core (docs/architecture.md §2). Every request and upgrade passes guard.ts.
 *
 * Sockets: `/api` carries JSON — `{id, call, args}` answered by `{id, result}`, and every API
 * event as `{event, data}` (api-socket.ts). `/display/<machine>` is binary: each frame is one
 * encodeDisplayMessage() message, the whole current screen first; text frames coming back are
 * `input-send-event` arguments (display-socket.ts). With `?encoding=deflate` (or `auto` from a
 * viewer not on loopback) large messages come as compressed envelopes (display-deflate.ts). With
 * `?transport=stream` the display messages come instead on a long-lived HTTP response,
 * `GET /display-stream/<id>`, named by the socket's first text frame (display-http-stream.ts).
 *
 * Hostile input: whoever can reach the port chooses every byte, and one crash here would end
 * every running guest, so nothing a client sends may throw out of a handler. Limits:
 * - HTTP: only GET/HEAD (else 405); a request target that is not `/path?query` or has a
 *   malformed %-escape gets 400; unparsable requests 400 (headers over Node's 16 KiB: 431).
 * - `/api` messages: at most 4 MiB (`apiMessageLimitBytes`); `/display` input messages: at most
 *   1 MiB (`displayMessageLimitBytes`); a larger frame is closed with 1009. JSON is nested at
 *   most `maxJsonNesting` (1024) levels; deeper, invalid or non-object JSON is answered with an
 *   InvalidArgument error and the connection stays open.
 * - WebSocket protocol errors: invalid UTF-8 in a text frame closes with 1007, reserved bits or
 *   other framing errors with 1002, a binary frame on `/api` with 1003.
 * Every refusal is logged as one line (rate-limited: refusal-log.ts).
 *
 * `close()` destroys every socket — WebSockets, HTTP keep-alive and half-sent requests, refused
 * upgrades a client keeps open — so it finishes promptly (well within 2 s). Close the shell
 * before the core, so no client calls into a closing core.
 */
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingMessage } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { WebSocketServer } from 'ws';
import type { HangarCore } from '../core/hangar-core.js';
import { apiMessageLimitBytes, serveApi } from './api-socket.js';
import { DisplayFeeds } from '../display/display-feed.js';
import type { EngineSession } from '../supervisor/index.js';
import { chooseDisplayEncoding } from './display-deflate.js';
import { DisplayHttpStreams, displayStreamPath } from './display-http-stream.js';
import { displayMessageLimitBytes, serveDisplay } from './display-socket.js';
import { checkRequest, requestTarget } from './guard.js';
import { createRefusalLog, quoteForLog } from './refusal-log.js';
import { serveFile } from './static-files.js';

/** Where `npm run build:renderer` puts the UI. */
export const defaultRendererDir = fileURLToPath(new URL('../../../dist/renderer/', import.meta.url));

export interface WebShellOptions {
  core: HangarCore;
  /** 0 (default) picks a free port. */
  port?: number;
  rendererDir?: string;
  /** Fixed token (tests); a random one otherwise. */
  token?: string;
  /** Where refusal lines go (default: stderr, prefixed "hangar web: "); rate-limited before this. */
  log?: (line: string) => void;
  /** Refusal lines written per window before the rest are only counted (default 20 per 60 s). */
  logLimit?: { burst: number; windowMs: number };
}

export interface WebShell {
  readonly port: number;
  readonly token: string;
  /** The URL to open, with the token. */
  readonly url: string;
  /** The display feeds of the `/display` sockets (flow control; tests lower its limit). */
  readonly displays: DisplayFeeds<EngineSession>;
  /** Stops serving and destroys every connection; resolves within about a second. */
  close(): Promise<void>;
}

const statusTexts: Record<number, string> = { 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 408: 'Request Timeout', 431: 'Request Header Fields Too Large', 500: 'Internal Server Error' };
/** How long close() waits for destroyed sockets to report closed before giving up on the server's callback. */
const closeWaitMs = 1_500;

/** Starts the web shell on 127.0.0.1. */
export async function startWebShell(options: WebShellOptions): Promise<WebShell> {
  const token = options.token ?? randomBytes(24).toString('base64url');
  const rendererDir = options.rendererDir ?? defaultRendererDir;
  const { core } = options;
  const refusals = createRefusalLog({ write: options.log ?? ((line) => process.stderr.write(`hangar web: ${line}\n`)), ...options.logLimit });
  const log = (line: string): void => refusals.log(line);
  let port = 0;
  /** Every TCP connection, whatever state it is in, so close() can end them all. */
  const connections = new Set<Socket>();
  const displayStreams = new DisplayHttpStreams();
  const server = createServer((request, response) => {
    try {
      const refusal = checkRequest(request, token, port);
      if (refusal) {
        log(`HTTP ${refusal.status} for ${request.method ?? '?'} ${quoteForLog(request.url ?? '')} from ${peerOf(request.socket)}: ${refusal.reason}`);
        return void response.writeHead(refusal.status, { 'content-type': 'text/plain; charset=utf-8' }).end(`${refusal.reason}\n`);
      }
      if (request.method !== 'GET' && request.method !== 'HEAD') {
        // Nothing here takes a body: do not read one, end the connection instead.
        return void response.writeHead(405, { allow: 'GET, HEAD', connection: 'close', 'content-type': 'text/plain; charset=utf-8' }).end('Only GET and HEAD are served here.\n');
      }
      const pathname = (requestTarget(request.url) as { pathname: string }).pathname;
      if (pathname.startsWith(displayStreamPath)) {
        if (request.method !== 'GET') return void response.writeHead(405, { allow: 'GET', 'content-type': 'text/plain; charset=utf-8' }).end('A display stream is only served to GET.\n');
        return void displayStreams.claim(pathname.slice(displayStreamPath.length), response);
      }
      serveFile(pathname, response, rendererDir, token);
    } catch (error) {
      log(`HTTP request ${quoteForLog(request.url ?? '')} failed: ${(error as Error).message}`);
      if (!response.headersSent) response.writeHead(500, { connection: 'close' }).end();
      else response.destroy();
    }
  });
  server.on('connection', (socket: Socket) => {
    connections.add(socket);
    socket.once('close', () => connections.delete(socket));
    // A reset or broken pipe from a client is not ours to report, and must never be unhandled.
    socket.on('error', () => undefined);
  });
  server.on('clientError', (error: Error & { code?: string }, socket: Duplex) => {
    if (error.code === 'ECONNRESET' || error.code === 'EPIPE') return void socket.destroy();
    const status = error.code === 'HPE_HEADER_OVERFLOW' ? 431 : error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
    log(`HTTP ${status} for an unparsable request from ${peerOf(socket as Socket)}: ${error.message}${error.code ? ` (${error.code})` : ''}`);
    refuseRaw(socket, status, 'The request could not be parsed.');
  });
  const apiSockets = new WebSocketServer({ noServer: true, maxPayload: apiMessageLimitBytes });
  const displaySockets = new WebSocketServer({ noServer: true, maxPayload: displayMessageLimitBytes });
  const displayFeeds = new DisplayFeeds<EngineSession>();
  for (const sockets of [apiSockets, displaySockets]) {
    // Listening makes ws leave the answer to us (it would otherwise answer 400 unlogged).
    sockets.on('wsClientError', (error: Error, socket: Duplex, request: IncomingMessage) => {
      log(`WebSocket handshake for ${quoteForLog(request.url ?? '')} from ${peerOf(socket as Socket)} refused: ${error.message}`);
      refuseRaw(socket, 400, error.message);
    });
  }
  server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    try {
      const refusal = checkRequest(request, token, port);
      if (refusal) {
        log(`WebSocket upgrade ${refusal.status} for ${quoteForLog(request.url ?? '')} from ${peerOf(socket as Socket)}: ${refusal.reason}`);
        return void refuseRaw(socket, refusal.status, refusal.reason);
      }
      const target = requestTarget(request.url) as { pathname: string; searchParams: URLSearchParams };
      const path = target.pathname;
      const peer = peerOf(socket as Socket);
      if (path === '/api') return void apiSockets.handleUpgrade(request, socket, head, (ws) => serveApi(ws, core, log, peer));
      const session = path.startsWith('/display/') ? core.engineSession(path.slice('/display/'.length)) : undefined;
      if (!session) return void refuseRaw(socket, 404, path.startsWith('/display/') ? 'That machine is not running.' : 'No such socket: use /api or /display/<machine>.');
      const encoding = chooseDisplayEncoding(target.searchParams.get('encoding'), (socket as Socket).remoteAddress);
      const transport = target.searchParams.get('transport') === 'stream' ? 'stream' : 'socket';
      displaySockets.handleUpgrade(request, socket, head, (ws) => serveDisplay(ws, displayFeeds.feed(session), session, log, peer, encoding, transport, displayStreams));
    } catch (error) {
      log(`WebSocket upgrade ${quoteForLog(request.url ?? '')} failed: ${(error as Error).message}`);
      refuseRaw(socket, 500, 'Internal error.');
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  port = (server.address() as AddressInfo).port;
  let closing: Promise<void> | undefined;
  return {
    port,
    token,
    url: `http://127.0.0.1:${port}/?token=${token}`,
    displays: displayFeeds,
    close() {
      closing ??= (async () => {
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        displayFeeds.dispose();
        displayStreams.dispose();
        for (const ws of [...apiSockets.clients, ...displaySockets.clients]) ws.terminate();
        apiSockets.close();
        displaySockets.close();
        for (const socket of connections) socket.destroy();
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([closed, new Promise<void>((resolve) => (timer = setTimeout(resolve, closeWaitMs)))]);
        clearTimeout(timer);
        refusals.flush();
      })();
      return closing;
    },
  };
}

/**
 * Answers a socket outside Node's response machinery (a refused upgrade, an unparsable request)
 * and destroys it once the answer is written: the server keeps upgrade sockets half-open, and a
 * client that never closes its side would otherwise hold it (and close()) forever.
 */
function refuseRaw(socket: Duplex, status: number, reason: string): void {
  if (!socket.writable) return void socket.destroy();
  const body = `${reason}\n`;
  socket.end(
    `HTTP/1.1 ${status} ${statusTexts[status] ?? 'Error'}\r\nconnection: close\r\ncontent-type: text/plain; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    () => socket.destroy(),
  );
}

function peerOf(socket: Socket): string {
  return `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`;
}
