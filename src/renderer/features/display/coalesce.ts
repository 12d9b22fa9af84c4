/**
 * Keeps a slow viewer from falling behind (docs/architecture.md §4): messages that arrive between two
 * painted frames are reduced to what the next frame needs — nothing before the last mode
 * change, rectangles hidden under later rectangles dropped, later text rows replace earlier
 * ones, and only the last cursor, sprite and pointer mode kept.
 */
import type { DisplayMessage, RectangleMessage, TextCellsMessage } from '../../../shared/protocol/display.js';
import type { DisplaySource } from './types.js';

function covers(outer: RectangleMessage, inner: RectangleMessage): boolean {
  return outer.x <= inner.x && outer.y <= inner.y && outer.x + outer.width >= inner.x + inner.width && outer.y + outer.height >= inner.y + inner.height;
}

function rowsCover(outer: TextCellsMessage, inner: TextCellsMessage): boolean {
  return outer.cols === inner.cols && outer.row <= inner.row && outer.row + outer.rowCount >= inner.row + inner.rowCount;
}

/** The messages of `queue` the next frame needs, in order. Applying them equals applying all of `queue`. */
export function coalesce(queue: readonly DisplayMessage[]): DisplayMessage[] {
  let start = 0;
  for (let i = queue.length - 1; i >= 0; i--) {
    if (queue[i]?.type === 'mode') {
      start = i;
      break;
    }
  }
  // A font sent before the mode change still applies after it (fonts survive mode changes).
  const carried: DisplayMessage[] = [];
  for (let i = 0; i < start; i++) {
    const message = queue[i];
    if (message && (message.type === 'font' || message.type === 'cursor-sprite' || message.type === 'pointer-mode')) carried.push(message);
  }
  const tail = [...carried, ...queue.slice(start)];
  const out: DisplayMessage[] = [];
  // Whether a later message hides this one (looked up in place: no copy of the rest per message).
  const anyLater = (from: number, hides: (next: DisplayMessage) => boolean): boolean => {
    for (let j = from; j < tail.length; j++) if (hides(tail[j] as DisplayMessage)) return true;
    return false;
  };
  for (let i = 0; i < tail.length; i++) {
    const message = tail[i];
    if (!message) continue;
    let superseded = false;
    switch (message.type) {
      case 'rect':
        superseded = anyLater(i + 1, (next) => next.type === 'rect' && covers(next, message));
        break;
      case 'text':
        superseded = anyLater(i + 1, (next) => next.type === 'text' && rowsCover(next, message));
        break;
      case 'text-cursor':
      case 'cursor-sprite':
      case 'pointer-mode':
      case 'font':
        superseded = anyLater(i + 1, (next) => next.type === message.type);
        break;
      case 'mode':
        break;
    }
    // Nothing may move across a mode message, so one after it never hides one before it.
    if (superseded && anyLater(i + 1, (next) => next.type === 'mode') && message.type !== 'font' && message.type !== 'cursor-sprite' && message.type !== 'pointer-mode') superseded = false;
    if (!superseded) out.push(message);
  }
  return out;
}

// Looked up on globalThis so this module also loads (and is unit tested) outside a browser.
function nextAnimationFrame(flush: () => void): void {
  (globalThis as unknown as { requestAnimationFrame(callback: () => void): number }).requestAnimationFrame(flush);
}

const compactMinimum = 256;

/**
 * Queues messages and applies the coalesced queue once per animation frame. `schedule` is
 * requestAnimationFrame in the view and a manual trigger in tests. Call `dispose` when done.
 */
export class FrameCoalescer {
  private queue: DisplayMessage[] = [];
  /** Queue length at which it is coalesced in place (doubles with what survives), so frames the page cannot paint yet never pile up. */
  private compactAt = compactMinimum;
  private pending = false;
  private disposed = false;

  constructor(
    private readonly apply: (message: DisplayMessage) => void,
    private readonly schedule: (flush: () => void) => void = nextAnimationFrame,
  ) {}

  /** Queues a message for the next frame. */
  push(message: DisplayMessage): void {
    if (this.disposed) return;
    this.queue.push(message);
    if (this.queue.length >= this.compactAt) {
      this.queue = coalesce(this.queue);
      this.compactAt = Math.max(compactMinimum, this.queue.length * 2);
    }
    if (!this.pending) {
      this.pending = true;
      this.schedule(() => this.flush());
    }
  }

  /** Applies everything queued now. */
  flush(): void {
    this.pending = false;
    const queue = this.queue;
    this.queue = [];
    this.compactAt = compactMinimum;
    if (this.disposed) return;
    for (const message of queue.length > 1 ? coalesce(queue) : queue) this.apply(message);
  }

  /** Drops the queue and ignores further messages. */
  dispose(): void {
    this.disposed = true;
    this.queue = [];
  }
}

/**
 * Wraps a source so each subscriber gets coalesced messages once per animation frame: the view
 * never draws frames the screen will not show. Used for live engine channels.
 */
export function coalescedSource(source: DisplaySource, schedule?: (flush: () => void) => void): DisplaySource {
  return {
    subscribe(listener) {
      const coalescer = new FrameCoalescer(listener, schedule);
      const unsubscribe = source.subscribe((message) => coalescer.push(message));
      return () => {
        unsubscribe();
        coalescer.dispose();
      };
    },
  };
}
