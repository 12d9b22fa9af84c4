/**
 * The current screen of one engine as main last saw it, so a view that attaches later (a
 * second window or browser tab, or one re-attaching) is drawn at once: replay() gives the
 * messages that rebuild the whole screen. The engine sends its full screen only to the first
 * attachment of the parent channel, so main keeps this copy (one per engine session, shared by
 * the Electron display broker and the web shell).
 */
import type { CursorSpriteMessage, DisplayMessage, DisplayModeMessage, PointerModeMessage, RectangleMessage, TextCursorMessage, TextFontMessage } from '../../shared/protocol/display.js';
import type { Release } from '../../shared/display/display-buffers.js';

/** Holds the buffer a message's payload lives in while the copy keeps the message (display-buffers.ts). */
export type RetainMessage = (message: DisplayMessage) => Release;

/** Rectangles kept uncopied (see ScreenCache.pending) before they are copied in regardless. */
const maxPendingRects = 64;

/**
 * Main's copy of one engine's screen. Graphics rectangles are kept as received and copied into
 * the screen only when it is read (replay) or when they add up to more than a screen: a guest
 * repainting the whole screen sends one full-screen rectangle a frame, each hiding the one
 * before, so the copy costs nothing per frame (a 3 MiB copy at 1024×768 before).
 */
export class ScreenCache {
  private mode: DisplayModeMessage | undefined;
  private font: TextFontMessage | undefined;
  private textCursor: TextCursorMessage | undefined;
  private cursorSprite: CursorSpriteMessage | undefined;
  private pointerMode: PointerModeMessage | undefined;
  /** Text mode: cols × rows cells, three numbers each. */
  private cells: Uint32Array | undefined;
  /** Graphics mode: width × height RGBA, without the pending rectangles. */
  private pixels: Uint8Array | undefined;
  /**
   * Rectangles received since `pixels` was last brought up to date, oldest first, not copied:
   * their pixels are the received messages' own arrays, which nothing writes to afterwards.
   * Bounded: once they hold more bytes than the screen, or maxPendingRects, they are copied in.
   */
  private pending: RectangleMessage[] = [];
  private pendingBytes = 0;
  /** Bytes copied into the screen copy so far (diagnostics and tests: the cost per frame). */
  copiedBytes = 0;
  /** Lets go of each kept message's payload buffer (font, cursor sprite, pending rectangles). */
  private readonly releases = new Map<DisplayMessage, Release>();

  /**
   * @param retain holds a message's payload buffer while the copy keeps the message, so the
   *   buffer is not reused under it (the engine session's DisplayBuffers); by default nothing.
   */
  constructor(private readonly retain: RetainMessage = () => () => undefined) {}

  private keep(message: DisplayMessage): void {
    this.releases.set(message, this.retain(message));
  }

  private drop(message: DisplayMessage | undefined): void {
    if (!message) return;
    this.releases.get(message)?.();
    this.releases.delete(message);
  }

  private dropPending(): void {
    for (const message of this.pending) this.drop(message);
    this.pending = [];
    this.pendingBytes = 0;
  }

  /** Takes one message into the copy. */
  apply(message: DisplayMessage): void {
    switch (message.type) {
      case 'mode':
        this.mode = message;
        this.cells = message.mode === 'text' ? new Uint32Array(message.cols * message.rows * 3) : undefined;
        this.pixels = message.mode === 'graphics' ? new Uint8Array(message.width * message.height * 4) : undefined;
        this.dropPending();
        this.textCursor = undefined;
        return;
      case 'font':
        this.drop(this.font);
        this.font = message;
        this.keep(message);
        return;
      case 'text-cursor':
        this.textCursor = message;
        return;
      case 'cursor-sprite':
        this.drop(this.cursorSprite);
        this.cursorSprite = message;
        this.keep(message);
        return;
      case 'pointer-mode':
        this.pointerMode = message;
        return;
      case 'text': {
        if (this.mode?.mode !== 'text' || !this.cells || message.cols !== this.mode.cols) return;
        const rows = Math.min(message.rowCount, this.mode.rows - message.row);
        if (message.row < 0 || rows <= 0) return;
        const perRow = this.mode.cols * 3;
        this.cells.set(message.cells.subarray(0, rows * perRow), message.row * perRow);
        return;
      }
      case 'rect': {
        if (this.mode?.mode !== 'graphics' || !this.pixels) return;
        const { width: screenWidth, height: screenHeight } = this.mode;
        if (message.x >= screenWidth || message.y >= screenHeight || message.width <= 0 || message.height <= 0) return;
        if (message.x === 0 && message.y === 0 && message.width >= screenWidth && message.height >= screenHeight) {
          // Covers the whole screen: what came before it no longer shows.
          this.dropPending();
        }
        this.pending.push(message);
        this.keep(message);
        this.pendingBytes += message.pixels.byteLength;
        if (this.pendingBytes > this.pixels.byteLength || this.pending.length > maxPendingRects) this.settle();
        return;
      }
    }
  }

  /** Copies the pending rectangles into the screen copy, in order. */
  private settle(): void {
    const pixels = this.pixels;
    if (this.mode?.mode !== 'graphics' || !pixels) return;
    const { width: screenWidth, height: screenHeight } = this.mode;
    for (const message of this.pending) {
      const width = Math.min(message.width, screenWidth - message.x);
      const height = Math.min(message.height, screenHeight - message.y);
      if (width <= 0 || height <= 0) continue;
      if (width === screenWidth && message.width === screenWidth) {
        // Whole rows: one contiguous copy.
        pixels.set(message.pixels.subarray(0, width * height * 4), message.y * screenWidth * 4);
      } else {
        for (let row = 0; row < height; row++) {
          const from = row * message.width * 4;
          pixels.set(message.pixels.subarray(from, from + width * 4), ((message.y + row) * screenWidth + message.x) * 4);
        }
      }
      this.copiedBytes += width * height * 4;
    }
    this.dropPending();
  }

  /** The messages that draw the whole current screen (empty before the first mode). */
  replay(): DisplayMessage[] {
    const mode = this.mode;
    if (!mode) return [];
    const out: DisplayMessage[] = [mode];
    if (this.pointerMode) out.push(this.pointerMode);
    if (mode.mode === 'text' && this.cells) {
      if (this.font) out.push(this.font);
      out.push({ type: 'text', row: 0, rowCount: mode.rows, cols: mode.cols, cells: this.cells.slice() });
      if (this.textCursor) out.push(this.textCursor);
    } else if (mode.mode === 'graphics' && this.pixels) {
      this.settle();
      out.push({ type: 'rect', x: 0, y: 0, width: mode.width, height: mode.height, pixels: this.pixels.slice() });
      if (this.cursorSprite) out.push(this.cursorSprite);
    }
    return out;
  }
}
