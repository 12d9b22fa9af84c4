/**
 * The display channel (docs/architecture.md §4): messages from an engine to a viewer. Pixels never travel
 * as JSON; these objects are encoded to binary by `display-codec.ts` for ports and sockets,
 * and passed as they are to in-process consumers.
 *
 * Colours are 0xRRGGBB numbers; pixel buffers are RGBA bytes, row-major, no padding.
 */

/** The screen switched mode or size. Viewers drop what they drew before. */
export type DisplayModeMessage =
  | { readonly type: 'mode'; readonly mode: 'text'; readonly cols: number; readonly rows: number; readonly width: number; readonly height: number }
  | { readonly type: 'mode'; readonly mode: 'graphics'; readonly width: number; readonly height: number }
  | { readonly type: 'mode'; readonly mode: 'off' };

/**
 * Text-mode cells for rows `row .. row + rowCount - 1` (whole rows). Each cell takes three
 * numbers in `cells`: glyph | (flags << 8), foreground, background. The glyph is the byte the
 * guest wrote (code page 437 for PC guests; see `cp437.ts` for its Unicode character).
 */
export interface TextCellsMessage {
  readonly type: 'text';
  readonly row: number;
  readonly rowCount: number;
  readonly cols: number;
  readonly cells: Uint32Array;
}

/** Cell flag: the cell blinks. */
export const TEXT_FLAG_BLINK = 1;

/** Text cursor position and shape (scanlines `start..end` of the character cell). */
export interface TextCursorMessage {
  readonly type: 'text-cursor';
  readonly row: number;
  readonly col: number;
  readonly start: number;
  readonly end: number;
  readonly visible: boolean;
}

/**
 * The guest's text font: `glyphCount` glyphs of `width`×`height` pixels, one bit per pixel,
 * each glyph row in ceil(width/8) bytes, most significant bit leftmost.
 */
export interface TextFontMessage {
  readonly type: 'font';
  readonly width: number;
  readonly height: number;
  readonly glyphCount: number;
  readonly bitmap: Uint8Array;
}

/** A changed rectangle of a graphics-mode screen. */
export interface RectangleMessage {
  readonly type: 'rect';
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
  readonly pixels: Uint8Array;
}

/** The guest's pointer shape (hardware cursor), or `visible: false` when none should be drawn. */
export interface CursorSpriteMessage {
  readonly type: 'cursor-sprite';
  readonly visible: boolean;
  readonly width: number;
  readonly height: number;
  readonly hotX: number;
  readonly hotY: number;
  readonly pixels: Uint8Array;
}

/** Whether the engine offers absolute pointing (a tablet or VMware pointer the guest enabled). */
export interface PointerModeMessage {
  readonly type: 'pointer-mode';
  readonly absolute: boolean;
}

export type DisplayMessage =
  | DisplayModeMessage
  | TextCellsMessage
  | TextCursorMessage
  | TextFontMessage
  | RectangleMessage
  | CursorSpriteMessage
  | PointerModeMessage;
