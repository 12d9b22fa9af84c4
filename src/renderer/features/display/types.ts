/**
 * The display view's two ends, kept abstract so the same view serves a MessagePort (Electron),
 * a binary WebSocket (web shell) and synthetic messages (component tests).
 */
import type { DisplayMessage } from '../../../shared/protocol/display.js';
import type { Infer } from '../../../shared/protocol/schema.js';
import type { InputEvent as InputEventSchema } from '../../../shared/protocol/engine/types.js';

/** One QMP `input-send-event` event (key, btn, rel, abs). */
export type GuestInputEvent = Infer<typeof InputEventSchema>;

/** Where display messages come from. `subscribe` returns the function that unsubscribes. */
export interface DisplaySource {
  subscribe(listener: (message: DisplayMessage) => void): () => void;
}

/** Where input goes: each call is one `input-send-event` with these events. */
export interface InputSink {
  send(events: GuestInputEvent[]): void;
}

/** How the guest screen is fitted into the window. */
export type ScalingMode = 'fit' | 'native' | 'integer';
