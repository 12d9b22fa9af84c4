/**
 * Pacing for live input (`input-send-event` from a display): a key goes to the guest at once
 * when the guest has taken the keys before it, and otherwise waits its turn, so a burst of keys
 * sent while the guest is busy or starved by the host is not dropped by the BIOS's 15-key buffer
 * or the emulator's PS/2 queue. Events keep their order (a click after a key waits behind it);
 * the queue is bounded, and a key waits at most KEY_TAKE_LIMIT_MS for a guest that reads nothing.
 * When nothing waits, the guest is asked in the background whether it took the last keys, so a
 * person's next key (after a pause) goes at once instead of waiting for that answer (a monitor
 * round trip on QEMU).
 */
import { KEY_TAKE_LIMIT_MS, untilGuestTookKeys } from './typing.js';
import type { TypingTarget } from './typing.js';

/** What the pacer needs from an engine: deliver one batch of events, and the typing checks. */
export interface LiveInputTarget<Batch> extends Omit<TypingTarget, 'send'> {
  /** Sends one batch of input events to the guest now. */
  send(batch: Batch): Promise<void> | void;
  /** Reports a batch that failed after its command had already been answered. */
  failed(error: unknown): void;
}

/** How often, while nothing waits, the guest is asked whether it took the last keys. */
const CONFIRM_POLL_MS = 5;

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
  /** Counts key deliveries, so a background answer about older keys is not taken for newer ones. */
  private keysSent = 0;
  private confirming = false;
  private disposed = false;

  constructor(private readonly target: LiveInputTarget<Batch>) {}

  /**
   * Sends `batch` now when nothing waits before it and (for keys) the guest has taken the keys
   * sent before; otherwise queues it. Resolves once sent or queued; throws LiveInputQueueFull.
   */
  async submit(batch: Batch, hasKeys: boolean): Promise<void> {
    if (this.waiting.length === 0 && !this.draining && (!hasKeys || !this.keysOutstanding)) {
      await this.deliver(batch, hasKeys);
      if (hasKeys) void this.confirm();
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
      this.keysSent++;
    }
  }

  /**
   * Asks, while nothing waits, until the guest took the keys sent so far (bounded by
   * KEY_TAKE_LIMIT_MS like a wait in the queue); clears keysOutstanding only when the answer is
   * about the latest keys.
   */
  private async confirm(): Promise<void> {
    if (this.confirming) return;
    this.confirming = true;
    try {
      const deadline = performance.now() + KEY_TAKE_LIMIT_MS;
      while (!this.disposed && this.keysOutstanding && !this.draining && performance.now() < deadline) {
        const sent = this.keysSent;
        const taken = !this.target.running() || (await this.target.guestTookKeys());
        if (taken && sent === this.keysSent && !this.draining) {
          this.keysOutstanding = false;
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, CONFIRM_POLL_MS));
      }
    } catch (error) {
      this.target.failed(error);
    } finally {
      this.confirming = false;
    }
  }

  private async drain(): Promise<void> {
    this.draining = true;
    try {
      while (!this.disposed) {
        const next = this.waiting[0];
        if (!next) break;
        if (next.hasKeys && this.keysOutstanding) {
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
    if (this.keysOutstanding) void this.confirm();
  }
}
