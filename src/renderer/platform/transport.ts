/**
 * What the API client needs from a shell: calls with results, pushed events, and per-machine
 * display channels. The web shell's WebSocket (ws-transport.ts) is one implementation; the
 * Electron preload bridge is another.
 */
import type { DisplayMessage } from '../../shared/protocol/display.js';
import type { GuestInputEvent } from '../features/display/types.js';

/** A result across the process boundary (docs/architecture.md §4): a value or an error with class and text. */
export type ApiResult<T> = { ok: true; value: T } | { ok: false; error: { class: string; desc: string } };

/** One event pushed by the core, `{event, data}` as the API schema names it. */
export interface ApiEventMessage {
  readonly event: string;
  readonly data: unknown;
}

/** Whether the transport can reach the core right now. */
export type ConnectionState = 'connecting' | 'open' | 'closed';

/** A live display channel of one running machine. */
export interface DisplayChannel {
  /** Calls `listener` with every decoded display message; returns the unsubscribe function. */
  subscribe(listener: (message: DisplayMessage) => void): () => void;
  /** Sends one `input-send-event` with these events. */
  send(events: GuestInputEvent[]): void;
  /** Calls `listener` when the channel closes (guest powered off, shell gone). */
  onClose(listener: (reason: string) => void): () => void;
  close(): void;
}

/** A way to reach the app core. */
export interface ApiTransport {
  /** Runs one API call; answers `Timeout` after `timeoutMs` and `Unavailable` when disconnected. */
  call(name: string, args: unknown, timeoutMs?: number): Promise<ApiResult<unknown>>;
  /** Calls `listener` for every pushed event; returns the unsubscribe function. */
  onEvent(listener: (event: ApiEventMessage) => void): () => void;
  /** Calls `listener` now and whenever the connection state changes. */
  onConnection(listener: (state: ConnectionState, reason?: string) => void): () => void;
  /** Opens the display channel of a running machine. */
  openDisplay(machineId: string): DisplayChannel;
  /** Closes everything. */
  dispose(): void;
}
