/**
 * Reused buffers for large display messages read from a byte stream: main's reads of an engine's
 * display socket, and the page's reads of its display stream (src/renderer/platform/display-http-stream.ts).
 * A fresh 3 MiB buffer per 1024×768 frame cost main more than anything else on the display path:
 * first-touch page faults while filling it, then the garbage collector freeing it (about 6 ms
 * each per frame on the 2-core reference machine). Here a buffer goes back to the pool once
 * nothing holds it any more, and the next frame is read into memory that is already mapped.
 *
 * The rule that keeps this safe: whatever keeps a message's payload after the call that
 * delivered it (main's screen copy, a viewer's transport still writing it) holds the message
 * (`retain`) and lets go when done. A buffer is reused only when no hold is left, so a holder
 * that forgets to let go costs only the reuse, never the pixels someone still reads.
 */
import type { DisplayMessage } from '../protocol/display.js';

/** Messages smaller than this get their own buffer (small messages cost little to allocate). */
export const pooledMinimumBytes = 64 << 10;
/** Free buffers kept for reuse; with a frame being read, one on its way to a viewer and one in the screen copy, a few are enough. */
const maxFreeBuffers = 4;

/** Lets go of a hold; calling it again does nothing. */
export type Release = () => void;

const nothingHeld: Release = () => undefined;

/** The array a message's payload is a view into, if it has one. */
function payloadOf(message: DisplayMessage): Uint8Array | undefined {
  switch (message.type) {
    case 'rect':
    case 'cursor-sprite':
      return message.pixels;
    case 'font':
      return message.bitmap;
    default:
      return undefined;
  }
}

/** One stream's pool of large display-message buffers. */
export class DisplayBuffers {
  /** Holds per pooled buffer that is in use (weak: a buffer whose holder never lets go is still freed by the collector). */
  private readonly holds = new WeakMap<ArrayBufferLike, number>();
  private held = 0;
  private free: ArrayBuffer[] = [];
  /** Buffers handed out from the free list (tests and benchmarks: the reuse actually happens). */
  reused = 0;

  /**
   * A buffer of `length` bytes for reading one message into, held once by the caller (the
   * reader lets go with `release` once the message has been delivered).
   */
  take(length: number): Uint8Array {
    if (length < pooledMinimumBytes) return new Uint8Array(length);
    let buffer: ArrayBuffer | undefined;
    // The smallest free buffer that fits: a screen-sized one stays for the next screen.
    let index = -1;
    this.free.forEach((candidate, at) => {
      if (candidate.byteLength >= length && (index < 0 || candidate.byteLength < (this.free[index] as ArrayBuffer).byteLength)) index = at;
    });
    if (index >= 0) {
      buffer = this.free[index];
      this.free.splice(index, 1);
      this.reused++;
    }
    buffer ??= new ArrayBuffer(length);
    this.holds.set(buffer, 1);
    this.held++;
    return new Uint8Array(buffer, 0, length);
  }

  /** Holds the buffer `message`'s payload lives in; the returned function lets go (once). */
  retain(message: DisplayMessage): Release {
    const buffer = payloadOf(message)?.buffer;
    const count = buffer ? this.holds.get(buffer) : undefined;
    if (!buffer || count === undefined) return nothingHeld;
    this.holds.set(buffer, count + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.letGo(buffer);
    };
  }

  /** The reader's own hold on the buffer of `bytes` (from `take`), ended after delivery. */
  release(bytes: Uint8Array): void {
    if (this.holds.has(bytes.buffer)) this.letGo(bytes.buffer);
  }

  /** Buffers in use (held) now. */
  get inUse(): number {
    return this.held;
  }

  /** Drops the free buffers (the engine ended); buffers still held are left to their holders. */
  clear(): void {
    this.free = [];
  }

  private letGo(buffer: ArrayBufferLike): void {
    const count = (this.holds.get(buffer) ?? 1) - 1;
    if (count > 0) {
      this.holds.set(buffer, count);
      return;
    }
    this.holds.delete(buffer);
    this.held--;
    if (!(buffer instanceof ArrayBuffer)) return;
    this.free.push(buffer);
    if (this.free.length > maxFreeBuffers) {
      // Keep the largest: a screen-sized buffer serves any smaller message too.
      this.free.sort((a, b) => b.byteLength - a.byteLength);
      this.free.length = maxFreeBuffers;
    }
  }
}
