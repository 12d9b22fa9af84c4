/**
 * Test clients for the web shell that do what a browser never would: raw HTTP text over a TCP
 * socket, a WebSocket upgrade followed by hand-built frames (invalid UTF-8, reserved bits,
 * declared lengths over the limit), plus a plain API client for checking the shell still answers.
 * Every wait has a timeout.
 */
import { randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import { WebSocket } from 'ws';

/** Connects to 127.0.0.1:port; with `allowHalfOpen` the socket stays open when the server ends its side (as a stubborn client's would). */
function dial(port: number, timeoutMs: number, allowHalfOpen = false): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, allowHalfOpen });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no TCP connection to port ${port} within ${timeoutMs} ms`));
    }, timeoutMs);
    socket.once('connect', () => {
      clearTimeout(timer);
      resolve(socket);
    });
    socket.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}

/**
 * Sends `request` as raw bytes and reads what comes back until the server closes or `timeoutMs`
 * passes; `status` is the first response's status code (undefined when none came).
 */
export async function rawHttp(port: number, request: string | Buffer, timeoutMs = 10_000): Promise<{ status: number | undefined; text: string }> {
  const socket = await dial(port, timeoutMs);
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    const finish = (): void => {
      clearTimeout(timer);
      socket.destroy();
      const text = Buffer.concat(chunks).toString('latin1');
      const match = /^HTTP\/1\.[01] (\d{3})/.exec(text);
      resolve({ status: match ? Number(match[1]) : undefined, text });
    };
    const timer = setTimeout(finish, timeoutMs);
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      // One complete response is enough (keep-alive servers would not close).
      const text = Buffer.concat(chunks).toString('latin1');
      const head = text.indexOf('\r\n\r\n');
      const length = /\r\ncontent-length: *(\d+)/i.exec(text.slice(0, head));
      if (head >= 0 && length && text.length >= head + 4 + Number(length[1])) finish();
    });
    socket.on('error', () => undefined);
    socket.on('close', finish);
    socket.end(request);
  });
}

/** The headers of a valid upgrade request for `path`. */
export function upgradeRequest(port: number, path: string, extra: Record<string, string> = {}): string {
  const headers: Record<string, string> = {
    host: `127.0.0.1:${port}`,
    upgrade: 'websocket',
    connection: 'Upgrade',
    'sec-websocket-key': randomBytes(16).toString('base64'),
    'sec-websocket-version': '13',
    ...extra,
  };
  return `GET ${path} HTTP/1.1\r\n${Object.entries(headers).map(([name, value]) => `${name}: ${value}\r\n`).join('')}\r\n`;
}

/** A WebSocket connection driven byte by byte. */
export interface RawWebSocket {
  readonly socket: Socket;
  /** The status of the upgrade answer (101 when it succeeded). */
  readonly status: number;
  /** Sends bytes as they are. */
  write(bytes: Buffer): void;
  /** Resolves with the code of the server's close frame, or undefined when the socket ended without one; rejects after `timeoutMs`. */
  closeCode(timeoutMs?: number): Promise<number | undefined>;
  /** The server's frames so far: opcode and payload. */
  readonly frames: { opcode: number; payload: Buffer }[];
  /** Resolves once the server has destroyed its side of the connection (true) or `timeoutMs` passed (false). */
  closed(timeoutMs?: number): Promise<boolean>;
}

/**
 * Opens a TCP socket, sends an upgrade request for `path` and waits for the answer's head. The
 * client never closes its side on its own (a refused socket stays half-open until the server
 * destroys it or the test does).
 */
export async function rawUpgrade(port: number, path: string, extra: Record<string, string> = {}, timeoutMs = 10_000): Promise<RawWebSocket> {
  const socket = await dial(port, timeoutMs, true);
  socket.on('error', () => undefined);
  let buffer = Buffer.alloc(0);
  const frames: { opcode: number; payload: Buffer }[] = [];
  let ended = false;
  const waiters = new Set<() => void>();
  const wake = (): void => {
    for (const waiter of [...waiters]) waiter();
  };
  let probe: NodeJS.Timeout | undefined;
  socket.on('close', () => {
    clearInterval(probe);
    ended = true;
    wake();
  });
  // The server ended its side; poke it so a socket the server destroyed shows up as closed here
  // (EPIPE/RST), while one it merely half-closed stays open — as a stubborn client would see it.
  socket.on('end', () => {
    probe = setInterval(() => socket.write('\r\n'), 100);
    probe.unref();
  });
  const status = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no answer to the upgrade of ${path} within ${timeoutMs} ms`)), timeoutMs);
    const onData = (chunk: Buffer): void => {
      buffer = Buffer.concat([buffer, chunk]);
      const head = buffer.indexOf('\r\n\r\n');
      if (head < 0) return;
      clearTimeout(timer);
      socket.off('data', onData);
      const match = /^HTTP\/1\.1 (\d{3})/.exec(buffer.subarray(0, head).toString('latin1'));
      buffer = buffer.subarray(head + 4);
      resolve(match ? Number(match[1]) : 0);
    };
    socket.on('data', onData);
    socket.once('close', () => {
      clearTimeout(timer);
      resolve(0);
    });
    socket.write(upgradeRequest(port, path, extra));
  });
  const parseFrames = (): void => {
    for (;;) {
      if (buffer.length < 2) return;
      const opcode = (buffer[0] as number) & 0x0f;
      let length = (buffer[1] as number) & 0x7f;
      let offset = 2;
      if (length === 126) {
        if (buffer.length < 4) return;
        length = buffer.readUInt16BE(2);
        offset = 4;
      } else if (length === 127) {
        if (buffer.length < 10) return;
        length = Number(buffer.readBigUInt64BE(2));
        offset = 10;
      }
      if (buffer.length < offset + length) return;
      frames.push({ opcode, payload: buffer.subarray(offset, offset + length) });
      buffer = buffer.subarray(offset + length);
      wake();
    }
  };
  if (status === 101) parseFrames();
  // Always read, so the end of the server's side is seen.
  socket.on('data', (chunk: Buffer) => {
    if (status !== 101) return;
    buffer = Buffer.concat([buffer, chunk]);
    parseFrames();
  });
  const waitFor = <T>(probe: () => T | undefined, timeoutMs: number, what: string): Promise<T> =>
    new Promise((resolve, reject) => {
      const check = (): void => {
        const value = probe();
        if (value === undefined) return;
        waiters.delete(check);
        clearTimeout(timer);
        resolve(value);
      };
      const timer = setTimeout(() => {
        waiters.delete(check);
        reject(new Error(`${what} within ${timeoutMs} ms`));
      }, timeoutMs);
      waiters.add(check);
      check();
    });
  return {
    socket,
    status,
    frames,
    write: (bytes) => void socket.write(bytes),
    async closeCode(timeoutMs = 10_000) {
      const result = await waitFor(() => {
        const close = frames.find((frame) => frame.opcode === 0x8);
        if (close) return { code: close.payload.length >= 2 ? close.payload.readUInt16BE(0) : undefined };
        return ended ? { code: undefined } : undefined;
      }, timeoutMs, `no close frame from the server`);
      return result.code;
    },
    async closed(timeoutMs = 10_000) {
      try {
        return await waitFor(() => (ended ? true : undefined), timeoutMs, 'the socket did not close');
      } catch {
        return false;
      }
    },
  };
}

/** Options for one client frame. */
export interface FrameOptions {
  opcode: number;
  payload?: Buffer;
  fin?: boolean;
  /** Reserved bits RSV1..3 as a 3-bit number. */
  rsv?: number;
  /** Mask the payload, as a client must (default true). */
  mask?: boolean;
  /** Length to declare instead of the payload's (to announce an oversized frame without sending it). */
  declaredLength?: number;
}

/** Builds one client-to-server WebSocket frame. */
export function frame(options: FrameOptions): Buffer {
  const payload = options.payload ?? Buffer.alloc(0);
  const length = options.declaredLength ?? payload.length;
  const mask = options.mask ?? true;
  const head = [((options.fin ?? true) ? 0x80 : 0) | (((options.rsv ?? 0) & 7) << 4) | (options.opcode & 0x0f)];
  const maskBit = mask ? 0x80 : 0;
  let lengthBytes: Buffer;
  if (length < 126) lengthBytes = Buffer.from([maskBit | length]);
  else if (length < 65536) {
    lengthBytes = Buffer.alloc(3);
    lengthBytes[0] = maskBit | 126;
    lengthBytes.writeUInt16BE(length, 1);
  } else {
    lengthBytes = Buffer.alloc(9);
    lengthBytes[0] = maskBit | 127;
    lengthBytes.writeBigUInt64BE(BigInt(length), 1);
  }
  if (!mask) return Buffer.concat([Buffer.from(head), lengthBytes, payload]);
  const key = randomBytes(4);
  const masked = Buffer.from(payload);
  for (let index = 0; index < masked.length; index++) masked[index] = (masked[index] as number) ^ (key[index % 4] as number);
  return Buffer.concat([Buffer.from(head), lengthBytes, key, masked]);
}

/** A plain `/api` client: `call` resolves with the result, rejects on a timeout or a closed socket. */
export class ApiClient {
  private nextId = 1;
  private readonly waiting = new Map<number | string, (result: ApiAnswer) => void>();
  /** Answers with id null (refused messages), in arrival order. */
  readonly unmatched: ApiAnswer[] = [];

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      const message = JSON.parse(String(data)) as { id?: number | string | null; result?: ApiAnswer; event?: string };
      if (message.event) return;
      const waiter = message.id === undefined || message.id === null ? undefined : this.waiting.get(message.id);
      if (waiter) waiter(message.result as ApiAnswer);
      else this.unmatched.push(message.result as ApiAnswer);
    });
  }

  /** Opens `/api` with the token. */
  static open(port: number, token: string, timeoutMs = 10_000): Promise<ApiClient> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(`ws://127.0.0.1:${port}/api?token=${token}`);
      const timer = setTimeout(() => {
        ws.terminate();
        reject(new Error(`the API socket did not open within ${timeoutMs} ms`));
      }, timeoutMs);
      ws.once('open', () => {
        clearTimeout(timer);
        resolve(new ApiClient(ws));
      });
      ws.once('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
    });
  }

  /** Sends `{id, call, args}` and waits for its answer. */
  call(name: unknown, args: unknown = {}, timeoutMs = 30_000): Promise<ApiAnswer> {
    return this.send((id) => JSON.stringify({ id, call: name, args }), timeoutMs);
  }

  /** Sends the text `make(id)` builds and waits for the answer carrying `id`. */
  send(make: (id: number) => string, timeoutMs = 30_000): Promise<ApiAnswer> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(id);
        reject(new Error(`API message ${id} got no answer within ${timeoutMs} ms`));
      }, timeoutMs);
      const onClose = (code: number): void => {
        clearTimeout(timer);
        this.waiting.delete(id);
        reject(new Error(`the API socket closed (${code}) before message ${id} was answered`));
      };
      this.ws.once('close', onClose);
      this.waiting.set(id, (result) => {
        clearTimeout(timer);
        this.ws.off('close', onClose);
        this.waiting.delete(id);
        resolve(result);
      });
      this.ws.send(make(id));
    });
  }

  /** Waits for the next answer with id null (a refused message). */
  async nextUnmatched(timeoutMs = 10_000): Promise<ApiAnswer> {
    const deadline = Date.now() + timeoutMs;
    while (this.unmatched.length === 0) {
      if (Date.now() > deadline || this.ws.readyState !== WebSocket.OPEN) throw new Error(`no refusal answer within ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    return this.unmatched.shift() as ApiAnswer;
  }

  close(): void {
    this.ws.terminate();
  }
}

/** An API result as it arrives. */
export interface ApiAnswer {
  ok: boolean;
  value?: unknown;
  error?: { class: string; desc: string };
}

/** GET `path` over a fresh connection; resolves with the status. */
export async function httpStatus(port: number, path: string, timeoutMs = 10_000): Promise<number | undefined> {
  return (await rawHttp(port, `GET ${path} HTTP/1.1\r\nhost: 127.0.0.1:${port}\r\nconnection: close\r\n\r\n`, timeoutMs)).status;
}
