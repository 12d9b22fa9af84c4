/**
 * The page's end of a display channel, the same for the Electron MessagePort and the web shell's
 * WebSocket: decodes binary display messages, keeps the first ones until the view subscribes
 * (they draw the whole screen), hands the rest to the view, and acknowledges what it has
 * received once per animation frame (`{ack: N}`). Main's one flow-control rule
 * (src/main/display/display-feed.ts) counts a view as behind by what it has not acknowledged,
 * so a page that cannot paint (hidden, busy) stops being sent frames after a bounded amount and
 * gets the whole current screen when it paints again: nothing queues without bound here.
 */
import { decodeDisplayMessage } from '../../shared/protocol/display-codec.js';
import type { DisplayMessage } from '../../shared/protocol/display.js';

/** Calls `callback` at the next animation frame (a timer where there are none, e.g. in Node). */
export type FrameScheduler = (callback: () => void) => void;

function nextFrame(callback: () => void): void {
  const raf = (globalThis as { requestAnimationFrame?: (callback: () => void) => number }).requestAnimationFrame;
  if (raf) raf(callback);
  else setTimeout(callback, 16);
}

/** Decoding, early messages, listeners and acknowledgements of one display channel. */
export class DisplayReceiver {
  private readonly listeners = new Set<(message: DisplayMessage) => void>();
  private readonly closeListeners = new Set<(reason: string) => void>();
  /** Messages that arrived before anyone subscribed, each with its hold; undefined once someone has. */
  private early: { message: DisplayMessage; release: () => void }[] | undefined = [];
  /** Binary messages received, counted as main counts what it sent (malformed ones too). */
  private received = 0;
  /** Received messages handed to a view (early ones count once they are). */
  private delivered = 0;
  private acked = 0;
  private ackPending = false;
  private closed = false;
  /** Frames that could not be decoded (a version mismatch between shell and page). */
  malformed = 0;

  /**
   * @param sendAck posts `{ack: N}` to main on the channel.
   * @param schedule when an acknowledgement goes out: the next animation frame, i.e. once the
   *   page has had the chance to paint what it received.
   * @param hold holds a message's buffer while it waits for a subscriber (a pooled buffer is
   *   otherwise reused once `receive` returns); returns the release.
   */
  constructor(
    private readonly sendAck: (received: number) => void,
    private readonly schedule: FrameScheduler = nextFrame,
    private readonly hold: (message: DisplayMessage) => () => void = () => () => undefined,
  ) {}

  /** The channel is open: `{ack: 0}` tells main this view acknowledges, so flow control applies from its first message. */
  opened(): void {
    if (!this.closed) this.sendAck(this.acked);
  }

  /**
   * Takes one message from the channel: its bytes, or (a MessagePort) its header and payload as
   * a two-element array, unjoined; text/object answers (refused input) are ignored.
   */
  receive(data: unknown): void {
    const parts = Array.isArray(data) && data.length === 2 && data[0] instanceof Uint8Array && data[1] instanceof Uint8Array ? (data as [Uint8Array, Uint8Array]) : undefined;
    if (this.closed || (!parts && !(data instanceof ArrayBuffer) && !(data instanceof Uint8Array))) return;
    this.received++;
    let message: DisplayMessage;
    try {
      message = parts ? decodeDisplayMessage(parts[0], parts[1]) : decodeDisplayMessage(data as Uint8Array | ArrayBuffer);
    } catch {
      this.malformed++;
      if (!this.early) {
        this.delivered = this.received;
        // Acknowledged like any other: main may be waiting on exactly this one to send again.
        this.scheduleAck();
      }
      return;
    }
    if (this.early) {
      // Main stops sending once this much is unacknowledged, so the list stays bounded.
      this.early.push({ message, release: this.hold(message) });
      return;
    }
    this.delivered = this.received;
    for (const listener of this.listeners) listener(message);
    this.scheduleAck();
  }

  /**
   * Calls `listener` with every decoded message (the early ones first); returns the unsubscribe
   * function. A message's pixels are valid during the call only: a listener that keeps them
   * copies them (the canvas's putImageData does).
   */
  subscribe(listener: (message: DisplayMessage) => void): () => void {
    this.listeners.add(listener);
    const early = this.early;
    this.early = undefined;
    for (const { message, release } of early ?? []) {
      try {
        listener(message);
      } finally {
        release();
      }
    }
    this.delivered = this.received;
    this.scheduleAck();
    return () => this.listeners.delete(listener);
  }

  onClose(listener: (reason: string) => void): () => void {
    this.closeListeners.add(listener);
    return () => this.closeListeners.delete(listener);
  }

  /** Tells the close listeners why the channel ended (the owner then closes it). */
  ended(reason: string): void {
    if (this.closed) return;
    for (const listener of [...this.closeListeners]) listener(reason);
  }

  /** Drops listeners and early messages; nothing more is delivered or acknowledged. */
  close(): void {
    this.closed = true;
    for (const { release } of this.early ?? []) release();
    this.early = undefined;
    this.listeners.clear();
    this.closeListeners.clear();
  }

  private scheduleAck(): void {
    if (this.ackPending || this.closed) return;
    this.ackPending = true;
    this.schedule(() => {
      this.ackPending = false;
      if (this.closed || this.delivered <= this.acked) return;
      this.acked = this.delivered;
      this.sendAck(this.acked);
    });
  }
}
