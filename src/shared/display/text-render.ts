/**
 * Renders a text-mode screen (cells + the guest's bitmap font) to RGBA pixels, for the engine's
 * screendump and main's thumbnails (one renderer, so both show the same picture).
 */

/** A bitmap font as the display channel carries it (see TextFontMessage). */
export interface BitmapFont {
  readonly width: number;
  readonly height: number;
  readonly glyphCount: number;
  /** One bit a pixel; each glyph row takes ceil(width / 8) bytes, most significant bit leftmost. */
  readonly bitmap: Uint8Array;
}

/** A text screen: `cells` holds three numbers a cell: glyph | flags << 8, foreground, background (0xRRGGBB). */
export interface TextScreen {
  readonly cols: number;
  readonly rows: number;
  readonly cells: Uint32Array;
}

/** The result of rendering: RGBA pixels of `width`×`height`. */
export interface RenderedImage {
  readonly width: number;
  readonly height: number;
  readonly pixels: Uint8Array;
}

/** Renders every cell with its glyph from `font`; glyphs beyond the font are drawn as background. */
export function renderTextScreen(screen: TextScreen, font: BitmapFont): RenderedImage {
  const width = screen.cols * font.width;
  const height = screen.rows * font.height;
  const pixels = new Uint8Array(width * height * 4);
  const rowBytes = Math.ceil(font.width / 8);
  const glyphBytes = rowBytes * font.height;
  for (let row = 0; row < screen.rows; row++) {
    for (let col = 0; col < screen.cols; col++) {
      const cell = (row * screen.cols + col) * 3;
      const glyph = (screen.cells[cell] ?? 0) & 0xff;
      const fg = screen.cells[cell + 1] ?? 0xffffff;
      const bg = screen.cells[cell + 2] ?? 0;
      const base = glyph < font.glyphCount ? glyph * glyphBytes : -1;
      for (let gy = 0; gy < font.height; gy++) {
        let offset = ((row * font.height + gy) * width + col * font.width) * 4;
        for (let gx = 0; gx < font.width; gx++) {
          const bits = base < 0 ? 0 : (font.bitmap[base + gy * rowBytes + (gx >> 3)] ?? 0);
          const colour = bits & (0x80 >> (gx & 7)) ? fg : bg;
          pixels[offset++] = (colour >> 16) & 0xff;
          pixels[offset++] = (colour >> 8) & 0xff;
          pixels[offset++] = colour & 0xff;
          pixels[offset++] = 0xff;
        }
      }
    }
  }
  return { width, height, pixels };
}
