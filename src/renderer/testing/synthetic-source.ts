/** A DisplaySource and InputSink driven by hand, for component tests and benchmarks. */
import type { DisplayMessage } from '../../shared/protocol/display.js';
import type { DisplaySource, GuestInputEvent, InputSink } from '../features/display/types.js';

/** A source that replays the latest mode/font/cursor state to late subscribers, like an engine does. */
export class SyntheticSource implements DisplaySource {
  private readonly listeners = new Set<(message: DisplayMessage) => void>();
  private history: DisplayMessage[] = [];

  subscribe(listener: (message: DisplayMessage) => void): () => void {
    for (const message of this.history) listener(message);
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Delivers messages to every subscriber, and remembers what a late subscriber needs. */
  push(...messages: DisplayMessage[]): void {
    for (const message of messages) {
      if (message.type === 'mode') this.history = this.history.filter((m) => m.type === 'font' || m.type === 'pointer-mode' || m.type === 'cursor-sprite');
      this.history.push(message);
      for (const listener of this.listeners) listener(message);
    }
  }
}

/** A sink that records every event it gets. */
export class RecordingSink implements InputSink {
  readonly events: GuestInputEvent[] = [];

  send(events: GuestInputEvent[]): void {
    this.events.push(...events);
  }
}
