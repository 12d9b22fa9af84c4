/**
 * Benchmark: the v86 engine's display flush on the display benchmark's guest (bench/display-guest.ts,
 * whole screen repainted continuously at W×H×32), in one process, alternating windows with the
 * whole-screen frame lent to the host (V86Screen.lendFrame, what the engine does) and copied per
 * flush (what it did before). The host serializes each message as the engine's parent channel
 * does (node:v8, the structured clone of child_process 'advanced' serialization), so the flush
 * cost includes it. Per window: display rectangles per second, CPU per flush (the figure the
 * flush interval is derived from: interval = cost × DISPLAY_BUDGET), the resulting interval, and
 * the guest's own frames per second (its counter in the top-left pixels). Runs under the engines'
 * allocator settings (src/main/supervisor/engine-env.ts) unless MALLOC_MMAP_THRESHOLD_ is set
 * (e.g. to 131072, glibc's default, to see the cost without them).
 *   node --import tsx bench/display-v86-flush.ts [seconds=6] [rounds=3] [sizes=640x480,1024x768]
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serialize } from 'node:v8';
import type { DisplayMessage } from '../src/shared/protocol/display.js';
import { prepareV86Machine } from '../src/emulator/v86/index.js';
import type { V86Screen } from '../src/emulator/v86/screen.js';
import { RecordingHost, waitFor } from '../src/emulator/v86/test-host.js';
import { engineEnvironment } from '../src/main/supervisor/engine-env.js';
import { counterPixel, displayGuestFloppy } from './display-guest.js';

// Engines start with main's allocator settings (engine-env.ts); glibc reads them only at start,
// so run again with them unless the caller chose its own.
if (process.env.MALLOC_MMAP_THRESHOLD_ === undefined) {
  const run = spawnSync(process.execPath, [...process.execArgv, ...process.argv.slice(1)], { env: engineEnvironment(), stdio: 'inherit' });
  process.exit(run.status ?? 1);
}

const windowMs = Number(process.argv[2] ?? 6) * 1000;
const rounds = Number(process.argv[3] ?? 3);
const sizes = (process.argv[4] ?? '640x480,1024x768').split(',').map((size) => size.split('x').map(Number) as [number, number]);

/** Serializes every display message as the parent channel would, keeping nothing. */
class SerializingHost extends RecordingHost {
  readonly displayCopiesPixels = true;
  rects = 0;
  bytes = 0;

  override display(message: DisplayMessage): void {
    this.displayCount++;
    this.bytes += serialize({ kind: 'display', message }).byteLength;
    if (message.type === 'rect') this.rects++;
  }
}

interface Window {
  rectsPerSecond: number;
  flushCpuMs: number;
  intervalMs: number;
  guestFps: number;
}

/** The guest's frame counter: the colour of its top-left block. */
function counter(screen: V86Screen): number {
  const image = screen.image();
  if (!image) return 0;
  const at = (counterPixel.y * image.width + counterPixel.x) * 4;
  return ((image.pixels[at] ?? 0) << 16) | ((image.pixels[at + 1] ?? 0) << 8) | (image.pixels[at + 2] ?? 0);
}

const median = (values: readonly number[]): number => [...values].sort((a, b) => a - b)[values.length >> 1] ?? Number.NaN;

async function measure(screen: V86Screen, host: SerializingHost, flushCpu: { ms: number; count: number }): Promise<Window> {
  const startRects = host.rects;
  const startCounter = counter(screen);
  flushCpu.ms = 0;
  flushCpu.count = 0;
  const start = performance.now();
  await new Promise((resolve) => setTimeout(resolve, windowMs));
  const seconds = (performance.now() - start) / 1000;
  return {
    rectsPerSecond: (host.rects - startRects) / seconds,
    flushCpuMs: flushCpu.count > 0 ? flushCpu.ms / flushCpu.count : Number.NaN,
    intervalMs: screen.flushIntervalMs,
    guestFps: (((counter(screen) - startCounter) & 0xffffff) >>> 0) / seconds,
  };
}

function summary(label: string, windows: readonly Window[]): Window {
  const result = {
    rectsPerSecond: median(windows.map((w) => w.rectsPerSecond)),
    flushCpuMs: median(windows.map((w) => w.flushCpuMs)),
    intervalMs: median(windows.map((w) => w.intervalMs)),
    guestFps: median(windows.map((w) => w.guestFps)),
  };
  console.log(
    `  ${label.padEnd(22)} ${result.rectsPerSecond.toFixed(1).padStart(6)} rects/s, flush ${result.flushCpuMs.toFixed(2)} ms CPU, interval ${result.intervalMs.toFixed(0)} ms, guest ${result.guestFps.toFixed(1)} frames/s`,
  );
  return result;
}

const folder = mkdtempSync(join(tmpdir(), 'hangar-bench-v86-flush-'));
try {
  console.log(`v86 display flush, ${windowMs / 1000} s windows, ${rounds} alternating rounds, medians (load ${(await import('node:os')).loadavg().map((l) => l.toFixed(1)).join(' ')}):`);
  for (const [width, height] of sizes) {
    const host = new SerializingHost();
    host.keepMessages = false;
    const { machine, screen } = await prepareV86Machine({ engine: 'v86', memoryMib: 16, floppy: displayGuestFloppy(folder, width, height), bootOrder: ['floppy'], runtimeDir: folder }, host);
    try {
      await machine.start();
      await waitFor('the guest painting', () => (counter(screen()) > 10 ? true : undefined), 120_000, 200);
      const flushCpu = { ms: 0, count: 0 };
      const flush = screen().flush.bind(screen());
      screen().flush = (): void => {
        const before = process.cpuUsage();
        flush();
        const used = process.cpuUsage(before);
        flushCpu.ms += (used.user + used.system) / 1000;
        flushCpu.count++;
      };
      const lent: Window[] = [];
      const copied: Window[] = [];
      for (let round = 0; round < rounds; round++) {
        for (const lend of round % 2 === 0 ? [true, false] : [false, true]) {
          screen().lendFrame = lend;
          (lend ? lent : copied).push(await measure(screen(), host, flushCpu));
        }
      }
      console.log(`${width}×${height}:`);
      const a = summary('frame lent (now)', lent);
      const b = summary('copied per flush (before)', copied);
      console.log(`  lent / copied: rects/s ${(a.rectsPerSecond / b.rectsPerSecond).toFixed(2)}×, flush CPU ${(a.flushCpuMs / b.flushCpuMs).toFixed(2)}×, guest ${(a.guestFps / b.guestFps).toFixed(2)}×`);
    } finally {
      await machine.dispose();
    }
  }
} finally {
  rmSync(folder, { recursive: true, force: true });
}
