/**
 * A small QMP client for tests.
 *
 * API:
 *   const client = await QmpClient.connect(socketPath, { negotiate = true, timeoutMs = 10000 })
 *   client.greeting                                   // the {"QMP":…} object
 *   await client.execute(name, args?, timeoutMs?)     // → return value; throws QmpCommandError {errorClass, desc}
 *   await client.request(object, timeoutMs?)          // sends a raw object (an id is added if absent) → raw reply
 *   client.sendRaw(text)                              // writes text as is; read replies with nextReply()
 *   await client.nextReply(timeoutMs?)                // next reply that matched no pending id (id-less replies)
 *   client.events                                     // every event received, in order
 *   await client.waitForEvent(name, timeoutMs?, predicate?)  // first matching event after `since` index (default: any)
 *   client.close()
 */
import { connect } from 'node:net';
import type { Socket } from 'node:net';

/** A QMP event as received. */
export interface ReceivedEvent {
  event: string;
  data: Record<string, unknown>;
  timestamp: { seconds: number; microseconds: number };
}

/** A command answered with an error. */
export class QmpCommandError extends Error {
  constructor(
    readonly errorClass: string,
    readonly desc: string,
  ) {
    super(`${errorClass}: ${desc}`);
  }
}

type Reply = { return?: unknown; error?: { class: string; desc: string }; id?: unknown };

export class QmpClient {
  greeting: unknown;
  readonly events: ReceivedEvent[] = [];
  private buffer = '';
  private nextId = 1;
  private readonly pending = new Map<string, (reply: Reply) => void>();
  private readonly unmatched: Reply[] = [];
  private readonly waiters = new Set<() => void>();
  private closedError: Error | undefined;

  private constructor(private readonly socket: Socket) {
    socket.setEncoding('utf8');
    socket.on('data', (text: string) => this.onData(text));
    socket.on('close', () => {
      this.closedError = new Error('QMP connection closed');
      this.wake();
    });
    socket.on('error', () => {});
  }

  /** Connects, reads the greeting and (unless `negotiate: false`) sends qmp_capabilities. */
  static async connect(path: string, options: { negotiate?: boolean; timeoutMs?: number } = {}): Promise<QmpClient> {
    const timeoutMs = options.timeoutMs ?? 10_000;
    const socket = connect(path);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`connecting to ${path} timed out`)), timeoutMs);
      socket.once('connect', () => {
        clearTimeout(timer);
        resolve();
      });
      socket.once('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
    });
    const client = new QmpClient(socket);
    client.greeting = await client.waitUntil(() => client.greetingSeen, timeoutMs, 'the QMP greeting');
    if (options.negotiate !== false) await client.execute('qmp_capabilities', {}, timeoutMs);
    return client;
  }

  private greetingSeen: unknown;

  private onData(text: string): void {
    this.buffer += text;
    let newline: number;
    while ((newline = this.buffer.indexOf('\n')) >= 0) {
      const line = this.buffer.slice(0, newline).trim();
      this.buffer = this.buffer.slice(newline + 1);
      if (!line) continue;
      const message = JSON.parse(line) as Record<string, unknown>;
      if ('QMP' in message) this.greetingSeen = message;
      else if ('event' in message) this.events.push(message as unknown as ReceivedEvent);
      else {
        const key = 'id' in message ? JSON.stringify(message.id) : undefined;
        const resolve = key !== undefined ? this.pending.get(key) : undefined;
        if (resolve && key !== undefined) {
          this.pending.delete(key);
          resolve(message as Reply);
        } else this.unmatched.push(message as Reply);
      }
    }
    this.wake();
  }

  private wake(): void {
    for (const waiter of this.waiters) waiter();
  }

  /** Polls `check` on every incoming message until it returns a value. */
  private waitUntil<T>(check: () => T | undefined, timeoutMs: number, what: string): Promise<T> {
    return new Promise((resolve, reject) => {
      const attempt = (): boolean => {
        const value = check();
        if (value !== undefined) {
          done();
          resolve(value);
          return true;
        }
        if (this.closedError) {
          done();
          reject(new Error(`${this.closedError.message} while waiting for ${what}`));
          return true;
        }
        return false;
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
      }, timeoutMs);
      const waiter = (): void => void attempt();
      const done = (): void => {
        clearTimeout(timer);
        this.waiters.delete(waiter);
      };
      this.waiters.add(waiter);
      attempt();
    });
  }

  /** Sends `message` (adding an id when it has none) and resolves with the raw reply. */
  request(message: Record<string, unknown>, timeoutMs = 30_000): Promise<Reply> {
    const full = 'id' in message ? message : { ...message, id: `t${this.nextId++}` };
    const key = JSON.stringify(full.id);
    let reply: Reply | undefined;
    this.pending.set(key, (value) => (reply = value));
    this.socket.write(`${JSON.stringify(full)}\n`);
    return this.waitUntil(() => reply, timeoutMs, `the reply to ${JSON.stringify(message).slice(0, 200)}`).finally(() =>
      this.pending.delete(key),
    );
  }

  /** Runs a command; resolves with its return value or rejects with QmpCommandError. */
  async execute(name: string, args: Record<string, unknown> = {}, timeoutMs = 30_000): Promise<unknown> {
    const reply = await this.request({ execute: name, arguments: args }, timeoutMs);
    if (reply.error) throw new QmpCommandError(reply.error.class, reply.error.desc);
    return reply.return;
  }

  /** Writes text to the socket unchanged. */
  sendRaw(text: string | Buffer): void {
    this.socket.write(text);
  }

  /** The next reply that matched no pending request (replies to raw or id-less input). */
  nextReply(timeoutMs = 10_000): Promise<Reply> {
    return this.waitUntil(() => this.unmatched.shift(), timeoutMs, 'a reply');
  }

  /** The first event named `name` (optionally matching `predicate`) received at or after index `since`. */
  waitForEvent(
    name: string,
    timeoutMs = 30_000,
    predicate: (event: ReceivedEvent) => boolean = () => true,
    since = 0,
  ): Promise<ReceivedEvent> {
    return this.waitUntil(
      () => this.events.slice(since).find((event) => event.event === name && predicate(event)),
      timeoutMs,
      `event ${name}`,
    );
  }

  /** Closes the connection. */
  close(): void {
    this.socket.destroy();
  }
}
