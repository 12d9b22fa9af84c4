/**
 * The control socket: whichever process holds the library (web shell, GUI, `hangar start
 * --headless`) serves the app API on `<library>/control.sock`, so other `hangar` commands talk
 * to it instead of opening the database themselves (as VBoxManage talks to VBoxSVC).
 *
 * Wire: newline-delimited JSON. Client → server `{id, call, args}`; server → client
 * `{id, result}` (result is `{ok, value} | {ok: false, error: {class, desc}}`) and every API
 * event as `{event, data}`. Calls are validated by the core like any other shell's.
 * The socket is 0600 and only the lock holder listens, so one found at start-up is stale and
 * replaced; it is removed on close.
 */
import { chmodSync, lstatSync, unlinkSync } from 'node:fs';
import { createServer } from 'node:net';
import type { Server, Socket } from 'node:net';
import { join } from 'node:path';
import type { ApiResult } from '../../shared/protocol/api/index.js';

/** The control socket of the library in `libraryRoot`. */
export function controlSocketPath(libraryRoot: string): string {
  return join(libraryRoot, 'control.sock');
}

/** Longest UNIX socket path Linux accepts (sun_path is 108 bytes with its NUL). */
export const maxSocketPathBytes = 107;
/** A request line longer than this is refused (the connection is closed). */
const maxLineBytes = 8 << 20;

/** What the control server serves: the core's call and subscribe. */
export interface ApiEndpoint {
  call(name: unknown, args: unknown): Promise<ApiResult<unknown>>;
  subscribe(listener: (event: { event: string; data: unknown }) => void): () => void;
}

export class ControlServer {
  private readonly connections = new Set<Socket>();
  /** Calls answered not yet: close() lets them reply (briefly) before dropping clients. */
  private inFlight = 0;
  private drained: (() => void) | undefined;
  private readonly removeOnExit = (): void => this.unlink();

  private constructor(
    readonly path: string,
    private readonly server: Server,
  ) {
    process.once('exit', this.removeOnExit);
  }

  /** Listens on `path` (replacing a stale socket there) and serves `endpoint`. */
  static async listen(path: string, endpoint: ApiEndpoint): Promise<ControlServer> {
    if (Buffer.byteLength(path) > maxSocketPathBytes) throw new Error(`The control socket path ${path} is longer than ${maxSocketPathBytes} bytes; use a shorter library folder (HANGAR_HOME).`);
    removeStale(path);
    const server = createServer();
    const control = new ControlServer(path, server);
    server.on('connection', (socket) => control.serve(socket, endpoint));
    // The socket file takes the umask's mode: make it 0600 from the start, not after a window.
    const previousMask = process.umask(0o177);
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(path, () => {
          server.off('error', reject);
          resolve();
        });
      });
    } finally {
      process.umask(previousMask);
    }
    chmodSync(path, 0o600);
    return control;
  }

  /** Stops listening, drops every client and removes the socket. */
  async close(): Promise<void> {
    process.off('exit', this.removeOnExit);
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    if (this.inFlight > 0) {
      // A call that ends this process (a poweroff that stops `start --headless`) still gets its answer.
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([new Promise<void>((resolve) => (this.drained = resolve)), new Promise<void>((resolve) => (timer = setTimeout(resolve, 3000)))]);
      clearTimeout(timer);
    }
    for (const socket of this.connections) socket.end();
    await new Promise((resolve) => setTimeout(resolve, 20));
    for (const socket of this.connections) socket.destroy();
    await closed;
    this.unlink();
  }

  private unlink(): void {
    try {
      unlinkSync(this.path);
    } catch {
      // Already gone.
    }
  }

  private serve(socket: Socket, endpoint: ApiEndpoint): void {
    this.connections.add(socket);
    socket.setEncoding('utf8');
    const send = (message: unknown): void => {
      if (!socket.destroyed && socket.writable) socket.write(`${JSON.stringify(message)}\n`);
    };
    const unsubscribe = endpoint.subscribe((event) => send(event));
    let buffer = '';
    socket.on('data', (text: string) => {
      buffer += text;
      if (buffer.length > maxLineBytes) {
        send({ id: null, result: { ok: false, error: { class: 'InvalidArgument', desc: `A request is longer than ${maxLineBytes} bytes.` } } });
        socket.end();
        return;
      }
      let newline: number;
      while ((newline = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, newline).trim();
        buffer = buffer.slice(newline + 1);
        if (line) this.handle(line, endpoint, send);
      }
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      unsubscribe();
      this.connections.delete(socket);
    });
  }

  private handle(line: string, endpoint: ApiEndpoint, send: (message: unknown) => void): void {
    let request: unknown;
    try {
      request = JSON.parse(line);
    } catch {
      send({ id: null, result: { ok: false, error: { class: 'InvalidArgument', desc: 'Each line must be a JSON object {id, call, args}.' } } });
      return;
    }
    if (typeof request !== 'object' || request === null || Array.isArray(request)) {
      send({ id: null, result: { ok: false, error: { class: 'InvalidArgument', desc: 'Each line must be a JSON object {id, call, args}.' } } });
      return;
    }
    const { id, call, args } = request as { id?: unknown; call?: unknown; args?: unknown };
    const replyId = typeof id === 'number' || typeof id === 'string' ? id : null;
    this.inFlight++;
    void endpoint
      .call(call, args)
      .then(
        (result) => send({ id: replyId, result }),
        (error: unknown) => send({ id: replyId, result: { ok: false, error: { class: 'EngineFailed', desc: error instanceof Error ? error.message : String(error) } } }),
      )
      .finally(() => {
        if (--this.inFlight === 0) this.drained?.();
      });
  }
}

/** Removes a leftover socket file; refuses to remove anything that is not a socket. */
function removeStale(path: string): void {
  let stat;
  try {
    stat = lstatSync(path);
  } catch {
    return;
  }
  if (!stat.isSocket()) throw new Error(`${path} exists and is not a socket; move it away so Hangar can create its control socket there.`);
  unlinkSync(path);
}
