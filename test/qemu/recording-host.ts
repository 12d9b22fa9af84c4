/**
 * A real BackendHost for in-process backend tests: records events and display messages and
 * lets tests wait for them (with timeouts).
 */
import type { BackendHost } from '../../src/emulator/backend.js';
import type { DisplayMessage } from '../../src/shared/protocol/display.js';

export interface RecordedEvent {
  readonly name: string;
  readonly data: Record<string, unknown>;
}

export class RecordingHost implements BackendHost {
  readonly events: RecordedEvent[] = [];
  readonly displayMessages: DisplayMessage[] = [];
  readonly logs: string[] = [];

  emit(name: string, data: unknown): void {
    this.events.push({ name, data: data as Record<string, unknown> });
  }

  display(message: DisplayMessage): void {
    this.displayMessages.push(message);
    if (this.displayMessages.length > 5000) this.displayMessages.splice(0, 2500);
  }

  log(message: string): void {
    this.logs.push(message);
  }

  /** Waits for an event matching `predicate` among those emitted after index `from`. */
  async waitForEvent(name: string, predicate: (data: Record<string, unknown>) => boolean = () => true, timeoutMs = 60_000, from = 0): Promise<RecordedEvent> {
    const found = await poll(() => this.events.slice(from).find((event) => event.name === name && predicate(event.data)), timeoutMs);
    if (found === undefined) throw new Error(`no ${name} event within ${timeoutMs} ms; events: ${this.events.map((event) => event.name).join(', ')}`);
    return found;
  }
}

/** Polls `probe` every 100 ms until it returns a value other than undefined/false, or the timeout. */
export async function poll<T>(probe: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs: number): Promise<T | undefined> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) return undefined;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
