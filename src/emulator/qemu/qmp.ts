/**
 * A QMP client for talking to a QEMU process over its UNIX socket: reads the greeting,
 * negotiates capabilities, runs commands with a timeout and delivers asynchronous events.
 */
import { connect, type Socket } from 'node:net';
import { JsonStream } from '../../shared/protocol/json-stream.js';

/** Largest message read from QEMU (its biggest answers, such as query-qmp-schema, are a few hundred KiB). */
const maxMessageBytes = 16 << 20;

/** An error answer from QEMU (or a local failure such as a timeout or a closed socket). */
export class QmpError extends Error {
  constructor(
    readonly errorClass: string,
    message: string,
  ) {
    super(message);
    this.name = 'QmpError';
  }
}

/** An asynchronous QMP event. */
export interface QmpEvent {
  readonly event: string;
  readonly data: Record<string, unknown>;
}

interface Pending {
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: Error) => void;
  readonly timer: NodeJS.Timeout;
  readonly name: string;
}

/** A negotiated QMP connection. Owner calls `close()`. */
export class QmpClient {
  private readonly stream = new JsonStream(
    (item) => {
      // QEMU writes valid JSON; anything else (a truncated line as it dies) is not an answer.
      if (item.ok && typeof item.value === 'object' && item.value !== null && !Array.isArray(item.value)) this.dispatch(item.value as Record<string, unknown>);
    },
    { maxBytes: maxMessageBytes },
  );
  private nextId = 1;
  private readonly pending = new Map<string, Pending>();
  private closedReason: string | undefined;
  private readonly eventListeners = new Set<(event: QmpEvent) => void>();
  private readonly closeListeners = new Set<(reason: string) => void>();
  private greetingWaiter: ((greeting: Record<string, unknown>) => void) | undefined;

  private constructor(private readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => this.stream.push(chunk));
    socket.on('error', (error) => this.shutdown(`QMP socket error: ${error.message}`));
    socket.on('close', () => this.shutdown('QMP connection closed (QEMU exited?)'));
  }

  /**
   * Connects to `path`, retrying while the socket does not exist yet, and negotiates
   * capabilities. Rejects after `timeoutMs`.
   */
  static async open(path: string, timeoutMs = 10_000, abort?: () => string | undefined): Promise<QmpClient> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const reason = abort?.();
      if (reason !== undefined) throw new QmpError('GenericError', reason);
      try {
        const socket = await connectOnce(path);
        const client = new QmpClient(socket);
        try {
          await client.negotiate(Math.max(1000, deadline - Date.now()));
        } catch (error) {
          client.close();
          throw error;
        }
        return client;
      } catch (error) {
        if (Date.now() > deadline) {
          throw new QmpError('GenericError', `cannot connect to QEMU's QMP socket ${path}: ${(error as Error).message}`);
        }
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    }
  }

  private async negotiate(timeoutMs: number): Promise<void> {
    await new Promise<Record<string, unknown>>((resolve, reject) => {
      const timer = setTimeout(() => reject(new QmpError('GenericError', 'no QMP greeting from QEMU')), timeoutMs);
      this.greetingWaiter = (greeting) => {
        clearTimeout(timer);
        resolve(greeting);
      };
      this.closeListeners.add((reason) => {
        clearTimeout(timer);
        reject(new QmpError('GenericError', reason));
      });
    });
    this.closeListeners.clear();
    await this.execute('qmp_capabilities', {}, timeoutMs);
  }

  /** Subscribes to events; returns an unsubscribe function. */
  onEvent(listener: (event: QmpEvent) => void): () => void {
    this.eventListeners.add(listener);
    return () => this.eventListeners.delete(listener);
  }

  /** Called once when the connection ends. */
  onClose(listener: (reason: string) => void): void {
    if (this.closedReason !== undefined) listener(this.closedReason);
    else this.closeListeners.add(listener);
  }

  /** True until the connection ends. */
  get open(): boolean {
    return this.closedReason === undefined;
  }

  /** Runs a command; rejects with QmpError on an error answer, a timeout or a closed socket. */
  execute<T = unknown>(name: string, args: Record<string, unknown> = {}, timeoutMs = 30_000): Promise<T> {
    if (this.closedReason !== undefined) return Promise.reject(new QmpError('GenericError', this.closedReason));
    const id = `h${this.nextId++}`;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new QmpError('GenericError', `QEMU did not answer ${name} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, { resolve: resolve as (value: unknown) => void, reject, timer, name });
      const message: Record<string, unknown> = { execute: name, id };
      if (Object.keys(args).length > 0) message.arguments = args;
      this.socket.write(`${JSON.stringify(message)}\n`);
    });
  }

  /** Closes the connection; pending commands fail. */
  close(): void {
    this.socket.destroy();
    this.shutdown('QMP connection closed');
  }

  private dispatch(message: Record<string, unknown>): void {
    if ('QMP' in message) {
      this.greetingWaiter?.(message);
      this.greetingWaiter = undefined;
      return;
    }
    if (typeof message.event === 'string') {
      const event: QmpEvent = { event: message.event, data: (message.data as Record<string, unknown> | undefined) ?? {} };
      for (const listener of this.eventListeners) listener(event);
      return;
    }
    const id = typeof message.id === 'string' ? message.id : undefined;
    const pending = id === undefined ? undefined : this.pending.get(id);
    if (pending === undefined || id === undefined) return;
    this.pending.delete(id);
    clearTimeout(pending.timer);
    if ('error' in message) {
      const error = message.error as { class?: string; desc?: string };
      pending.reject(new QmpError(error.class ?? 'GenericError', error.desc ?? `${pending.name} failed`));
    } else {
      pending.resolve(message.return);
    }
  }

  private shutdown(reason: string): void {
    if (this.closedReason !== undefined) return;
    this.closedReason = reason;
    for (const [, pending] of this.pending) {
      clearTimeout(pending.timer);
      pending.reject(new QmpError('GenericError', `${reason} (while running ${pending.name})`));
    }
    this.pending.clear();
    for (const listener of this.closeListeners) listener(reason);
    this.closeListeners.clear();
  }
}

function connectOnce(path: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(path);
    socket.once('connect', () => {
      socket.removeAllListeners('error');
      resolve(socket);
    });
    socket.once('error', (error) => {
      socket.destroy();
      reject(error);
    });
  });
}
