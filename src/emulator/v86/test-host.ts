/**
 * A real BackendHost for tests and benchmarks that drive a backend in-process: it records
 * events and display messages and lets callers wait for them.
 */
import type { BackendHost } from '../backend.js';
import type { DisplayMessage } from '../../shared/protocol/display.js';

/** An event as recorded. */
export interface RecordedEvent {
  readonly name: string;
  readonly data: unknown;
}

/** A BackendHost that keeps what it is given. */
export class RecordingHost implements BackendHost {
  readonly events: RecordedEvent[] = [];
  readonly messages: DisplayMessage[] = [];
  readonly logs: string[] = [];
  /** Keep display messages (benchmarks turn this off to measure only the channel's cost). */
  keepMessages = true;
  displayCount = 0;

  emit(name: string, data: unknown): void {
    this.events.push({ name, data });
  }

  display(message: DisplayMessage): void {
    this.displayCount++;
    if (this.keepMessages) this.messages.push(message);
  }

  log(message: string): void {
    this.logs.push(message);
  }

  /** Names of events recorded since index `from`. */
  eventNames(from = 0): string[] {
    return this.events.slice(from).map((event) => event.name);
  }
}

/** Polls `check` every `intervalMs` until it returns a value other than undefined, or fails after `timeoutMs`. */
export async function waitFor<T>(what: string, check: () => T | undefined | Promise<T | undefined>, timeoutMs = 60_000, intervalMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
