/**
 * The real v86 engine with a guest that repaints the whole mode 13h screen back to back
 * (`rep stosb` into VGA memory, no pause): display frames with changing content keep coming,
 * the engine keeps answering, and the guest's measured speed stays true.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { EngineBackend } from '../../src/emulator/backend.js';
import { createV86Backend, registerV86Module } from '../../src/emulator/v86/index.js';
import type { V86Machine } from '../../src/emulator/v86/machine.js';
import { RecordingHost, waitFor } from '../../src/emulator/v86/test-host.js';
import { FRAME_COUNTER_ADDRESS, repaintFloppy } from './repaint-guest.js';

let dir: string;
let host: RecordingHost;
let backend: EngineBackend;
let machine: V86Machine | undefined;

/** Frames the guest has painted (its own counter in RAM). */
function guestFrames(): number {
  const cpu = machine?.emulator.v86.cpu as unknown as { mem8: Uint8Array } | undefined;
  if (!cpu) return 0;
  return new DataView(cpu.mem8.buffer, cpu.mem8.byteOffset).getUint32(FRAME_COUNTER_ADDRESS, true);
}

/** Distinct-content display rectangles (a new fingerprint each) received since message index `from`. */
function changingFrames(from: number): number {
  let count = 0;
  let last = -1;
  for (const message of host.messages.slice(from)) {
    if (message.type !== 'rect') continue;
    let hash = 0;
    for (let at = 0; at < message.pixels.length; at += 4 * 97) hash = (hash * 31 + (message.pixels[at] ?? 0)) >>> 0;
    if (hash !== last) count++;
    last = hash;
  }
  return count;
}

/** Resolves after `ms` on a timer, and tells how late that timer ran (the event loop was busy). */
async function timerLateness(ms: number): Promise<number> {
  const start = performance.now();
  await new Promise((resolve) => setTimeout(resolve, ms));
  return performance.now() - start - ms;
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'hangar-v86-repaint-'));
  registerV86Module((created) => {
    machine = created;
  });
  host = new RecordingHost();
  backend = await createV86Backend(
    { engine: 'v86', memoryMib: 16, floppy: repaintFloppy(dir, false), bootOrder: ['floppy'], runtimeDir: dir },
    host,
  );
  // Generous for a loaded machine: BIOS, the mode switch and the first painted frames.
  await waitFor('the guest painting frames', () => (guestFrames() >= 10 ? true : undefined), 60_000);
  await waitFor('a graphics display frame', () => (host.messages.some((message) => message.type === 'rect') ? true : undefined), 60_000);
});

after(async () => {
  await backend?.dispose();
  rmSync(dir, { recursive: true, force: true });
});

test('a guest repainting mode 13h back to back yields display frames with changing content', async () => {
  const mode = host.messages.filter((message) => message.type === 'mode').at(-1);
  assert.deepEqual(mode, { type: 'mode', mode: 'graphics', width: 320, height: 200 });
  const from = host.messages.length;
  const framesBefore = guestFrames();
  // A liveness check, not a speed one (bench/v86-repaint.ts measures the rate): on a loaded
  // machine the display can fall far behind the guest for seconds, so the window is generous.
  const deadline = performance.now() + 20_000;
  while (performance.now() < deadline && changingFrames(from) < 5) await new Promise((resolve) => setTimeout(resolve, 50));
  const frames = changingFrames(from);
  assert.ok(frames >= 5, `expected at least 5 changing display frames within 20 s, got ${frames} (guest painted ${guestFrames() - framesBefore})`);
});

test('the engine keeps answering while the guest repaints', async () => {
  let worst = 0;
  for (let i = 0; i < 20; i++) worst = Math.max(worst, await timerLateness(10));
  // Before slices were bounded, one slice of this guest held the event loop for 20-30 s.
  assert.ok(worst < 1000, `a 10 ms timer ran up to ${worst.toFixed(0)} ms late`);
  const status = (await (backend.handlers['query-status'] as (args: unknown) => Promise<unknown> | unknown)({})) as { status: string };
  assert.equal(status.status, 'running');
});

test("cutting slices short leaves the guest's measured speed true", async () => {
  // The guest runs about 8 instructions per 64,000-byte frame: well under 1 MIPS. A leaked
  // instruction-counter advance (100,003 per cut slice, hundreds per second) would read as tens.
  const query = backend.handlers['query-speed-limit'] as (args: unknown) => Promise<unknown> | unknown;
  const reading = await waitFor(
    'a speed measurement',
    async () => ((await query({})) as { 'measured-mips'?: number })['measured-mips'],
    10_000,
  );
  await new Promise((resolve) => setTimeout(resolve, 1200));
  const measured = ((await query({})) as { 'measured-mips'?: number })['measured-mips'] ?? reading;
  assert.ok(measured < 1, `measured ${measured} MIPS for a guest that runs about 0.005`);
});
