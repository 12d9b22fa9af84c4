/**
 * Key → screen update at the engine's RFB client, on bare QEMU with Hangar's own arguments: how
 * long after a key QEMU's VNC server sends the guest's reaction, with and without the refresh
 * nudges that follow input (src/emulator/qemu/rfb.ts, REFRESH_NUDGE_INTERVAL_MS).
 *
 * QEMU refreshes its VNC clients every 30 ms while the screen changes and backs off by 50 ms per
 * idle tick; an input message sets it back to 30 ms, but the tick that follows comes at once,
 * before the guest has drawn anything, and backs off to 80 ms. The key-up (sent `up` ms after
 * the key-down: a browser's keyup, or a key-up held back by the engine's input pacing) sets it
 * back again only if it comes soon enough. Guest: bench/display-guest.ts (static screen: Space
 * stops its animation; the A key flips a block). Batches of presses alternate nudges on and off.
 *
 *   node --import tsx bench/qemu-key-latency.ts [presses per batch=10] [batches=4] [key-up delays ms=5,50] [size=640x480]
 * Needs nasm and qemu-system-x86.
 */
import { spawnOwned } from '../src/node/owned-child.js';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildArguments, socketPaths } from '../src/emulator/qemu/arguments.js';
import { findQemuBinary } from '../src/emulator/qemu/discovery.js';
import { RfbClient } from '../src/emulator/qemu/rfb.js';
import { displayGuestFloppy, keyPixel } from './display-guest.js';

const presses = Number(process.argv[2] ?? 10);
const batches = Number(process.argv[3] ?? 4);
const upDelays = (process.argv[4] ?? '5,50').split(',').map(Number);
const [width, height] = (process.argv[5] ?? '640x480').split('x').map(Number) as [number, number];
const SCANCODE_A = 0x1e;
const SCANCODE_SPACE = 0x39;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;
const percentile = (values: number[], p: number): number => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(values.length * p))] ?? Number.NaN;

async function waitFor(check: () => boolean, ms: number, what: string): Promise<void> {
  const start = performance.now();
  while (!check()) {
    if (performance.now() - start > ms) throw new Error(`${what} within ${ms} ms`);
    await sleep(2);
  }
}

const work = mkdtempSync(join(tmpdir(), 'hangar-bench-key-latency-'));
const runtime = join(work, 'run');
const sockets = socketPaths(runtime);
const floppy = displayGuestFloppy(work, width, height);
const args = buildArguments({ engine: 'qemu', memoryMib: 16, floppy, bootOrder: ['floppy'], runtimeDir: runtime, options: {} } as never, sockets, {
  accelerator: 'tcg',
  clipboard: false,
  display: 'std',
  tablet: false,
}).filter((arg) => arg !== '-S');
mkdirSync(runtime, { recursive: true, mode: 0o700 });
const qemu = spawnOwned(findQemuBinary(), args, { stdio: ['ignore', 'ignore', 'inherit'] });
const stop = (): void => {
  qemu.kill('SIGKILL');
};
process.on('exit', stop);
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(130));

try {
  // QEMU creates its sockets after start-up; wait for the VNC socket to take a connection.
  const startedAt = performance.now();
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = connect(sockets.vnc);
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (ok) break;
    if (performance.now() - startedAt > 30_000) throw new Error('QEMU opened no VNC socket within 30 s');
    await sleep(100);
  }

  let keyBlockAt = 0;
  const client = await RfbClient.open(sockets.vnc, {
    rect: (x, y, w, h) => {
      if (x <= keyPixel.x && keyPixel.x < x + w && y <= keyPixel.y && keyPixel.y < y + h) keyBlockAt = performance.now();
    },
  });
  await waitFor(() => client.width === width, 30_000, `the guest did not set ${width}×${height}`);
  await sleep(1000);
  // Space stops the animation: a static screen from here on.
  client.sendExtendedKey(true, SCANCODE_SPACE);
  await sleep(30);
  client.sendExtendedKey(false, SCANCODE_SPACE);
  await sleep(1500);

  const results = new Map<string, number[]>();
  for (let batch = 0; batch < batches * 2; batch++) {
    const nudges = batch % 2 === 0;
    client.refreshNudges = nudges;
    for (const up of upDelays) {
      const name = `key-up after ${up} ms, nudges ${nudges ? 'on ' : 'off'}`;
      const times = results.get(name) ?? [];
      results.set(name, times);
      for (let press = 0; press < presses; press++) {
        keyBlockAt = 0;
        const at = performance.now();
        client.sendExtendedKey(true, SCANCODE_A);
        const release = sleep(up).then(() => client.sendExtendedKey(false, SCANCODE_A));
        await waitFor(() => keyBlockAt !== 0, 5000, 'the key block was not updated');
        times.push(keyBlockAt - at);
        await release;
        // As display-vs-novnc.ts: the next key after 120 ms of a static screen (QEMU backed off).
        await sleep(120 + Math.random() * 60);
      }
    }
  }
  client.close();
  console.log(`key → key-block update at the RFB client (bare QEMU, ${width}×${height}, ${presses} presses × ${batches} alternating batches; load ${loadavg().map((v) => v.toFixed(1)).join(' ')})`);
  for (const [name, times] of results) console.log(`  ${name}: median ${median(times).toFixed(1)} ms, p90 ${percentile(times, 0.9).toFixed(1)} ms (n=${times.length})${process.env.HANGAR_BENCH_ALL ? ` ${times.map((t) => t.toFixed(0)).join(" ")}` : ""}`);
} finally {
  stop();
  rmSync(work, { recursive: true, force: true });
}
