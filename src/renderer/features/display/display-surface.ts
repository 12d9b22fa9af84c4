/**
 * Draws display-channel messages on a canvas whose backing store is the guest's size: text mode
 * with the guest's own font (glyph images cached per glyph and colours), a blinking text cursor
 * and blinking cells, graphics from changed rectangles, and the hardware cursor as the CSS cursor.
 */
import type {
  CursorSpriteMessage,
  DisplayMessage,
  TextCursorMessage,
  TextFontMessage,
} from '../../../shared/protocol/display.js';
import { TEXT_FLAG_BLINK } from '../../../shared/protocol/display.js';
import { cp437ToChar } from '../../../shared/text/cp437.js';
import { screenText, regionText } from './text-selection.js';
import type { CellRegion } from './text-selection.js';

/** The current screen mode as the surface sees it. */
export type SurfaceMode =
  | { readonly mode: 'off' }
  | { readonly mode: 'graphics'; readonly width: number; readonly height: number }
  | { readonly mode: 'text'; readonly cols: number; readonly rows: number; readonly width: number; readonly height: number };

/** How often the text cursor and blinking cells change phase (VGA blinks at about 1.9 Hz). */
export const BLINK_INTERVAL_MS = 266;
const GLYPH_CACHE_LIMIT = 4096;

/** What the owner hears about: mode/size changes and the CSS cursor to show. */
export interface SurfaceListener {
  onModeChange?(mode: SurfaceMode): void;
  onCursorChange?(css: string | undefined): void;
}

/** A canvas renderer for one guest display. Call `dispose` when done (it owns a timer). */
export class DisplaySurface {
  readonly canvas: HTMLCanvasElement;
  private readonly context: CanvasRenderingContext2D;
  private state: SurfaceMode = { mode: 'off' };
  private cells = new Uint32Array(0);
  private font: TextFontMessage | undefined;
  private cursor: TextCursorMessage = { type: 'text-cursor', row: 0, col: 0, start: 14, end: 15, visible: false };
  private readonly glyphs = new Map<string, ImageData>();
  private blinkPhase = true;
  private blinkTimer: ReturnType<typeof setInterval> | undefined;
  private cursorCss: string | undefined;
  private scratch: HTMLCanvasElement | undefined;
  private disposed = false;
  /** Messages applied so far (a cheap frame counter for benchmarks and tests). */
  messageCount = 0;

  constructor(canvas: HTMLCanvasElement, private readonly listener: SurfaceListener = {}) {
    this.canvas = canvas;
    const context = canvas.getContext('2d', { alpha: false });
    if (!context) throw new Error('This browser gave no 2D canvas context; the guest screen cannot be drawn.');
    this.context = context;
    this.context.imageSmoothingEnabled = false;
    canvas.style.imageRendering = 'pixelated';
    this.resize(1, 1);
  }

  /** The current mode. */
  get mode(): SurfaceMode {
    return this.state;
  }

  /** Guest size in pixels (0×0 when off). */
  get size(): { width: number; height: number } {
    return this.state.mode === 'off' ? { width: 0, height: 0 } : { width: this.state.width, height: this.state.height };
  }

  /** The CSS `cursor` value for the guest's hardware cursor, or undefined when the engine gave none. */
  get hardwareCursor(): string | undefined {
    return this.cursorCss;
  }

  /** Applies one display message. */
  apply(message: DisplayMessage): void {
    if (this.disposed) return;
    this.messageCount++;
    switch (message.type) {
      case 'mode':
        this.setMode(message.mode === 'off' ? { mode: 'off' } : message);
        break;
      case 'font':
        this.font = message;
        this.glyphs.clear();
        this.redrawText();
        break;
      case 'text':
        this.applyText(message.row, message.rowCount, message.cols, message.cells);
        break;
      case 'text-cursor': {
        const old = this.cursor;
        this.cursor = message;
        this.blinkPhase = true;
        this.drawCell(old.row, old.col);
        this.drawCell(message.row, message.col);
        break;
      }
      case 'rect':
        this.applyRect(message.x, message.y, message.width, message.height, message.pixels);
        break;
      case 'cursor-sprite':
        this.applyCursorSprite(message);
        break;
      case 'pointer-mode':
        break; // the view decides capture behaviour from this; nothing to draw
    }
  }

  /** Text of a rectangular cell region (text mode only; '' otherwise). */
  textOf(region: CellRegion): string {
    return this.state.mode === 'text' ? regionText(this.cells, this.state.cols, this.state.rows, region) : '';
  }

  /** The whole text screen as text ('' in graphics mode). */
  text(): string {
    return this.state.mode === 'text' ? screenText(this.cells, this.state.cols, this.state.rows) : '';
  }

  /** Cell size in guest pixels (text mode), for mapping pointer positions to cells. */
  cellSize(): { width: number; height: number } | undefined {
    if (this.state.mode !== 'text') return undefined;
    return { width: this.state.width / this.state.cols, height: this.state.height / this.state.rows };
  }

  /** A PNG data URL of the current screen (for screenshots). */
  snapshotUrl(): string {
    return this.canvas.toDataURL('image/png');
  }

  /** Stops the blink timer and ignores further messages. */
  dispose(): void {
    this.disposed = true;
    if (this.blinkTimer !== undefined) clearInterval(this.blinkTimer);
    this.blinkTimer = undefined;
  }

  private setMode(mode: SurfaceMode): void {
    this.state = mode;
    if (mode.mode === 'off') {
      this.resize(1, 1);
      this.cells = new Uint32Array(0);
    } else {
      this.resize(mode.width, mode.height);
      if (mode.mode === 'text') this.cells = new Uint32Array(mode.cols * mode.rows * 3);
    }
    this.context.fillStyle = '#000';
    this.context.fillRect(0, 0, this.canvas.width, this.canvas.height);
    this.updateBlinkTimer();
    this.listener.onModeChange?.(mode);
  }

  private resize(width: number, height: number): void {
    if (this.canvas.width !== width) this.canvas.width = width;
    if (this.canvas.height !== height) this.canvas.height = height;
    this.context.imageSmoothingEnabled = false;
  }

  private updateBlinkTimer(): void {
    const wanted = this.state.mode === 'text';
    if (wanted && this.blinkTimer === undefined) {
      this.blinkTimer = setInterval(() => this.blink(), BLINK_INTERVAL_MS);
    } else if (!wanted && this.blinkTimer !== undefined) {
      clearInterval(this.blinkTimer);
      this.blinkTimer = undefined;
    }
  }

  private blink(): void {
    if (this.state.mode !== 'text') return;
    this.blinkPhase = !this.blinkPhase;
    const { cols, rows } = this.state;
    for (let i = 0; i < cols * rows; i++) {
      if ((((this.cells[i * 3] ?? 0) >> 8) & TEXT_FLAG_BLINK) !== 0) this.drawCell(Math.floor(i / cols), i % cols);
    }
    if (this.cursor.visible) this.drawCell(this.cursor.row, this.cursor.col);
  }

  private applyText(row: number, rowCount: number, cols: number, cells: Uint32Array): void {
    if (this.state.mode !== 'text' || cols !== this.state.cols) return; // stale: sent before a mode change
    const rows = Math.min(rowCount, this.state.rows - row);
    if (row < 0 || rows <= 0) return;
    this.cells.set(cells.subarray(0, rows * cols * 3), row * cols * 3);
    for (let r = row; r < row + rows; r++) for (let c = 0; c < cols; c++) this.drawCell(r, c);
  }

  private redrawText(): void {
    if (this.state.mode !== 'text') return;
    for (let r = 0; r < this.state.rows; r++) for (let c = 0; c < this.state.cols; c++) this.drawCell(r, c);
  }

  private drawCell(row: number, col: number): void {
    if (this.state.mode !== 'text') return;
    const { cols, rows, width, height } = this.state;
    if (row < 0 || col < 0 || row >= rows || col >= cols) return;
    const cellW = Math.floor(width / cols);
    const cellH = Math.floor(height / rows);
    const index = (row * cols + col) * 3;
    const word = this.cells[index] ?? 0;
    const glyph = word & 0xff;
    const blinkHidden = ((word >> 8) & TEXT_FLAG_BLINK) !== 0 && !this.blinkPhase;
    const fg = this.cells[index + 1] ?? 0xaaaaaa;
    const bg = this.cells[index + 2] ?? 0;
    const image = this.glyphImage(blinkHidden ? 0 : glyph, fg, bg, cellW, cellH);
    this.context.putImageData(image, col * cellW, row * cellH);
    const cursor = this.cursor;
    if (cursor.visible && this.blinkPhase && cursor.row === row && cursor.col === col && cursor.start <= cursor.end) {
      const top = Math.max(0, Math.min(cellH - 1, cursor.start));
      const bottom = Math.max(top, Math.min(cellH - 1, cursor.end));
      this.context.fillStyle = cssColour(fg);
      this.context.fillRect(col * cellW, row * cellH + top, cellW, bottom - top + 1);
    }
  }

  private glyphImage(glyph: number, fg: number, bg: number, cellW: number, cellH: number): ImageData {
    const key = `${glyph}:${fg}:${bg}:${cellW}x${cellH}`;
    const cached = this.glyphs.get(key);
    if (cached) return cached;
    if (this.glyphs.size >= GLYPH_CACHE_LIMIT) this.glyphs.clear();
    const image = this.font ? new ImageData(cellW, cellH) : this.fallbackGlyph(glyph, fg, bg, cellW, cellH);
    if (!this.font) {
      this.glyphs.set(key, image);
      return image;
    }
    const data = image.data;
    const font = this.font;
    const stride = font ? Math.ceil(font.width / 8) : 0;
    // VGA's 9-dot mode repeats column 8 for the line-drawing glyphs so boxes join up.
    const lineGraphic = glyph >= 0xc0 && glyph <= 0xdf;
    for (let y = 0; y < cellH; y++) {
      for (let x = 0; x < cellW; x++) {
        let on = false;
        if (font && glyph < font.glyphCount && y < font.height) {
          const fx = x < font.width ? x : lineGraphic ? font.width - 1 : -1;
          if (fx >= 0) {
            const byte = font.bitmap[(glyph * font.height + y) * stride + (fx >> 3)] ?? 0;
            on = (byte & (0x80 >> (fx & 7))) !== 0;
          }
        }
        const colour = on ? fg : bg;
        const at = (y * cellW + x) * 4;
        data[at] = (colour >> 16) & 0xff;
        data[at + 1] = (colour >> 8) & 0xff;
        data[at + 2] = colour & 0xff;
        data[at + 3] = 255;
      }
    }
    this.glyphs.set(key, image);
    return image;
  }

  /** Until the engine sends the guest's font, text is drawn with a local monospace font. */
  private fallbackGlyph(glyph: number, fg: number, bg: number, cellW: number, cellH: number): ImageData {
    this.scratch ??= document.createElement('canvas');
    const scratch = this.scratch;
    scratch.width = cellW;
    scratch.height = cellH;
    const context = scratch.getContext('2d', { willReadFrequently: true });
    if (!context) return new ImageData(cellW, cellH);
    context.fillStyle = cssColour(bg);
    context.fillRect(0, 0, cellW, cellH);
    if (glyph !== 0 && glyph !== 0x20) {
      context.fillStyle = cssColour(fg);
      context.font = `${Math.max(6, Math.round(cellH * 0.8))}px monospace`;
      context.textAlign = 'center';
      context.textBaseline = 'middle';
      context.fillText(cp437ToChar(glyph), cellW / 2, cellH / 2 + 1);
    }
    return context.getImageData(0, 0, cellW, cellH);
  }

  private applyRect(x: number, y: number, width: number, height: number, pixels: Uint8Array): void {
    if (this.state.mode !== 'graphics' || width <= 0 || height <= 0) return;
    if (pixels.length < width * height * 4) return; // malformed; drawing it would throw
    const clamped = new Uint8ClampedArray(pixels.buffer as ArrayBuffer, pixels.byteOffset, width * height * 4);
    this.context.putImageData(new ImageData(clamped, width, height), x, y);
  }

  private applyCursorSprite(message: CursorSpriteMessage): void {
    let css: string;
    if (!message.visible || message.width <= 0 || message.height <= 0) {
      css = 'none';
    } else {
      const sprite = document.createElement('canvas');
      sprite.width = message.width;
      sprite.height = message.height;
      const context = sprite.getContext('2d');
      if (!context || message.pixels.length < message.width * message.height * 4) return;
      const clamped = new Uint8ClampedArray(message.pixels.buffer as ArrayBuffer, message.pixels.byteOffset, message.width * message.height * 4);
      context.putImageData(new ImageData(clamped, message.width, message.height), 0, 0);
      const hotX = Math.min(message.width - 1, Math.max(0, message.hotX));
      const hotY = Math.min(message.height - 1, Math.max(0, message.hotY));
      css = `url(${sprite.toDataURL('image/png')}) ${hotX} ${hotY}, default`;
    }
    this.cursorCss = css;
    this.listener.onCursorChange?.(css);
  }
}

/** 0xRRGGBB → CSS colour. */
export function cssColour(rgb: number): string {
  return `#${(rgb & 0xffffff).toString(16).padStart(6, '0')}`;
}
