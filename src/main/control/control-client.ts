/**
 * A client of the control socket (see control-server.ts): `{id, call, args}` lines out,
 * `{id, result}` and `{event, data}` lines in. Every call has a timeout.
 */
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import type { ApiResult } from '../../shared/protocol/api/index.js';
import { JsonStream } from '../../shared/protocol/json-stream.js';

/** Largest answer or event read from the instance (results carry whole lists, a screen's text…). */
const maxAnswerBytes = 64 << 20;

/** Default time a call over the socket may take. */
export const defaultCallTimeoutMs = 120_000;

interface Pending {
  resolve(result: ApiResult<unknown>): void;
  timer: NodeJS.Timeout;
  name: string;
}

export class ControlClient {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly listeners = new Set<(event: { event: string; data: unknown }) => void>();
  private closedReason: string | undefined;

  private constructor(
    readonly path: string,
    private readonly socket: Socket,
  ) {
    // A line that cannot be read is skipped: a call it answered then times out with a clear message.
    const stream = new JsonStream((item) => {
      if (item.ok) this.receive(item.value);
    }, { maxBytes: maxAnswerBytes, lines: true });
    socket.on('data', (chunk: Buffer) => stream.push(chunk));
    socket.on('error', () => undefined);
    socket.on('close', () => this.fail('The Hangar instance holding the library closed the control connection.'));
  }

  /**
   * Connects to the control socket; resolves undefined when nothing listens there (no socket
   * file, or a stale one), and rejects only on a timeout.
   */
  static connect(path: string, timeoutMs = 5000): Promise<ControlClient | undefined> {
    return new Promise((resolve, reject) => {
      const socket = connect(path);
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error(`The control socket ${path} did not accept a connection within ${timeoutMs} ms; the Hangar instance holding the library may be hung.`));
      }, timeoutMs);
      socket.once('connect', () => {
        clearTimeout(timer);
        resolve(new ControlClient(path, socket));
      });
      socket.once('error', (error: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        if (error.code === 'ENOENT' || error.code === 'ECONNREFUSED' || error.code === 'ENOTSOCK') resolve(undefined);
        else reject(new Error(`Cannot connect to the control socket ${path}: ${error.message}`));
      });
    });
  }

  /** Runs one API call on the instance holding the library. */
  call(name: string, args: unknown = {}, timeoutMs = defaultCallTimeoutMs): Promise<ApiResult<unknown>> {
    if (this.closedReason) return Promise.resolve({ ok: false, error: { class: 'Unavailable', desc: this.closedReason } });
    const id = this.nextId++;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        resolve({ ok: false, error: { class: 'Timeout', desc: `${name} got no answer over the control socket within ${Math.round(timeoutMs / 1000)} s.` } });
      }, timeoutMs);
      this.pending.set(id, { resolve, timer, name });
      this.socket.write(`${JSON.stringify({ id, call: name, args })}\n`);
    });
  }

  /** Listens to API events the instance publishes; returns the unsubscribe function. */
  onEvent(listener: (event: { event: string; data: unknown }) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  close(): void {
    this.socket.end();
    this.socket.destroy();
    this.fail('The control connection is closed.');
  }

  private receive(value: unknown): void {
    if (typeof value !== 'object' || value === null) return;
    const message = value as { id?: unknown; result?: ApiResult<unknown>; event?: string; data?: unknown };
    if (typeof message.event === 'string') {
      for (const listener of this.listeners) listener({ event: message.event, data: message.data });
      return;
    }
    if (typeof message.id !== 'number' || !message.result) return;
    const pending = this.pending.get(message.id);
    if (!pending) return;
    this.pending.delete(message.id);
    clearTimeout(pending.timer);
    pending.resolve(message.result);
  }

  private fail(reason: string): void {
    this.closedReason ??= reason;
    for (const [, pending] of this.pending) {
      clearTimeout(pending.timer);
      pending.resolve({ ok: false, error: { class: 'Unavailable', desc: `${pending.name}: ${reason}` } });
    }
    this.pending.clear();
  }
}
