/**
 * Messages between the engine thread and the display worker (display-worker.ts), and the layout
 * of the control words they share.
 */
import type { DisplayMessage } from '../../shared/protocol/display.js';
import type { Rect } from '../display/rect.js';

/** Index of the busy word in the control Int32Array: 1 from a frame's commit until the worker has copied it. */
export const CONTROL_BUSY = 0;
/** Index of the backlog word: bytes queued for the socket and not yet written. */
export const CONTROL_BACKLOG = 1;
/** Words in the control array. */
export const CONTROL_WORDS = 2;

/** What the worker gets at start. */
export interface DisplayWorkerData {
  /** CONTROL_WORDS Int32 words over a SharedArrayBuffer. */
  readonly control: SharedArrayBuffer;
  /** How long the socket waits for its one connection. */
  readonly connectTimeoutMs: number;
}

/** Engine thread → worker. */
export type ToDisplayWorker =
  | { readonly type: 'listen'; readonly path: string }
  /** A message to send as it is (its payload was copied for the worker and transferred). */
  | { readonly type: 'message'; readonly message: DisplayMessage }
  /** `rect` of the shared frame changed; the control busy word is set until the worker copied it. */
  | { readonly type: 'frame'; readonly pixels: Uint8Array; readonly width: number; readonly rect: Rect }
  | { readonly type: 'close' };

/** Worker → engine thread. */
export type FromDisplayWorker =
  | { readonly type: 'listening'; readonly path: string }
  | { readonly type: 'connected' }
  /** The socket is gone (or never came): the viewer must be detached. */
  | { readonly type: 'closed'; readonly reason: string };
