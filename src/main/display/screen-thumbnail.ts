/**
 * Thumbnails of a running guest's screen, drawn from main's copy of it (the engine session's
 * ScreenCache): text mode rendered with the guest's font, graphics from the frame buffer, shrunk
 * with a box filter and encoded as PNG. No engine command and no file: the copy is already here.
 */
import { encodePng } from '../../node/png.js';
import type { DisplayMessage } from '../../shared/protocol/display.js';
import { renderTextScreen } from '../../shared/display/text-render.js';
import type { RenderedImage } from '../../shared/display/text-render.js';
import type { DisplaySource } from './display-feed.js';
import { ScreenCoverage } from './screen-coverage.js';

/**
 * How long a thumbnail waits for a screen that main does not have yet (display just attached).
 * Attaching starts the engine's display worker and socket: 1.5–2 s when the engine runs from
 * source (tsx) on a loaded host, and twice over 5 s in CI. The wait ends at once when the
 * engine ends, so closing the app never waits on it.
 */
const firstScreenTimeoutMs = 15_000;

/** The whole screen the messages of a replay (ScreenCache.replay) draw, as RGBA; undefined when there is none. */
export function screenImage(messages: readonly DisplayMessage[]): RenderedImage | undefined {
  const mode = messages.find((message) => message.type === 'mode');
  if (!mode || mode.mode === 'off') return undefined;
  if (mode.mode === 'graphics') {
    const rect = messages.find((message) => message.type === 'rect');
    if (!rect || rect.width !== mode.width || rect.height !== mode.height) return undefined;
    return { width: rect.width, height: rect.height, pixels: rect.pixels };
  }
  const text = messages.find((message) => message.type === 'text');
  if (!text || text.cols !== mode.cols) return undefined;
  const font = messages.find((message) => message.type === 'font') ?? blockFont(Math.floor(mode.width / mode.cols) || 8, Math.floor(mode.height / mode.rows) || 16);
  return renderTextScreen({ cols: mode.cols, rows: mode.rows, cells: text.cells }, font);
}

/**
 * Until the engine has sent the guest's font, each visible glyph is a solid block in its
 * foreground colour: at thumbnail size that reads as the text's shape.
 */
function blockFont(width: number, height: number): { width: number; height: number; glyphCount: number; bitmap: Uint8Array } {
  const rowBytes = Math.ceil(width / 8);
  const bitmap = new Uint8Array(256 * rowBytes * height);
  for (let glyph = 0; glyph < 256; glyph++) {
    if (glyph === 0 || glyph === 0x20 || glyph === 0xff) continue;
    for (let y = Math.floor(height / 4); y < Math.ceil((height * 3) / 4); y++) bitmap.fill(0xff, (glyph * height + y) * rowBytes, (glyph * height + y + 1) * rowBytes);
  }
  return { width, height, glyphCount: 256, bitmap };
}

/** Shrinks RGBA pixels (box filter) to at most `maxWidth` wide, keeping the aspect ratio; never enlarges. */
export function shrink(image: RenderedImage, maxWidth: number): RenderedImage {
  if (image.width <= maxWidth) return image;
  const width = maxWidth;
  const height = Math.max(1, Math.round((image.height * maxWidth) / image.width));
  const pixels = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) {
    const y0 = Math.floor((y * image.height) / height);
    const y1 = Math.max(y0 + 1, Math.floor(((y + 1) * image.height) / height));
    for (let x = 0; x < width; x++) {
      const x0 = Math.floor((x * image.width) / width);
      const x1 = Math.max(x0 + 1, Math.floor(((x + 1) * image.width) / width));
      let r = 0;
      let g = 0;
      let b = 0;
      for (let sy = y0; sy < y1; sy++) {
        for (let at = (sy * image.width + x0) * 4, end = (sy * image.width + x1) * 4; at < end; at += 4) {
          r += image.pixels[at] as number;
          g += image.pixels[at + 1] as number;
          b += image.pixels[at + 2] as number;
        }
      }
      const count = (y1 - y0) * (x1 - x0);
      const to = (y * width + x) * 4;
      pixels[to] = Math.round(r / count);
      pixels[to + 1] = Math.round(g / count);
      pixels[to + 2] = Math.round(b / count);
      pixels[to + 3] = 255;
    }
  }
  return { width, height, pixels };
}

/** How far each source's screen has arrived, followed from its first thumbnail on. */
const coverages = new WeakMap<DisplaySource, ScreenCoverage>();

/**
 * The coverage of a source's screen. Subscribing attaches the engine's display if nothing has
 * yet; the subscription lasts as long as the source, like main's screen copy itself (a source
 * subscribed to already replays its copy first, which is taken as drawn).
 */
function coverageOf(source: DisplaySource): ScreenCoverage {
  const known = coverages.get(source);
  if (known) return known;
  const coverage = new ScreenCoverage();
  coverages.set(source, coverage);
  source.onDisplay((message) => coverage.apply(message));
  return coverage;
}

/**
 * A PNG of the current screen at most `maxWidth` wide. A screen main does not have in full yet
 * (display just attached: the mode has come but not all of its content) is waited for up to 15 s
 * (or until the engine ends), so the first thumbnail is never the blank screen a mode starts as;
 * after the wait, what has arrived is used; undefined when no screen came (the guest's display
 * is off).
 */
export async function screenThumbnail(source: DisplaySource, maxWidth: number, timeoutMs = firstScreenTimeoutMs): Promise<Buffer | undefined> {
  const coverage = coverageOf(source);
  let image = coverage.complete ? screenImage(source.screen()) : undefined;
  if (!image) {
    let timer: NodeJS.Timeout | undefined;
    let stop: (() => void) | undefined;
    let unsubscribeEnd: (() => void) | undefined;
    try {
      image = await new Promise<RenderedImage | undefined>((resolve) => {
        timer = setTimeout(() => resolve(screenImage(source.screen())), timeoutMs);
        unsubscribeEnd = source.onEnd?.(() => resolve(screenImage(source.screen())));
        let done = false;
        // Registered after the coverage's listener, so it sees each message already counted.
        stop = source.onDisplay(() => {
          const now = done || !coverage.complete ? undefined : screenImage(source.screen());
          if (now) {
            done = true;
            resolve(now);
          }
        });
      });
    } finally {
      clearTimeout(timer);
      stop?.();
      unsubscribeEnd?.();
    }
  }
  if (!image) return undefined;
  const small = shrink(image, maxWidth);
  return encodePng(small.width, small.height, small.pixels);
}
