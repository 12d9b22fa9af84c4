/**
 * The web shell transport: `/api` (JSON requests, results and events) and `/display/<id>`
 * (binary display messages in, `input-send-event` arguments out) on the page's own origin.
 * The session token comes from the page URL (`?token=`) or the cookie the shell set when it
 * served the page; calls time out, and the API socket reconnects with backoff.
 *
 * Display sockets ask for `encoding=auto` (the shell compresses frames for a viewer not on
 * loopback and sends raw pixels on loopback; display-inflate.ts decodes them); the page URL's
 * `?display-encoding=deflate` or `raw` forces one. They also ask for their messages on an HTTP
 * stream (display-http-stream.ts: cheaper for the browser than WebSocket messages); the page
 * URL's `?display-transport=socket` keeps them on the socket.
 */
import type { DisplayMessage } from '../../shared/protocol/display.js';
import type { GuestInputEvent } from '../features/display/types.js';
import { HttpDisplayStream } from './display-http-stream.js';
import { DisplayInflater } from './display-inflate.js';
import { DisplayReceiver } from './display-receiver.js';
import type { ApiEventMessage, ApiResult, ApiTransport, ConnectionState, DisplayChannel } from './transport.js';

/** How long a call may take unless the caller says otherwise. */
export const DEFAULT_CALL_TIMEOUT_MS = 30_000;
const RECONNECT_MIN_MS = 500;
const RECONNECT_MAX_MS = 5_000;

/** Where the shell is and how to prove we may talk to it. */
export interface WebSocketEndpoint {
  /** ws: or wss: origin, e.g. `ws://127.0.0.1:8123`. */
  readonly origin: string;
  /** Session token; undefined when the cookie carries it. */
  readonly token?: string;
  /** The display encoding asked for (default `auto`: compressed only when not on loopback). */
  readonly displayEncoding?: DisplayEncodingRequest;
  /** Where display messages come (default `stream`: an HTTP stream when main has room for one; `socket`: always the WebSocket). */
  readonly displayTransport?: DisplayTransportRequest;
}

/** What a page may ask of a display socket (src/main/web/display-deflate.ts decides). */
export type DisplayEncodingRequest = 'auto' | 'deflate' | 'raw';
const displayEncodings: readonly string[] = ['auto', 'deflate', 'raw'];

/** How a page asks for display messages (src/main/web/display-http-stream.ts). */
export type DisplayTransportRequest = 'stream' | 'socket';

/** The endpoint of the page that is running: same host, token from `?token=` if present. */
export function pageEndpoint(location: Location = window.location): WebSocketEndpoint {
  const query = new URLSearchParams(location.search);
  const token = query.get('token') ?? undefined;
  const encoding = query.get('display-encoding');
  const transport = query.get('display-transport');
  return {
    origin: `${location.protocol === 'https:' ? 'wss:' : 'ws:'}//${location.host}`,
    ...(token ? { token } : {}),
    ...(encoding && displayEncodings.includes(encoding) ? { displayEncoding: encoding as DisplayEncodingRequest } : {}),
    ...(transport === 'stream' || transport === 'socket' ? { displayTransport: transport } : {}),
  };
}

function socketUrl(endpoint: WebSocketEndpoint, path: string, extra: Record<string, string> = {}): string {
  const query = new URLSearchParams({ ...(endpoint.token ? { token: endpoint.token } : {}), ...extra }).toString();
  return `${endpoint.origin}${path}${query ? `?${query}` : ''}`;
}

const notConnected = (reason: string): ApiResult<never> => ({
  ok: false,
  error: { class: 'Unavailable', desc: `The app API is not connected (${reason}). Start Hangar with \`npm start\` or \`hangar web\` and open the address it prints.` },
});

interface Pending {
  readonly resolve: (result: ApiResult<unknown>) => void;
  readonly timer: ReturnType<typeof setTimeout>;
  readonly frame: string;
  sent: boolean;
}

/** The WebSocket transport. Owns its sockets and timers; call `dispose` when done. */
export class WebSocketTransport implements ApiTransport {
  private socket: WebSocket | undefined;
  private state: ConnectionState = 'connecting';
  private reason = 'connecting';
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly eventListeners = new Set<(event: ApiEventMessage) => void>();
  private readonly connectionListeners = new Set<(state: ConnectionState, reason?: string) => void>();
  private readonly displays = new Set<WebSocketDisplayChannel>();
  private reconnectDelay = RECONNECT_MIN_MS;
  private reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  private disposed = false;

  constructor(private readonly endpoint: WebSocketEndpoint = pageEndpoint()) {
    this.connect();
  }

  call(name: string, args: unknown, timeoutMs = DEFAULT_CALL_TIMEOUT_MS): Promise<ApiResult<unknown>> {
    if (this.disposed) return Promise.resolve(notConnected('the client was closed'));
    if (this.state === 'closed') return Promise.resolve(notConnected(this.reason));
    const id = this.nextId++;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        resolve({ ok: false, error: { class: 'Timeout', desc: `${name} got no answer within ${Math.round(timeoutMs / 1000)} s; the app may be busy — try again.` } });
      }, timeoutMs);
      const entry: Pending = { resolve, timer, frame: JSON.stringify({ id, call: name, args: args ?? {} }), sent: false };
      this.pending.set(id, entry);
      this.flush();
    });
  }

  onEvent(listener: (event: ApiEventMessage) => void): () => void {
    this.eventListeners.add(listener);
    return () => this.eventListeners.delete(listener);
  }

  onConnection(listener: (state: ConnectionState, reason?: string) => void): () => void {
    this.connectionListeners.add(listener);
    listener(this.state, this.reason);
    return () => this.connectionListeners.delete(listener);
  }

  openDisplay(machineId: string): DisplayChannel {
    const streamed = (this.endpoint.displayTransport ?? 'stream') === 'stream';
    const url = socketUrl(this.endpoint, `/display/${encodeURIComponent(machineId)}`, { encoding: this.endpoint.displayEncoding ?? 'auto', ...(streamed ? { transport: 'stream' } : {}) });
    const streamUrl = (id: string): string => socketUrl({ ...this.endpoint, origin: this.endpoint.origin.replace(/^ws/, 'http') }, `/display-stream/${id}`);
    const channel = new WebSocketDisplayChannel(url, streamed ? streamUrl : undefined, () => this.displays.delete(channel));
    this.displays.add(channel);
    return channel;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    clearTimeout(this.reconnectTimer);
    this.socket?.close();
    for (const display of [...this.displays]) display.close();
    this.failPending('the client was closed');
  }

  private connect(): void {
    if (this.disposed) return;
    const socket = new WebSocket(socketUrl(this.endpoint, '/api'));
    this.socket = socket;
    this.setState('connecting', 'connecting');
    socket.addEventListener('open', () => {
      this.reconnectDelay = RECONNECT_MIN_MS;
      this.setState('open');
      this.flush();
    });
    socket.addEventListener('message', (message) => this.receive(message.data));
    socket.addEventListener('close', (event) => {
      if (this.socket !== socket) return;
      this.socket = undefined;
      const reason = event.code === 1006 ? 'the Hangar app does not answer at this address' : `the connection closed (${event.code}${event.reason ? `: ${event.reason}` : ''})`;
      this.setState('closed', reason);
      this.failPending(reason);
      if (!this.disposed) {
        this.reconnectTimer = setTimeout(() => this.connect(), this.reconnectDelay);
        this.reconnectDelay = Math.min(RECONNECT_MAX_MS, this.reconnectDelay * 2);
      }
    });
  }

  private flush(): void {
    const socket = this.socket;
    if (!socket || socket.readyState !== WebSocket.OPEN) return;
    for (const entry of this.pending.values()) {
      if (entry.sent) continue;
      entry.sent = true;
      socket.send(entry.frame);
    }
  }

  private receive(data: unknown): void {
    if (typeof data !== 'string') return;
    let message: { id?: unknown; result?: ApiResult<unknown>; event?: unknown; data?: unknown };
    try {
      message = JSON.parse(data) as typeof message;
    } catch {
      return;
    }
    if (typeof message.event === 'string') {
      const event = { event: message.event, data: message.data };
      for (const listener of this.eventListeners) listener(event);
      return;
    }
    if (typeof message.id !== 'number') return;
    const entry = this.pending.get(message.id);
    if (!entry) return;
    this.pending.delete(message.id);
    clearTimeout(entry.timer);
    entry.resolve(message.result ?? { ok: false, error: { class: 'EngineFailed', desc: 'The app answered without a result.' } });
  }

  private failPending(reason: string): void {
    for (const [id, entry] of this.pending) {
      clearTimeout(entry.timer);
      this.pending.delete(id);
      entry.resolve(notConnected(reason));
    }
  }

  private setState(state: ConnectionState, reason?: string): void {
    const changed = state !== this.state;
    this.state = state;
    this.reason = reason ?? '';
    if (changed) for (const listener of this.connectionListeners) listener(state, reason);
  }
}

/**
 * One `/display/<id>` socket, and the display stream it names when main offers one
 * (display-http-stream.ts). Frames that fail to decode are dropped (and counted).
 */
class WebSocketDisplayChannel implements DisplayChannel {
  private readonly socket: WebSocket;
  private stream: HttpDisplayStream | undefined;
  private readonly receiver = new DisplayReceiver(
    (received) => {
      if (this.socket.readyState === WebSocket.OPEN) this.socket.send(JSON.stringify({ ack: received }));
    },
    undefined,
    (message) => this.stream?.buffers.retain(message) ?? (() => undefined),
  );
  private readonly inflater = new DisplayInflater((message) => this.receiver.receive(message));
  private readonly queue: string[] = [];
  private closed = false;

  /** @param streamUrl the URL of a display stream, given its id (the socket asks for one when set). */
  constructor(url: string, private readonly streamUrl: ((id: string) => string) | undefined, private readonly onDispose: () => void) {
    this.socket = new WebSocket(url);
    this.socket.binaryType = 'arraybuffer';
    this.socket.addEventListener('open', () => {
      // Asking for a stream, the page announces itself once main says where messages come from.
      if (!this.streamUrl) this.receiver.opened();
      for (const frame of this.queue.splice(0)) this.socket.send(frame);
    });
    this.socket.addEventListener('message', (event) => {
      const data: unknown = event.data;
      if (data instanceof ArrayBuffer) this.inflater.push(data);
      else if (!this.openStream(data)) this.receiver.receive(data); // input refusals: the guest just does not get that event
    });
    this.socket.addEventListener('close', (event) => {
      this.receiver.ended(event.code === 1006 ? 'the machine is not running' : `the display closed (${event.code}${event.reason ? `: ${event.reason}` : ''})`);
      this.close();
    });
  }

  /**
   * Starts reading the stream a `{stream: id}` text frame names (`{stream: null}`: no room, the
   * messages come on the socket); false for any other frame.
   */
  private openStream(data: unknown): boolean {
    if (typeof data !== 'string' || !this.streamUrl || this.stream || !data.startsWith('{"stream":')) return false;
    let id: unknown;
    try {
      id = (JSON.parse(data) as { stream?: unknown }).stream;
    } catch {
      return false;
    }
    if (id === null) {
      this.receiver.opened();
      return true;
    }
    if (typeof id !== 'string' || !/^[0-9a-f]{1,64}$/.test(id)) return false;
    this.stream = new HttpDisplayStream(this.streamUrl(id), {
      opened: () => this.receiver.opened(),
      message: (body, release) => this.inflater.push(body, release),
      ended: (reason) => {
        this.receiver.ended(reason);
        this.close();
      },
    });
    return true;
  }

  /** Frames that could not be decoded (a version mismatch between shell and page). */
  get malformed(): number {
    return this.receiver.malformed;
  }

  subscribe(listener: (message: DisplayMessage) => void): () => void {
    return this.receiver.subscribe(listener);
  }

  send(events: GuestInputEvent[]): void {
    if (this.closed || events.length === 0) return;
    const frame = JSON.stringify({ events });
    if (this.socket.readyState === WebSocket.OPEN) this.socket.send(frame);
    else if (this.socket.readyState === WebSocket.CONNECTING) this.queue.push(frame);
  }

  onClose(listener: (reason: string) => void): () => void {
    return this.receiver.onClose(listener);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.socket.close();
    this.stream?.close();
    this.inflater.close();
    this.receiver.close();
    this.onDispose();
  }
}
