/**
 * A screen-sized RGBA frame buffer over a SharedArrayBuffer, which a backend writes on the
 * emulation thread and the display worker reads, so whole-screen changes reach the display
 * socket without a copy or structured clone on the emulation thread.
 */
import type { Rect } from './rect.js';

/** A frame buffer `width`×`height`, 4 bytes a pixel, row-major, over a SharedArrayBuffer (where there is one). */
export interface SharedFrame {
  readonly pixels: Uint8Array;
  readonly width: number;
  readonly height: number;
}

/**
 * Allocates a zeroed shared frame. Where SharedArrayBuffer is missing the frame is a plain one:
 * the display socket cannot start there either, and the parent channel copies what it sends.
 */
export function allocateSharedFrame(width: number, height: number): SharedFrame {
  const bytes = width * height * 4;
  const buffer = typeof SharedArrayBuffer === 'function' ? new SharedArrayBuffer(bytes) : new ArrayBuffer(bytes);
  return { pixels: new Uint8Array(buffer), width, height };
}

/**
 * Where a backend sends changed rectangles of its shared frame (the engine's display fanout).
 * The frame must not be written while `busy()` is true: a reader is copying it out.
 */
export interface SharedFrameSink {
  /** Sends `rect` of `frame`; a reader that cannot take it now sees it as busy until it has copied it. */
  displayFrame(frame: SharedFrame, rect: Rect): void;
  /** True while some viewer still reads the frame; the backend then leaves it (and its changes pending) alone. */
  displayBusy(): boolean;
}
