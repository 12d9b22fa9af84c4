/**
 * Benchmark: the v86 engine's display flush on the display benchmark's guest (bench/display-guest.ts,
 * whole screen repainted continuously at W×H×32), in one process, alternating windows between the
 * two display transports:
 *   - socket (what the engine does now): changed rows go into the shared frame on the emulation
 *     thread; the display worker (src/emulator/host/display-outlet.ts) copies, encodes and writes
 *     them to a UNIX socket, read and decoded by a separate reader process (standing in for main);
 *   - channel (before): each message serialized on the emulation thread and written to a pipe,
 *     as the parent channel does (node:v8, child_process 'advanced' serialization), the
 *     whole-screen frame lent (no extra copy), read and deserialized by a reader process.
 * Per window: display rectangles per second, CPU per flush (the emulation thread's, as the
 * engine's budget measures it: interval = cost × DISPLAY_BUDGET), wall time per flush,
 * the resulting interval, and the guest's own frames per second (its counter in the top-left
 * pixels). Runs under the engines' allocator settings (src/main/supervisor/engine-env.ts) unless
 * MALLOC_MMAP_THRESHOLD_ is set.
 *   node --import tsx bench/display-v86-flush.ts [seconds=6] [rounds=3] [sizes=640x480,1024x768]
 */
import { spawnSync, type ChildProcess } from 'node:child_process';
import { spawnOwned } from '../src/node/owned-child.js';
import { createServer, type Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serialize } from 'node:v8';
import type { DisplayMessage } from '../src/shared/protocol/display.js';
import type { Rect } from '../src/emulator/display/rect.js';
import { extractRect } from '../src/emulator/display/rect.js';
import type { SharedFrame } from '../src/emulator/display/shared-frame.js';
import { DisplayOutlet } from '../src/emulator/host/display-outlet.js';
import { prepareV86Machine } from '../src/emulator/v86/index.js';
import type { V86Screen } from '../src/emulator/v86/screen.js';
import { ThreadCpuClock } from '../src/emulator/v86/thread-cpu.js';
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

/**
 * The engine's display side with either transport: the display socket's worker (`outlet`) or
 * the parent channel's serialization on this thread (no outlet).
 */
class SerializingHost extends RecordingHost {
  readonly displayCopiesPixels = true;
  outlet: DisplayOutlet | undefined;
  channel: Socket | undefined;
  rects = 0;

  override display(message: DisplayMessage): void {
    this.displayCount++;
    if (message.type === 'rect') this.rects++;
    if (this.outlet) this.outlet.post(message);
    else if (this.channel) {
      // What process.send does with 'advanced' serialization: serialize, then write to the pipe.
      const bytes = serialize({ kind: 'display', message });
      const prefix = Buffer.alloc(4);
      prefix.writeUInt32LE(bytes.byteLength);
      this.channel.write(prefix);
      this.channel.write(bytes);
    }
  }

  displayFrame(frame: SharedFrame, rect: Rect): void {
    if (this.outlet) {
      this.rects++;
      this.outlet.postFrame(frame, rect);
      return;
    }
    // As the engine's fanout does for the channel: the whole frame lent, a part copied.
    const whole = rect.x === 0 && rect.y === 0 && rect.width === frame.width && rect.height === frame.height;
    this.display({ type: 'rect', ...rect, pixels: whole ? frame.pixels : extractRect(frame.pixels, frame.width, rect) });
  }

  displayBusy(): boolean {
    return this.outlet?.busy() ?? false;
  }
}

const readerFile = fileURLToPath(new URL('./display-v86-flush-reader.ts', import.meta.url));

/** Starts the reader process (standing in for main) on `path`. */
const startReader = (kind: 'socket' | 'channel', path: string): ChildProcess => spawnOwned(process.execPath, ['--import', 'tsx', readerFile, kind, path], { stdio: 'inherit' });

/** Opens the display socket (its worker) and a reader process that decodes what arrives. */
async function openSocket(folder: string): Promise<{ outlet: DisplayOutlet; close: () => Promise<void> }> {
  const path = join(folder, 'dpy.sock');
  const { outlet, connected } = await DisplayOutlet.listen(path);
  const reader = startReader('socket', path);
  await connected;
  return {
    outlet,
    close: async () => {
      await outlet.dispose();
      reader.kill();
    },
  };
}

/** A stand-in for the parent channel's pipe: a socket this thread writes serialized messages to, and its reader. */
async function openChannel(folder: string): Promise<{ channel: Socket; close: () => Promise<void> }> {
  const path = join(folder, 'channel.sock');
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(path, resolve));
  const accepted = new Promise<Socket>((resolve) => server.once('connection', resolve));
  const reader = startReader('channel', path);
  const channel = await accepted;
  server.close();
  channel.on('error', () => undefined);
  return {
    channel,
    close: async () => {
      channel.destroy();
      reader.kill();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

interface Window {
  rectsPerSecond: number;
  flushCpuMs: number;
  flushWallMs: number;
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

async function measure(screen: V86Screen, host: SerializingHost, flushCpu: { ms: number; wallMs: number; count: number }): Promise<Window> {
  const startRects = host.rects;
  const startCounter = counter(screen);
  flushCpu.ms = 0;
  flushCpu.wallMs = 0;
  flushCpu.count = 0;
  const start = performance.now();
  await new Promise((resolve) => setTimeout(resolve, windowMs));
  const seconds = (performance.now() - start) / 1000;
  return {
    rectsPerSecond: (host.rects - startRects) / seconds,
    flushCpuMs: flushCpu.count > 0 ? flushCpu.ms / flushCpu.count : Number.NaN,
    flushWallMs: flushCpu.count > 0 ? flushCpu.wallMs / flushCpu.count : Number.NaN,
    intervalMs: screen.flushIntervalMs,
    guestFps: (((counter(screen) - startCounter) & 0xffffff) >>> 0) / seconds,
  };
}

function summary(label: string, windows: readonly Window[]): Window {
  const result = {
    rectsPerSecond: median(windows.map((w) => w.rectsPerSecond)),
    flushCpuMs: median(windows.map((w) => w.flushCpuMs)),
    flushWallMs: median(windows.map((w) => w.flushWallMs)),
    intervalMs: median(windows.map((w) => w.intervalMs)),
    guestFps: median(windows.map((w) => w.guestFps)),
  };
  console.log(
    `  ${label.padEnd(22)} ${result.rectsPerSecond.toFixed(1).padStart(6)} rects/s, flush ${result.flushCpuMs.toFixed(2)} ms thread CPU (${result.flushWallMs.toFixed(2)} ms wall), interval ${result.intervalMs.toFixed(0)} ms, guest ${result.guestFps.toFixed(1)} frames/s`,
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
      const flushCpu = { ms: 0, wallMs: 0, count: 0 };
      const flush = screen().flush.bind(screen());
      const clock = new ThreadCpuClock();
      screen().flush = (): void => {
        const before = clock.nowMs();
        const started = performance.now();
        flush();
        flushCpu.wallMs += performance.now() - started;
        flushCpu.ms += clock.nowMs() - before;
        flushCpu.count++;
      };
      const viaSocket: Window[] = [];
      const viaChannel: Window[] = [];
      for (let round = 0; round < rounds; round++) {
        for (const socket of round % 2 === 0 ? [true, false] : [false, true]) {
          const opened = socket ? await openSocket(folder) : undefined;
          const channel = socket ? undefined : await openChannel(folder);
          host.outlet = opened?.outlet;
          host.channel = channel?.channel;
          try {
            (socket ? viaSocket : viaChannel).push(await measure(screen(), host, flushCpu));
          } finally {
            host.outlet = undefined;
            host.channel = undefined;
            await opened?.close();
            await channel?.close();
          }
        }
      }
      console.log(`${width}×${height}:`);
      const a = summary('socket worker (now)', viaSocket);
      const b = summary('parent channel (before)', viaChannel);
      console.log(`  socket / channel: rects/s ${(a.rectsPerSecond / b.rectsPerSecond).toFixed(2)}×, flush CPU ${(a.flushCpuMs / b.flushCpuMs).toFixed(2)}×, wall ${(a.flushWallMs / b.flushWallMs).toFixed(2)}×, guest ${(a.guestFps / b.guestFps).toFixed(2)}×`);
    } finally {
      await machine.dispose();
    }
  }
} finally {
  rmSync(folder, { recursive: true, force: true });
}
