/**
 * Display view in Chromium: frames per second for full-screen graphics updates (640×480 RGBA
 * rectangles) and full text-screen updates (80×25 with the guest font), and the view's own
 * input-to-screen latency (keydown → input event out → engine echo rectangle in → painted
 * frame, with an instant in-page "engine"; two animation frames, so ~33 ms at 60 Hz is the
 * floor), and the synchronous cost of applying one message. Prints medians of `runs` rounds.
 *
 *   node --import tsx bench/ui-display.ts [runs]
 */
import { openComponentPage, startHarness } from '../test/ui/harness.js';

interface PageApi {
  hangarTest: { mountDisplay(o: { scaling: string; width: number; height: number }): void; push(m: unknown[]): void };
  hangarBench: Record<'graphicsFps' | 'textFps' | 'inputLatencyMs', (api: unknown) => Promise<number>> & { applyMs(api: unknown): Promise<number[]> };
}
type BenchName = 'graphicsFps' | 'textFps' | 'inputLatencyMs';
const inPage = (name: BenchName): Promise<number> =>
  page.evaluate((which: BenchName) => {
    const g = globalThis as unknown as PageApi;
    return g.hangarBench[which](g.hangarTest);
  }, name);

const runs = Number(process.argv[2] ?? 3);
const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;

const harness = await startHarness();
const page = await harness.newPage({ width: 1400, height: 1000 }).catch(async (error: unknown) => {
  await harness.close();
  throw error;
});
try {
  await openComponentPage(harness, page);
  const graphics: number[] = [];
  const text: number[] = [];
  const latency: number[] = [];
  const apply: number[][] = [];
  for (let run = 0; run < runs; run++) {
    apply.push(await page.evaluate(() => {
      const g = globalThis as unknown as PageApi;
      return g.hangarBench.applyMs(g.hangarTest);
    }));
    graphics.push(await inPage('graphicsFps'));
    text.push(await inPage('textFps'));
    await page.evaluate(() => {
      const api = (globalThis as unknown as PageApi).hangarTest;
      api.mountDisplay({ scaling: 'integer', width: 1280, height: 960 });
      api.push([{ type: 'mode', mode: 'graphics', width: 640, height: 480 }]);
    });
    const canvas = await page.locator('[data-testid="guest-canvas"]').boundingBox();
    if (!canvas) throw new Error('The display canvas has no box.');
    await page.mouse.click(canvas.x + 10, canvas.y + 10); // capture
    latency.push(await inPage('inputLatencyMs'));
  }
  console.log(`graphics 640×480 full-frame updates: median ${median(graphics).toFixed(1)} fps (${graphics.map((v) => v.toFixed(1)).join(', ')})`);
  console.log(`text 80×25 full-screen updates:       median ${median(text).toFixed(1)} fps (${text.map((v) => v.toFixed(1)).join(', ')})`);
  console.log(`apply one 640×480 rect:                median ${median(apply.map((a) => a[0] ?? 0)).toFixed(2)} ms; one 80×25 text screen ${median(apply.map((a) => a[1] ?? 0)).toFixed(2)} ms`);
  console.log(`input → painted echo (view only):     median ${median(latency).toFixed(1)} ms (${latency.map((v) => v.toFixed(1)).join(', ')})`);
} finally {
  await harness.close();
}
