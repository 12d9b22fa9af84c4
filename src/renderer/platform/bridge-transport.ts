/**
 * The Electron transport: the preload bridge `window.hangar` (src/shared/bridge.ts) for calls
 * and events, and a MessagePort per display view (handed over by a window message carrying the
 * token the page chose).
 */
import type { HangarBridge } from '../../shared/bridge.js';
import { displayPortMessageType } from '../../shared/bridge.js';
import type { DisplayMessage } from '../../shared/protocol/display.js';
import type { GuestInputEvent } from '../features/display/types.js';
import { DisplayReceiver } from './display-receiver.js';
import type { ApiEventMessage, ApiResult, ApiTransport, ConnectionState, DisplayChannel } from './transport.js';
import { DEFAULT_CALL_TIMEOUT_MS } from './ws-transport.js';

/** The transport over the preload bridge. */
export class BridgeTransport implements ApiTransport {
  private readonly displays = new Set<BridgeDisplayChannel>();

  constructor(private readonly bridge: HangarBridge) {}

  call(name: string, args: unknown, timeoutMs = DEFAULT_CALL_TIMEOUT_MS): Promise<ApiResult<unknown>> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<ApiResult<unknown>>((resolve) => {
      timer = setTimeout(() => resolve({ ok: false, error: { class: 'Timeout', desc: `${name} got no answer within ${Math.round(timeoutMs / 1000)} s; the app may be busy — try again.` } }), timeoutMs);
    });
    const answer = this.bridge.call(name, args ?? {}).catch((error: unknown) => ({ ok: false as const, error: { class: 'Unavailable', desc: error instanceof Error ? error.message : String(error) } }));
    return Promise.race([answer, timeout]).finally(() => clearTimeout(timer));
  }

  onEvent(listener: (event: ApiEventMessage) => void): () => void {
    return this.bridge.onEvent((event) => listener({ event: event.event, data: event.data }));
  }

  onConnection(listener: (state: ConnectionState, reason?: string) => void): () => void {
    // The bridge lives as long as the window: it is always connected.
    listener('open');
    return () => undefined;
  }

  openDisplay(machineId: string): DisplayChannel {
    const channel = new BridgeDisplayChannel(this.bridge, machineId, () => this.displays.delete(channel));
    this.displays.add(channel);
    return channel;
  }

  dispose(): void {
    for (const display of [...this.displays]) display.close();
  }
}

class BridgeDisplayChannel implements DisplayChannel {
  private port: MessagePort | undefined;
  private readonly receiver = new DisplayReceiver((received) => this.port?.postMessage({ ack: received }));
  private readonly pending: GuestInputEvent[][] = [];
  private closed = false;
  private readonly token = `display-${Math.random().toString(36).slice(2)}-${Date.now().toString(36)}`;
  private readonly onWindowMessage = (event: MessageEvent): void => {
    const data = event.data as { type?: unknown; token?: unknown } | null;
    if (!data || data.type !== displayPortMessageType || data.token !== this.token) return;
    const port = event.ports[0];
    if (!port) return;
    window.removeEventListener('message', this.onWindowMessage);
    if (this.closed) return void port.close();
    this.port = port;
    port.onmessage = (message) => this.receiver.receive(message.data);
    port.start();
    this.receiver.opened();
    for (const events of this.pending.splice(0)) port.postMessage({ events });
  };

  constructor(bridge: HangarBridge, machineId: string, private readonly onDispose: () => void) {
    // Listen before asking: the port may arrive before the answer.
    window.addEventListener('message', this.onWindowMessage);
    void bridge.openDisplay(machineId, this.token).then((result) => {
      if (!result.ok) this.finish(result.error.desc);
    });
  }

  subscribe(listener: (message: DisplayMessage) => void): () => void {
    return this.receiver.subscribe(listener);
  }

  send(events: GuestInputEvent[]): void {
    if (this.closed || events.length === 0) return;
    if (this.port) this.port.postMessage({ events });
    else this.pending.push(events);
  }

  onClose(listener: (reason: string) => void): () => void {
    return this.receiver.onClose(listener);
  }

  private finish(reason: string): void {
    this.receiver.ended(reason);
    this.close();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    window.removeEventListener('message', this.onWindowMessage);
    this.port?.close();
    this.receiver.close();
    this.onDispose();
  }
}
