/**
 * The control socket: whichever process holds the library (web shell, GUI, `hangar start
 * --headless`) serves the app API on `<library>/control.sock`, so other `hangar` commands talk
 * to it instead of opening the database themselves (as VBoxManage talks to VBoxSVC).
 *
 * Wire: newline-delimited JSON. Client → server `{id, call, args}`; server → client
 * `{id, result}` (result is `{ok, value} | {ok: false, error: {class, desc}}`) and every API
 * event as `{event, data}`. Calls are validated by the core like any other shell's. Framing is
 * the shared JsonStream in line mode: at most `maxRequestBytes` per request and 1024 levels of
 * nesting; a bad line is answered with `{id: null, result: {ok: false, …}}` and the next line
 * is read (an ASCII control character other than tab/CR/LF also resynchronises, as in QMP).
 * The socket is 0600 and only the lock holder listens, so one found at start-up is stale and
 * replaced; it is removed on close.
 */
import { chmodSync, lstatSync, unlinkSync } from 'node:fs';
import { createServer } from 'node:net';
import type { Server, Socket } from 'node:net';
import { join } from 'node:path';
import type { ApiResult } from '../../shared/protocol/api/index.js';
import { JsonStream } from '../../shared/protocol/json-stream.js';
import type { JsonStreamItem } from '../../shared/protocol/json-stream.js';

/** The control socket of the library in `libraryRoot`. */
export function controlSocketPath(libraryRoot: string): string {
  return join(libraryRoot, 'control.sock');
}

/** Longest UNIX socket path Linux accepts (sun_path is 108 bytes with its NUL). */
export const maxSocketPathBytes = 107;
/** A request line longer than this is refused (8 MiB; the rest of the line is skipped). */
export const maxRequestBytes = 8 << 20;

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
    // The umask is process-wide, so it is changed only around listen(), which binds (creates the
    // file) synchronously; restoring it before any await keeps other code's files out of it.
    let listening: Promise<void>;
    const previousMask = process.umask(0o177);
    try {
      listening = new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(path, () => {
          server.off('error', reject);
          resolve();
        });
      });
    } finally {
      process.umask(previousMask);
    }
    try {
      await listening;
    } catch (error) {
      control.detach();
      throw error;
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

  /** Forgets the exit hook of a server that never listened (nothing of it to remove). */
  private detach(): void {
    process.off('exit', this.removeOnExit);
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
    const send = (message: unknown): void => {
      if (!socket.destroyed && socket.writable) socket.write(`${JSON.stringify(message)}\n`);
    };
    const unsubscribe = endpoint.subscribe((event) => {
      try {
        send(event);
      } catch {
        // An event JSON cannot express is not this client's problem: it misses that event only.
      }
    });
    const stream = new JsonStream((item) => this.handle(item, endpoint, send), { maxBytes: maxRequestBytes, lines: true });
    // Bytes, not text: the framing decodes each line itself (and sees 0xFE/0xFF resync bytes).
    socket.on('data', (chunk: Buffer) => stream.push(chunk));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      unsubscribe();
      this.connections.delete(socket);
    });
  }

  private handle(item: JsonStreamItem, endpoint: ApiEndpoint, send: (message: unknown) => void): void {
    const refuse = (desc: string): void => send({ id: null, result: { ok: false, error: { class: 'InvalidArgument', desc } } });
    if (!item.ok) {
      refuse(`${item.error}. Each line must be a JSON object {id, call, args}.`);
      return;
    }
    const request = item.value;
    if (typeof request !== 'object' || request === null || Array.isArray(request)) {
      refuse('Each line must be a JSON object {id, call, args}.');
      return;
    }
    const { id, call, args } = request as { id?: unknown; call?: unknown; args?: unknown };
    const replyId = typeof id === 'number' || typeof id === 'string' ? id : null;
    const reply = (result: ApiResult<unknown>): void => {
      try {
        send({ id: replyId, result });
      } catch (error) {
        // A result JSON cannot express must still answer the call, not crash the process.
        send({ id: replyId, result: { ok: false, error: { class: 'EngineFailed', desc: `The result of ${describeCall(call)} could not be sent: ${describe(error)}` } } });
      }
    };
    this.inFlight++;
    // Promise.resolve().then: a call that throws synchronously is answered like one that rejects.
    void Promise.resolve()
      .then(() => endpoint.call(call, args))
      .then(reply, (error: unknown) => reply({ ok: false, error: { class: 'EngineFailed', desc: describe(error) } }))
      .catch(() => undefined) // The socket went away while answering: nothing left to tell.
      .finally(() => {
        if (--this.inFlight === 0) this.drained?.();
      });
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The call's name for a message, bounded (it may be any JSON value). */
function describeCall(call: unknown): string {
  return typeof call === 'string' ? call.slice(0, 80) : 'the call';
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
