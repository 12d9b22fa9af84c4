/**
 * The current screen of one engine as main last saw it, so a view that attaches later (a
 * second window or browser tab, or one re-attaching) is drawn at once: replay() gives the
 * messages that rebuild the whole screen. The engine sends its full screen only to the first
 * attachment of the parent channel, so main keeps this copy (one per engine session, shared by
 * the Electron display broker and the web shell).
 */
import type { CursorSpriteMessage, DisplayMessage, DisplayModeMessage, PointerModeMessage, TextCursorMessage, TextFontMessage } from '../../shared/protocol/display.js';

export class ScreenCache {
  private mode: DisplayModeMessage | undefined;
  private font: TextFontMessage | undefined;
  private textCursor: TextCursorMessage | undefined;
  private cursorSprite: CursorSpriteMessage | undefined;
  private pointerMode: PointerModeMessage | undefined;
  /** Text mode: cols × rows cells, three numbers each. */
  private cells: Uint32Array | undefined;
  /** Graphics mode: width × height RGBA. */
  private pixels: Uint8Array | undefined;

  /** Takes one message into the copy. */
  apply(message: DisplayMessage): void {
    switch (message.type) {
      case 'mode':
        this.mode = message;
        this.cells = message.mode === 'text' ? new Uint32Array(message.cols * message.rows * 3) : undefined;
        this.pixels = message.mode === 'graphics' ? new Uint8Array(message.width * message.height * 4) : undefined;
        this.textCursor = undefined;
        return;
      case 'font':
        this.font = message;
        return;
      case 'text-cursor':
        this.textCursor = message;
        return;
      case 'cursor-sprite':
        this.cursorSprite = message;
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
        const width = Math.min(message.width, screenWidth - message.x);
        const height = Math.min(message.height, screenHeight - message.y);
        if (width <= 0 || height <= 0) return;
        for (let row = 0; row < height; row++) {
          const from = row * message.width * 4;
          this.pixels.set(message.pixels.subarray(from, from + width * 4), ((message.y + row) * screenWidth + message.x) * 4);
        }
        return;
      }
    }
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
      out.push({ type: 'rect', x: 0, y: 0, width: mode.width, height: mode.height, pixels: this.pixels.slice() });
      if (this.cursorSprite) out.push(this.cursorSprite);
    }
    return out;
  }
}
