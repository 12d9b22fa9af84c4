// Benchmark: display frames per second from Hangar's v86 engine for guests that repaint the whole
// mode 13h screen in a loop, next to bare v86's own screen updates in the same run.
//
// Two guests (test/v86-display/repaint-guest.ts): "continuous" (back-to-back `rep stosb` frames)
// and "paused" (a short busy loop between frames). For each, in one process:
//   - bare v86 (npm build, same firmware) with the browser adapter's refresh emulated: a 60 Hz
//     timer calls screen_fill_buffer, and screen updates whose pixels changed are counted;
//   - the engine (prepareV86Machine, display channel attached), counting display rectangles whose
//     pixels changed, with the slice bound on and then off (what the engine did before).
// Also per window: frames the guest painted per second (its own counter in RAM), guest MIPS and
// the longest event-loop stall. Ratios are engine / bare.
// Engine windows alternate bound on / off, `rounds` of each (medians; stalls: the longest).
// Run: node --import tsx bench/v86-repaint.ts [seconds-per-window] [rounds]
import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DisplayMessage } from '../src/shared/protocol/display.js';
import { prepareV86Machine } from '../src/emulator/v86/index.js';
import type { V86Emulator, V86Layer } from '../src/emulator/v86/internals.js';
import { ensureImageData } from '../src/emulator/v86/screen.js';
import { FRAME_COUNTER_ADDRESS, repaintFloppy } from '../test/v86-display/repaint-guest.js';

const windowMs = Number(process.argv[2] ?? 5) * 1000;
const rounds = Number(process.argv[3] ?? 3);
const require = createRequire(import.meta.url);

interface Window {
  /** Screen updates (bare) or display rectangles (engine) per second whose pixels changed. */
  fps: number;
  /** Frames the guest painted per second. */
  guestFps: number;
  mips: number;
  /** Longest event-loop stall in ms. */
  stallMs: number;
}

/** A cheap fingerprint of RGBA pixels (strided), to count only frames whose content changed. */
function fingerprint(pixels: Uint8Array | Uint8ClampedArray, from = 0, to = pixels.length): number {
  let hash = 0;
  for (let at = from; at < to; at += 4 * 97) hash = (hash * 31 + (pixels[at] ?? 0) + ((pixels[at + 1] ?? 0) << 8)) >>> 0;
  return hash;
}

function cpuOf(emulator: V86Emulator): { counter: () => number; instructions: () => number } {
  const cpu = emulator.v86.cpu as unknown as { mem8: Uint8Array; instruction_counter: Uint32Array };
  return {
    counter: () => new DataView(cpu.mem8.buffer, cpu.mem8.byteOffset).getUint32(FRAME_COUNTER_ADDRESS, true),
    instructions: () => cpu.instruction_counter[0] ?? 0,
  };
}

const delay = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function waitForFrames(read: () => number): Promise<void> {
  const deadline = Date.now() + 120_000;
  while (read() < 10) {
    if (Date.now() > deadline) throw new Error('The guest did not start painting within 120 s.');
    await delay(50);
  }
}

/** Measures one window; `frames` returns the count of changed frames seen so far. */
async function measure(emulator: V86Emulator, frames: () => number): Promise<Window> {
  const { counter, instructions } = cpuOf(emulator);
  const startFrames = frames();
  const startGuest = counter();
  let lastInstructions = instructions();
  let executed = 0;
  let stallMs = 0;
  const start = performance.now();
  // Sampled every 50 ms so the u32 instruction counter cannot wrap unseen (when the loop is not starved).
  while (performance.now() - start < windowMs) {
    const before = performance.now();
    await delay(50);
    stallMs = Math.max(stallMs, performance.now() - before - 50);
    const now = instructions();
    executed += (now - lastInstructions) >>> 0;
    lastInstructions = now;
  }
  const seconds = (performance.now() - start) / 1000;
  return {
    fps: (frames() - startFrames) / seconds,
    guestFps: (counter() - startGuest) / seconds,
    mips: executed / seconds / 1e6,
    stallMs,
  };
}

async function bare(image: string): Promise<Window> {
  ensureImageData();
  const { V86 } = await import('v86');
  const buffer = (path: string): ArrayBuffer => {
    const data = readFileSync(path);
    return data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength) as ArrayBuffer;
  };
  const emulator = new V86({
    wasm_path: require.resolve('v86/build/v86.wasm'),
    memory_size: 16 * 1024 * 1024,
    vga_memory_size: 8 * 1024 * 1024,
    bios: { buffer: buffer('/usr/share/seabios/bios.bin') },
    vga_bios: { buffer: buffer('/usr/share/seabios/vgabios-stdvga.bin') },
    fda: { buffer: buffer(image) },
    boot_order: 0x1,
    acpi: true,
    autostart: false,
  } as unknown as ConstructorParameters<typeof V86>[0]) as V86Emulator;
  await new Promise<void>((resolve) => emulator.add_listener('emulator-loaded', () => resolve()));
  let updates = 0;
  let last = -1;
  const update = emulator.screen_adapter.update_buffer.bind(emulator.screen_adapter);
  emulator.screen_adapter.update_buffer = (layers: readonly V86Layer[]): void => {
    update(layers);
    const layer = layers[0];
    if (!layer) return;
    const data = layer.image_data.data;
    const from = layer.buffer_y * layer.image_data.width * 4;
    const hash = fingerprint(data, from, from + layer.buffer_height * layer.image_data.width * 4);
    if (hash !== last) updates++;
    last = hash;
  };
  // What v86's browser screen adapter does on every animation frame.
  const vga = emulator.v86.cpu.devices.vga;
  const refresh = setInterval(() => {
    if (vga?.graphical_mode) vga.screen_fill_buffer();
  }, 16);
  try {
    await emulator.run();
    await waitForFrames(cpuOf(emulator).counter);
    return await measure(emulator, () => updates);
  } finally {
    clearInterval(refresh);
    await Promise.race([emulator.stop(), delay(60_000)]);
    await emulator.destroy();
  }
}

/** Per-field medians of several windows. */
function medianWindow(windows: readonly Window[]): Window {
  const median = (pick: (window: Window) => number): number => {
    const sorted = windows.map(pick).sort((a, b) => a - b);
    return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
  };
  return { fps: median((w) => w.fps), guestFps: median((w) => w.guestFps), mips: median((w) => w.mips), stallMs: Math.max(...windows.map((w) => w.stallMs)) };
}

async function engine(image: string, folder: string): Promise<{ bounded: Window; unbounded: Window; cuts: number }> {
  let rects = 0;
  let last = -1;
  const host = {
    emit: (): void => undefined,
    log: (): void => undefined,
    display: (message: DisplayMessage): void => {
      if (message.type !== 'rect') return;
      const hash = fingerprint(message.pixels);
      if (hash !== last) rects++;
      last = hash;
    },
  };
  const { machine, sliceBound } = await prepareV86Machine({ engine: 'v86', memoryMib: 16, floppy: image, bootOrder: ['floppy'], runtimeDir: folder }, host);
  try {
    await machine.start();
    await waitForFrames(cpuOf(machine.emulator).counter);
    const bounded: Window[] = [];
    const unbounded: Window[] = [];
    let cuts = 0;
    for (let round = 0; round < rounds; round++) {
      // Alternate which goes first so drift in the machine's speed hits both alike.
      for (const enabled of round % 2 === 0 ? [true, false] : [false, true]) {
        sliceBound().enabled = enabled;
        const before = sliceBound().cuts;
        const window = await measure(machine.emulator, () => rects);
        if (enabled) {
          bounded.push(window);
          cuts += sliceBound().cuts - before;
        } else {
          unbounded.push(window);
        }
      }
    }
    return { bounded: medianWindow(bounded), unbounded: medianWindow(unbounded), cuts: cuts / ((rounds * windowMs) / 1000) };
  } finally {
    await machine.dispose();
  }
}

function line(label: string, value: Window, reference?: Window): string {
  // A bare rate under 0.5/s is a starved run (a few frames over a long slice): no useful ratio.
  const ratio = (a: number, b: number | undefined, minimum = 0): string =>
    b === undefined ? '' : b > minimum ? ` (${(a / b).toFixed(2)}×)` : ' (bare: none)';
  return (
    `  ${label.padEnd(34)} ${value.fps.toFixed(1).padStart(6)} frames/s${ratio(value.fps, reference?.fps, 0.5)}, ` +
    `guest ${value.guestFps.toFixed(0)} frames/s${ratio(value.guestFps, reference?.guestFps)}, ` +
    `${value.mips.toPrecision(3)} MIPS${ratio(value.mips, reference?.mips)}, longest stall ${value.stallMs.toFixed(0)} ms`
  );
}

const folder = mkdtempSync(join(tmpdir(), 'hangar-bench-v86-repaint-'));
try {
  console.log(`v86 display frames for repainting guests (mode 13h), windows of ${windowMs / 1000} s; ratios are engine / bare v86:`);
  for (const pause of [false, true]) {
    const image = repaintFloppy(folder, pause);
    console.log(pause ? 'paused guest (busy loop of 0x4000 between frames):' : 'continuous guest (back-to-back rep stosb frames):');
    const reference = await bare(image);
    console.log(line('bare v86 (60 Hz screen refresh)', reference));
    const result = await engine(image, folder);
    console.log(line('engine', result.bounded, reference) + `, ${result.cuts.toFixed(0)} slices cut/s`);
    console.log(line('engine without slice bound', result.unbounded, reference));
  }
} finally {
  rmSync(folder, { recursive: true, force: true });
}
