/**
 * Whether the screen has been drawn in full since its last mode change. Main's screen copy
 * (ScreenCache) starts each mode as a blank (black) screen and fills it from the messages that
 * follow, so a copy read between a mode message and the content the engine sends after it is
 * black: that is what a thumbnail taken just after the display was attached used to show.
 */
import type { DisplayMessage } from '../../shared/protocol/display.js';

/** Follows one display's messages and tells whether every cell or pixel of the current mode has arrived. */
export class ScreenCoverage {
  /** Text rows or graphics pixels already drawn in this mode (undefined when complete or off). */
  private seen: Uint8Array | undefined;
  private missing = 0;
  private width = 0;
  private rows = 0;
  private kind: 'off' | 'text' | 'graphics' = 'off';

  /** Whether the current mode's screen has arrived in full (false before any mode, and for "off"). */
  get complete(): boolean {
    return this.kind !== 'off' && this.missing === 0;
  }

  /** Takes one display message. */
  apply(message: DisplayMessage): void {
    switch (message.type) {
      case 'mode':
        this.kind = message.mode;
        if (message.mode === 'off') {
          this.seen = undefined;
          this.missing = 0;
        } else if (message.mode === 'text') {
          this.rows = message.rows;
          this.width = message.cols;
          this.missing = message.rows;
          this.seen = new Uint8Array(message.rows);
        } else {
          this.rows = message.height;
          this.width = message.width;
          this.missing = message.width * message.height;
          this.seen = new Uint8Array(this.missing);
        }
        return;
      case 'text':
        if (this.kind === 'text' && message.cols === this.width) this.mark(0, message.row, 1, message.rowCount, 1);
        return;
      case 'rect':
        if (this.kind === 'graphics') this.mark(message.x, message.y, message.width, message.height, this.width);
        return;
      default:
        return;
    }
  }

  /** Marks a rectangle of units, `columns` to a row (text: one unit per row; graphics: the pixels). */
  private mark(x: number, y: number, width: number, height: number, columns: number): void {
    const seen = this.seen;
    if (!seen || this.missing === 0) return;
    const x0 = Math.max(0, x);
    const x1 = Math.min(columns, x + width);
    const y0 = Math.max(0, y);
    const y1 = Math.min(this.rows, y + height);
    for (let row = y0; row < y1; row++) {
      for (let at = row * columns + x0, end = row * columns + x1; at < end; at++) {
        if (seen[at] === 0) {
          seen[at] = 1;
          this.missing--;
        }
      }
    }
    if (this.missing === 0) this.seen = undefined;
  }
}
