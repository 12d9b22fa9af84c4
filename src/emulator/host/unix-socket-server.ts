/**
 * Serves QMP on a UNIX socket (several clients) in a folder only the user can enter (0700).
 * Replies and events go out one JSON object per line. A client that stops reading is dropped
 * rather than allowed to grow the engine's memory.
 */
import { chmodSync, mkdirSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import type { Server, Socket } from 'node:net';
import { dirname } from 'node:path';
import { JsonStream } from '../../shared/protocol/json-stream.js';
import type { Engine } from './engine.js';
import { QmpSession } from './qmp-session.js';

/** Output bytes a client may leave unread before it is disconnected. */
const maxClientBacklog = 16 * 1024 * 1024;
/** Largest QMP request accepted (1 MiB; the largest real one, a long send-key or paste, is a few KiB). */
export const maxRequestBytes = 1024 * 1024;

/** Makes sure `folder` exists with mode 0700; throws a clear error when it is wider. */
export function ensurePrivateFolder(folder: string): void {
  mkdirSync(folder, { recursive: true, mode: 0o700 });
  const mode = statSync(folder).mode & 0o777;
  if ((mode & 0o077) !== 0) {
    throw new Error(
      `The socket folder ${folder} has mode ${mode.toString(8)}; it must be 0700 so other users cannot reach the engine. Use a private folder (for example one from mktemp -d).`,
    );
  }
}

/** A listening QMP socket. */
export class UnixSocketServer {
  private readonly sockets = new Set<Socket>();
  private closed = false;

  private constructor(
    readonly path: string,
    private readonly server: Server,
  ) {}

  /** Listens on `path` (its folder must be private) and serves `engine`. */
  static async listen(path: string, engine: Engine): Promise<UnixSocketServer> {
    ensurePrivateFolder(dirname(path));
    rmSync(path, { force: true });
    const server = createServer();
    const instance = new UnixSocketServer(path, server);
    server.on('connection', (socket) => instance.serve(socket, engine));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(path, () => {
        server.off('error', reject);
        resolve();
      });
    });
    server.on('error', (error) => engine.log(`QMP socket error: ${error.message}`));
    // Like every file in the library, 0600 (its folder is 0700 too).
    chmodSync(path, 0o600);
    return instance;
  }

  private serve(socket: Socket, engine: Engine): void {
    this.sockets.add(socket);
    const send = (message: object): void => {
      if (socket.destroyed) return;
      if (socket.writableLength > maxClientBacklog) {
        engine.log('dropping a QMP client that stopped reading');
        socket.destroy();
        return;
      }
      socket.write(`${JSON.stringify(message)}\n`);
    };
    const session = new QmpSession(engine, send);
    // Bytes, not UTF-8 text: the framing sees 0xFE/0xFF resync bytes as QEMU does.
    const stream = new JsonStream((item) => session.receive(item), { maxBytes: maxRequestBytes });
    const unsubscribe = engine.onEvent((event) => session.event(event));
    socket.on('data', (chunk: Buffer) => stream.push(chunk));
    socket.on('error', () => socket.destroy());
    socket.on('close', () => {
      session.close();
      unsubscribe();
      this.sockets.delete(socket);
    });
    session.start();
  }

  /** Stops listening, disconnects clients (after flushing) and removes the socket file. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const socket of this.sockets) socket.end();
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        for (const socket of this.sockets) socket.destroy();
      }, 1000);
      this.server.close(() => {
        clearTimeout(timer);
        resolve();
      });
    });
    rmSync(this.path, { force: true });
  }
}
