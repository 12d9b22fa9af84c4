/**
 * Pacing for live input (`input-send-event` from a display): a key goes to the guest at once
 * when the guest has taken the keys before it, and otherwise waits its turn, so a burst of keys
 * sent while the guest is busy or starved by the host is not dropped by the BIOS's 15-key buffer
 * or the emulator's PS/2 queue. Events keep their order (a click after a key waits behind it);
 * the queue is bounded, and a key waits at most KEY_TAKE_LIMIT_MS for a guest that reads nothing.
 */
import { untilGuestTookKeys } from './typing.js';
import type { TypingTarget } from './typing.js';

/** What the pacer needs from an engine: deliver one batch of events, and the typing checks. */
export interface LiveInputTarget<Batch> extends Omit<TypingTarget, 'send'> {
  /** Sends one batch of input events to the guest now. */
  send(batch: Batch): Promise<void> | void;
  /** Reports a batch that failed after its command had already been answered. */
  failed(error: unknown): void;
  /**
   * Keys sent at least this long ago count as taken without asking (when asking costs a round
   * trip, as QEMU's monitor does): a running guest reads a key within a millisecond or so, and
   * what needs pacing is a burst, not a person's next key. Default: always ask.
   */
  readonly settledAfterMs?: number;
}

/** Most batches waiting for the guest; more are refused (the guest is reading nothing). */
export const LIVE_INPUT_QUEUE_LIMIT = 512;

/** Thrown when the queue is full. */
export class LiveInputQueueFull extends Error {
  constructor() {
    super(`The guest has not taken the last ${LIVE_INPUT_QUEUE_LIMIT} input events: it is not reading its keyboard. Try again when it responds.`);
  }
}

/** One machine's live input queue. */
export class LiveInputPacer<Batch> {
  private readonly waiting: { batch: Batch; hasKeys: boolean }[] = [];
  private draining = false;
  /** Whether keys have been sent that the guest may not have taken yet. */
  private keysOutstanding = false;
  /** When the last keys went to the guest (performance.now()). */
  private lastKeysAt = 0;
  private disposed = false;

  constructor(private readonly target: LiveInputTarget<Batch>) {}

  /**
   * Sends `batch` now when nothing waits before it and (for keys) the guest has taken the keys
   * sent before; otherwise queues it. Resolves once sent or queued; throws LiveInputQueueFull.
   */
  async submit(batch: Batch, hasKeys: boolean): Promise<void> {
    if (this.waiting.length === 0 && !this.draining && (!hasKeys || !this.outstanding())) {
      await this.deliver(batch, hasKeys);
      return;
    }
    if (this.waiting.length >= LIVE_INPUT_QUEUE_LIMIT) throw new LiveInputQueueFull();
    this.waiting.push({ batch, hasKeys });
    if (!this.draining) void this.drain();
  }

  /** Drops whatever waits (the machine is going away). */
  dispose(): void {
    this.disposed = true;
    this.waiting.length = 0;
  }

  private async deliver(batch: Batch, hasKeys: boolean): Promise<void> {
    await this.target.send(batch);
    if (hasKeys) {
      this.keysOutstanding = true;
      this.lastKeysAt = performance.now();
    }
  }

  private outstanding(): boolean {
    const settled = this.target.settledAfterMs;
    if (this.keysOutstanding && settled !== undefined && performance.now() - this.lastKeysAt >= settled) this.keysOutstanding = false;
    return this.keysOutstanding;
  }

  private async drain(): Promise<void> {
    this.draining = true;
    try {
      while (!this.disposed) {
        const next = this.waiting[0];
        if (!next) break;
        if (next.hasKeys && this.outstanding()) {
          await untilGuestTookKeys(this.target);
          this.keysOutstanding = false;
        }
        this.waiting.shift();
        try {
          await this.deliver(next.batch, next.hasKeys);
        } catch (error) {
          this.target.failed(error);
        }
      }
    } finally {
      this.draining = false;
    }
  }
}
