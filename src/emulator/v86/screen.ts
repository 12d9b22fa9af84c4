/**
 * The v86 screen: hooks the screen adapter the VGA device calls, keeps the current screen
 * (text cells, cursor, font, or a graphics frame buffer) and feeds the display channel with
 * what changed. Text changes and graphics frames are flushed on a timer, so guest writes never
 * wait for a viewer.
 */
import type { DisplayMessage } from '../../shared/protocol/display.js';
import { TEXT_FLAG_BLINK } from '../../shared/protocol/display.js';
import { decodeCp437 } from '../../shared/text/cp437.js';
import type { Rect } from '../display/rect.js';
import { extractRect, unionRect } from '../display/rect.js';
import type { SharedFrame, SharedFrameSink } from '../display/shared-frame.js';
import { allocateSharedFrame } from '../display/shared-frame.js';
import type { BitmapFont, RenderedImage } from '../display/text-render.js';
import { renderTextScreen } from '../display/text-render.js';
import type { V86Emulator, V86Layer, V86ScreenAdapter, V86Vga } from './internals.js';
import { ThreadCpuClock } from './thread-cpu.js';

/** put_char flag for glyphs from the second font page (v86's browser adapter uses the same value). */
const FLAG_FONT_PAGE_B = 2;

/** How often text changes and graphics frames are flushed to the display channel. */
export const DISPLAY_INTERVAL_MS = 33;

/** Upper bound of flush cost to flush interval: at most about 2.5 % of the time goes to the display. */
export const DISPLAY_BUDGET = 40;

/** How many recent flush costs the interval is based on (their median). */
const COST_SAMPLES = 9;

/** v86 allocates graphics buffers only when ImageData exists; Node has none, so define a plain one. */
export function ensureImageData(): void {
  const scope = globalThis as { ImageData?: unknown };
  if (scope.ImageData !== undefined) return;
  scope.ImageData = class ImageData {
    constructor(
      readonly data: Uint8ClampedArray,
      readonly width: number,
      readonly height: number,
    ) {}
  };
}

/**
 * First and last pixel (inclusive) where two equal-length RGBA rows differ; call only when they
 * do. Compares a 32-bit word (one pixel) at a time when both rows are word-aligned.
 */
export function changedSpan(a: Uint8Array, b: Uint8Array): [number, number] {
  const pixels = a.length >> 2;
  if ((a.byteOffset & 3) === 0 && (b.byteOffset & 3) === 0) {
    const wordsA = new Uint32Array(a.buffer, a.byteOffset, pixels);
    const wordsB = new Uint32Array(b.buffer, b.byteOffset, pixels);
    let left = 0;
    while (left < pixels - 1 && wordsA[left] === wordsB[left]) left++;
    let right = pixels - 1;
    while (right > left && wordsA[right] === wordsB[right]) right--;
    return [left, right];
  }
  const same = (pixel: number): boolean => {
    const at = pixel * 4;
    return a[at] === b[at] && a[at + 1] === b[at + 1] && a[at + 2] === b[at + 2] && a[at + 3] === b[at + 3];
  };
  let left = 0;
  while (left < pixels - 1 && same(left)) left++;
  let right = pixels - 1;
  while (right > left && same(right)) right--;
  return [left, right];
}

interface Cursor {
  row: number;
  col: number;
  start: number;
  end: number;
  visible: boolean;
}

/** The text a text-mode screen shows (query-screen-text). */
export interface ScreenText {
  mode: 'text' | 'graphics' | 'off';
  cols: number;
  rows: number;
  width: number;
  height: number;
  lines: string[];
  cursor: { row: number; col: number; visible: boolean };
}

/** Current screen of one emulator, and the display channel feed. */
export class V86Screen {
  private mode: 'text' | 'graphics' | 'off' = 'text';
  private cols = 80;
  private rows = 25;
  private cells = new Uint32Array(80 * 25 * 3);
  private dirtyRowMin = Infinity;
  private dirtyRowMax = -1;
  private readonly cursor: Cursor = { row: 0, col: 0, start: 14, end: 15, visible: true };
  private cursorDirty = false;
  private fontGeometry = { height: 16, width9: false, copy8: false };
  private fontPage = 0;
  private fontDirty = false;
  private font: BitmapFont | undefined;
  private width = 0;
  private height = 0;
  /** Shared with the display worker when the host has one (SharedFrameSink), else only ours. */
  private shared: SharedFrame = allocateSharedFrame(0, 0);
  private frame = this.shared.pixels;
  private pendingRect: Rect | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly costs: number[] = [];
  private intervalMs = DISPLAY_INTERVAL_MS;
  private modeAnnounced = false;
  private disposed = false;
  private clock: ThreadCpuClock | undefined;
  /** When false, nothing is sent and no graphics frames are produced (benchmarks compare both). */
  attached = true;

  /**
   * @param lendFrame `send` copies pixels before returning (BackendHost.displayCopiesPixels): a
   *   change covering the whole screen is sent as the frame buffer itself. At 1024×768 a fresh
   *   3 MiB copy each flush (allocation, zeroing, page faults) cost about as much as the
   *   structured clone that follows it, all on the emulation thread. Benchmarks compare both.
   */
  constructor(
    private readonly emulator: V86Emulator,
    private readonly send: (message: DisplayMessage) => void,
    public lendFrame = false,
    frames?: Partial<SharedFrameSink>,
  ) {
    this.hook(emulator.screen_adapter);
    if (frames?.displayFrame && frames.displayBusy) this.sink = frames as SharedFrameSink;
  }

  /**
   * Where graphics changes go as rectangles of the shared frame (the engine: its display worker
   * copies them out and encodes them off this thread); without one they go to `send` as messages.
   */
  sink: SharedFrameSink | undefined;

  private get vga(): V86Vga | undefined {
    return this.emulator.v86?.cpu.devices.vga;
  }

  /** Starts the flush timer. */
  start(): void {
    if (this.timer || this.disposed) return;
    this.clock ??= new ThreadCpuClock();
    const clock = this.clock;
    const tick = (): void => {
      // CPU time, not wall time: on a loaded host the process is descheduled mid-flush, and
      // wall time would stretch the interval for time the flush never took from the guest. This
      // thread's time only: the display worker's copying and writing do not delay the guest.
      const began = performance.now();
      const start = clock.nowMs();
      this.flush();
      const cost = this.typicalCost(Math.max(0, clock.nowMs() - start));
      if (this.disposed) return;
      // Fetching and diffing a busy graphics screen is not free: stretch the interval so the
      // display feed never takes more than about 1/DISPLAY_BUDGET of the guest's time.
      this.intervalMs = Math.max(DISPLAY_INTERVAL_MS, cost * DISPLAY_BUDGET);
      // The interval runs from this flush's start: counted from its end (plus timer lateness),
      // 33 ms intervals could never give 30 flushes a second.
      this.timer = setTimeout(tick, Math.max(1, this.intervalMs - (performance.now() - began)));
      this.timer.unref();
    };
    this.timer = setTimeout(tick, DISPLAY_INTERVAL_MS);
    this.timer.unref();
  }

  /**
   * The median of the recent flush costs including `latest`. One flush that the host preempted
   * (a busy machine) would otherwise stretch the next interval forty-fold.
   */
  private typicalCost(latest: number): number {
    this.costs.push(latest);
    if (this.costs.length > COST_SAMPLES) this.costs.shift();
    const sorted = [...this.costs].sort((a, b) => a - b);
    return sorted[sorted.length >> 1] ?? latest;
  }

  /** The interval before the next flush, in ms (set after each flush from its CPU cost). */
  get flushIntervalMs(): number {
    return this.intervalMs;
  }

  /** Stops the flush timer. */
  dispose(): void {
    this.disposed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.clock?.close();
  }

  private hook(adapter: V86ScreenAdapter): void {
    // The VGA device reads these from the adapter to build put_char flags; the dummy lacks them.
    adapter.FLAG_BLINKING = TEXT_FLAG_BLINK;
    adapter.FLAG_FONT_PAGE_B = FLAG_FONT_PAGE_B;
    // Wrap rather than replace: the dummy adapter keeps v86's own text helpers working.
    const wrap = <K extends keyof V86ScreenAdapter>(name: K, after: V86ScreenAdapter[K]): void => {
      const original = adapter[name] as ((...args: unknown[]) => void) | undefined;
      const extra = after as (...args: unknown[]) => void;
      (adapter as unknown as Record<string, unknown>)[name] = (...args: unknown[]): void => {
        original?.apply(adapter, args);
        extra.apply(this, args);
      };
    };
    wrap('set_mode', (graphical: boolean) => this.onSetMode(graphical));
    wrap('set_size_text', (cols: number, rows: number) => this.onSizeText(cols, rows));
    wrap('set_size_graphical', (width: number, height: number) => this.onSizeGraphical(width, height));
    wrap('put_char', (row: number, col: number, chr: number, flags: number, bg: number, fg: number) =>
      this.onPutChar(row, col, chr, flags, bg, fg),
    );
    wrap('update_cursor', (row: number, col: number) => {
      this.cursor.row = row;
      this.cursor.col = col;
      this.cursorDirty = true;
    });
    wrap('update_cursor_scanline', (start: number, end: number, enabled: boolean) => {
      this.cursor.start = start;
      this.cursor.end = end;
      this.cursor.visible = enabled;
      this.cursorDirty = true;
    });
    wrap('set_font_bitmap', (height: number, width9: boolean, _double: boolean, copy8: boolean) => {
      this.fontGeometry = { height, width9, copy8 };
      this.font = undefined;
      this.fontDirty = true;
    });
    wrap('set_font_page', (a: number) => {
      if (a !== this.fontPage) {
        this.fontPage = a;
        this.font = undefined;
        this.fontDirty = true;
      }
    });
    wrap('update_buffer', (layers: readonly V86Layer[]) => this.onUpdateBuffer(layers));
  }

  private onSetMode(graphical: boolean): void {
    const mode = graphical ? 'graphics' : 'text';
    if (mode === this.mode) return;
    this.mode = mode;
    this.modeAnnounced = false;
    if (mode === 'text') this.announceText();
  }

  private onSizeText(cols: number, rows: number): void {
    // A new text geometry usually comes with new character height: read the font again.
    this.font = undefined;
    if (cols !== this.cols || rows !== this.rows) {
      this.cols = cols;
      this.rows = rows;
      this.cells = new Uint32Array(cols * rows * 3);
    }
    if (this.mode === 'text') this.announceText();
  }

  private onSizeGraphical(width: number, height: number): void {
    if (width !== this.width || height !== this.height) {
      this.width = width;
      this.height = height;
      this.shared = allocateSharedFrame(width, height);
      this.frame = this.shared.pixels;
    }
    this.pendingRect = undefined;
    if (this.mode === 'graphics' && this.attached) {
      this.send({ type: 'mode', mode: 'graphics', width, height });
      this.modeAnnounced = true;
    }
  }

  private announceText(): void {
    this.modeAnnounced = true;
    this.dirtyRowMin = 0;
    this.dirtyRowMax = this.rows - 1;
    this.cursorDirty = true;
    if (!this.attached) return;
    const font = this.currentFont();
    this.send({ type: 'mode', mode: 'text', cols: this.cols, rows: this.rows, width: this.cols * font.width, height: this.rows * font.height });
  }

  private onPutChar(row: number, col: number, chr: number, flags: number, bg: number, fg: number): void {
    if (row >= this.rows || col >= this.cols) return;
    const at = (row * this.cols + col) * 3;
    // Font page B (512-glyph fonts) is not carried by the display channel: keep only blink.
    this.cells[at] = (chr & 0xff) | ((flags & TEXT_FLAG_BLINK) << 8);
    this.cells[at + 1] = fg;
    this.cells[at + 2] = bg;
    if (row < this.dirtyRowMin) this.dirtyRowMin = row;
    if (row > this.dirtyRowMax) this.dirtyRowMax = row;
  }

  private onUpdateBuffer(layers: readonly V86Layer[]): void {
    const width = this.width;
    const height = this.height;
    const frame = this.frame;
    if (frame.length === 0) return;
    let minY = Infinity;
    let maxY = -1;
    let minX = Infinity;
    let maxX = -1;
    for (const layer of layers) {
      const source = layer.image_data.data;
      const sourceWidth = layer.image_data.width;
      const x = Math.max(0, layer.screen_x);
      const columns = Math.min(layer.buffer_width, width - x);
      if (columns <= 0) continue;
      for (let row = 0; row < layer.buffer_height; row++) {
        const y = layer.screen_y + row;
        if (y < 0 || y >= height) continue;
        const from = ((layer.buffer_y + row) * sourceWidth + layer.buffer_x) * 4;
        const to = (y * width + x) * 4;
        const line = new Uint8Array(source.buffer, source.byteOffset + from, columns * 4);
        // Planar modes report whole layers every frame: copy only rows that really changed.
        const previous = frame.subarray(to, to + columns * 4);
        if (Buffer.compare(line, previous) === 0) continue;
        const [left, right] = changedSpan(line, previous);
        if (x + left < minX) minX = x + left;
        if (x + right > maxX) maxX = x + right;
        frame.set(line, to);
        if (y < minY) minY = y;
        if (y > maxY) maxY = y;
      }
    }
    if (maxY < 0) return;
    this.pendingRect = unionRect(this.pendingRect, { x: minX, y: minY, width: maxX - minX + 1, height: maxY - minY + 1 });
  }

  /** Sends what changed since the last flush (and, in graphics mode, asks v86 for a new frame). */
  flush(): void {
    if (!this.attached) return;
    if (this.mode === 'graphics') {
      if (!this.modeAnnounced && this.width > 0) {
        this.send({ type: 'mode', mode: 'graphics', width: this.width, height: this.height });
        this.modeAnnounced = true;
      }
      // A viewer still copying the last rectangle out of the shared frame: leave the frame alone;
      // v86 keeps its dirty range, so the next flush takes this one's changes too (coalesced).
      if (this.sink?.displayBusy()) return;
      this.vga?.screen_fill_buffer();
      const rect = this.pendingRect;
      this.pendingRect = undefined;
      if (!rect) return;
      if (this.sink) this.sink.displayFrame(this.shared, rect);
      else this.send({ type: 'rect', ...rect, pixels: this.rectPixels(rect) });
      return;
    }
    if (!this.modeAnnounced) this.announceText();
    if (this.fontDirty) {
      this.fontDirty = false;
      this.send({ type: 'font', ...this.currentFont() });
    }
    if (this.dirtyRowMax >= this.dirtyRowMin) {
      const row = Math.max(0, this.dirtyRowMin);
      const rowCount = Math.min(this.rows - 1, this.dirtyRowMax) - row + 1;
      this.dirtyRowMin = Infinity;
      this.dirtyRowMax = -1;
      if (rowCount > 0) {
        const cells = this.cells.slice(row * this.cols * 3, (row + rowCount) * this.cols * 3);
        this.send({ type: 'text', row, rowCount, cols: this.cols, cells });
      }
    }
    if (this.cursorDirty) {
      this.cursorDirty = false;
      this.send({ type: 'text-cursor', ...this.cursor });
    }
  }

  /** The pixels of `rect`: a copy, or the frame itself when it is the whole screen and may be lent. */
  private rectPixels(rect: Rect): Uint8Array {
    const whole = rect.x === 0 && rect.y === 0 && rect.width === this.width && rect.height === this.height;
    return whole && this.lendFrame ? this.frame : extractRect(this.frame, this.width, rect);
  }

  /** Sends the whole current screen to one viewer. */
  replay(send: (message: DisplayMessage) => void): void {
    if (this.mode === 'graphics') {
      if (this.width === 0) return;
      // Unlike flush, this fills the shared frame even while a viewer copies from it (the screen
      // is needed now). The engine has one viewer, the one replayed to, which gets a whole copy;
      // a second viewer copying at that moment could get rows of the newer frame early.
      this.vga?.screen_fill_buffer();
      this.pendingRect = undefined;
      send({ type: 'mode', mode: 'graphics', width: this.width, height: this.height });
      send({ type: 'rect', x: 0, y: 0, width: this.width, height: this.height, pixels: this.frame.slice() });
      return;
    }
    const font = this.currentFont();
    send({ type: 'mode', mode: 'text', cols: this.cols, rows: this.rows, width: this.cols * font.width, height: this.rows * font.height });
    send({ type: 'font', ...font });
    send({ type: 'text', row: 0, rowCount: this.rows, cols: this.cols, cells: this.cells.slice() });
    send({ type: 'text-cursor', ...this.cursor });
  }

  /**
   * The guest's text font, read from VGA plane 2 (where the VGA BIOS and guests load it), so it is
   * right even before the guest changes it. 9-dot modes repeat column 8 for line-drawing glyphs.
   */
  currentFont(): BitmapFont {
    if (this.font) return this.font;
    const vga = this.vga;
    const height = vga ? (vga.max_scan_line & 31) + 1 : this.fontGeometry.height;
    const width9 = vga ? !(vga.clocking_mode & 1) && !(vga.clocking_mode & 8) : this.fontGeometry.width9;
    const copy8 = vga ? !!(vga.attribute_mode & 4) : this.fontGeometry.copy8;
    const width = width9 ? 9 : 8;
    const rowBytes = width9 ? 2 : 1;
    const bitmap = new Uint8Array(256 * height * rowBytes);
    const plane2 = vga?.plane2;
    const base = this.fontPage * 8192;
    for (let glyph = 0; glyph < 256; glyph++) {
      for (let y = 0; y < height; y++) {
        const bits = plane2?.[base + glyph * 32 + y] ?? 0;
        const at = (glyph * height + y) * rowBytes;
        bitmap[at] = bits;
        if (width9 && copy8 && glyph >= 0xc0 && glyph <= 0xdf && bits & 1) bitmap[at + 1] = 0x80;
      }
    }
    this.font = { width, height, glyphCount: 256, bitmap };
    return this.font;
  }

  /** The screen as lines of text (graphics mode: no lines). */
  text(): ScreenText {
    if (this.mode !== 'text') {
      return { mode: this.mode, cols: 0, rows: 0, width: this.width, height: this.height, lines: [], cursor: { row: 0, col: 0, visible: false } };
    }
    const font = this.currentFont();
    const lines: string[] = [];
    const glyphs = new Uint8Array(this.cols);
    for (let row = 0; row < this.rows; row++) {
      for (let col = 0; col < this.cols; col++) glyphs[col] = (this.cells[(row * this.cols + col) * 3] ?? 0) & 0xff;
      lines.push(decodeCp437(glyphs).trimEnd());
    }
    return {
      mode: 'text',
      cols: this.cols,
      rows: this.rows,
      width: this.cols * font.width,
      height: this.rows * font.height,
      lines,
      cursor: { row: this.cursor.row, col: this.cursor.col, visible: this.cursor.visible },
    };
  }

  /** The screen as RGBA pixels: text rendered with the guest's font, or the graphics frame. */
  image(): RenderedImage | undefined {
    if (this.mode === 'graphics') {
      if (this.width === 0) return undefined;
      const wasAttached = this.attached;
      this.vga?.screen_fill_buffer();
      if (!wasAttached) this.pendingRect = undefined;
      return { width: this.width, height: this.height, pixels: this.frame.slice() };
    }
    if (this.mode === 'off') return undefined;
    return renderTextScreen({ cols: this.cols, rows: this.rows, cells: this.cells }, this.currentFont());
  }

  /** The current mode. */
  get currentMode(): 'text' | 'graphics' | 'off' {
    return this.mode;
  }
}
