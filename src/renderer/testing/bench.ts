/**
 * Page-side halves of bench/ui-display.ts: drive the mounted display view from inside the page
 * so timings do not include the playwright round trip.
 */
import type { HangarTestApi } from './components.js';

const frame = (): Promise<void> => new Promise((resolve) => requestAnimationFrame(() => resolve()));

/** Benchmarks the test page exposes as `window.hangarBench`. */
export const hangarBench = {
  /** Full-frame 640×480 rectangles, one per animation frame; returns frames per second. */
  async graphicsFps(api: HangarTestApi, frames = 120): Promise<number> {
    api.mountDisplay({ scaling: 'fit', width: 1280, height: 960 });
    api.push([{ type: 'mode', mode: 'graphics', width: 640, height: 480 }]);
    const pixels = new Uint8Array(640 * 480 * 4);
    const start = performance.now();
    for (let n = 0; n < frames; n++) {
      pixels.fill(n & 0xff);
      api.push([{ type: 'rect', x: 0, y: 0, width: 640, height: 480, pixels }]);
      await frame();
    }
    return (frames * 1000) / (performance.now() - start);
  },

  /** Whole 80×25 text screens with changing glyphs and colours; returns frames per second. */
  async textFps(api: HangarTestApi, frames = 120): Promise<number> {
    api.mountDisplay({ scaling: 'integer', width: 1280, height: 960 });
    const bitmap = new Uint8Array(256 * 16);
    for (let i = 0; i < bitmap.length; i++) bitmap[i] = (i * 37) & 0xff;
    api.push([{ type: 'mode', mode: 'text', cols: 80, rows: 25, width: 720, height: 400 }, { type: 'font', width: 8, height: 16, glyphCount: 256, bitmap }]);
    const cells = new Uint32Array(80 * 25 * 3);
    const start = performance.now();
    for (let n = 0; n < frames; n++) {
      for (let i = 0; i < 80 * 25; i++) {
        cells[i * 3] = (i + n) & 0xff;
        cells[i * 3 + 1] = 0xaaaaaa;
        cells[i * 3 + 2] = (n & 7) * 0x100010;
      }
      api.push([{ type: 'text', row: 0, rowCount: 25, cols: 80, cells }]);
      await frame();
    }
    return (frames * 1000) / (performance.now() - start);
  },

  /** Mean milliseconds to apply (draw) one 640×480 rectangle and one whole 80×25 text screen, without waiting for frames. */
  async applyMs(api: HangarTestApi, count = 60): Promise<number[]> {
    api.mountDisplay({ scaling: 'fit', width: 1280, height: 960 });
    api.push([{ type: 'mode', mode: 'graphics', width: 640, height: 480 }]);
    const pixels = new Uint8Array(640 * 480 * 4);
    let start = performance.now();
    for (let n = 0; n < count; n++) {
      pixels[n] = n;
      api.push([{ type: 'rect', x: 0, y: 0, width: 640, height: 480, pixels }]);
    }
    const rect = (performance.now() - start) / count;
    api.push([{ type: 'mode', mode: 'text', cols: 80, rows: 25, width: 720, height: 400 }, { type: 'font', width: 8, height: 16, glyphCount: 256, bitmap: new Uint8Array(4096).fill(0x5a) }]);
    const cells = new Uint32Array(80 * 25 * 3);
    start = performance.now();
    for (let n = 0; n < count; n++) {
      for (let i = 0; i < 80 * 25; i++) cells.set([(i + n) & 0xff, 0xaaaaaa, 0], i * 3);
      api.push([{ type: 'text', row: 0, rowCount: 25, cols: 80, cells }]);
    }
    await frame();
    return [rect, (performance.now() - start) / count];
  },

  /**
   * Keydown on a captured display → input event in the sink → an instant "engine" pushes a
   * 64×64 rectangle → two animation frames (painted). Returns the median in milliseconds.
   */
  async inputLatencyMs(api: HangarTestApi, samples = 40): Promise<number> {
    const box = document.querySelector('[role="application"]');
    if (!box || box.getAttribute('data-captured') !== 'true') throw new Error('Capture the display before measuring latency.');
    const pixels = new Uint8Array(64 * 64 * 4).fill(200);
    const times: number[] = [];
    for (let i = 0; i < samples; i++) {
      const before = api.inputEvents().length;
      const start = performance.now();
      box.dispatchEvent(new KeyboardEvent('keydown', { code: 'KeyA', key: 'a', bubbles: true }));
      if (api.inputEvents().length === before) throw new Error('The key did not reach the input sink.');
      api.push([{ type: 'rect', x: (i * 64) % 576, y: 0, width: 64, height: 64, pixels }]);
      await frame();
      await frame();
      times.push(performance.now() - start);
      box.dispatchEvent(new KeyboardEvent('keyup', { code: 'KeyA', key: 'a', bubbles: true }));
    }
    times.sort((a, b) => a - b);
    return times[Math.floor(times.length / 2)] ?? Number.NaN;
  },
};
