/**
 * The web shell's display over a slow network: raw pixels against compressed frames
 * (`encoding=deflate`), through a bandwidth-limited TCP proxy written here (server → viewer
 * limited to R Mbit/s by a token bucket; viewer → server unlimited; no added delay), and straight
 * on loopback (`inf`).
 *
 * Main runs in its own process (bench/display-web-main.ts, as `hangar web` runs it) with the
 * guests on Hangar's QEMU engine. The viewer is this process: a WebSocket through the proxy fed
 * to the page's own display modules (display-inflate.ts, display-receiver.ts: decoding,
 * inflating, acknowledging once per 16 ms as a page does per animation frame).
 *
 * Guests: bench/display-guest.ts (full-screen gradients repainted continuously; frames counted
 * where the frame-number block changes) at each size, and the grub-rescue CD's GRUB menu (a
 * text screen QEMU draws as 720×400 pixels; Down/Up move the highlight).
 *
 * Per guest, rate and encoding (alternating encodings within each round): frames/s received
 * (and the guest's own frames/s meanwhile, from its frame number),
 * bytes on the wire per frame (WebSocket payloads), main's CPU (% of a core) and this process's
 * (the viewer; the proxy runs in a worker thread and counts too);
 * for GRUB: bytes and time until the whole first screen arrived, and per highlight move.
 *
 *   node --import tsx bench/display-remote.ts [seconds=6] [rounds=2] [sizes=640x480,1024x768] [rates=20,100,inf]
 * Needs: nasm, qemu-system-x86, grub-rescue-pc.
 */
import type { ChildProcess } from 'node:child_process';
import { spawnOwned } from '../src/node/owned-child.js';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { Worker } from 'node:worker_threads';
import { WebSocket } from 'ws';
import { DisplayInflater } from '../src/renderer/platform/display-inflate.js';
import { DisplayReceiver } from '../src/renderer/platform/display-receiver.js';
import type { DisplayMessage } from '../src/shared/protocol/display.js';
import { counterPixel, displayGuestFloppy } from './display-guest.js';

const seconds = Number(process.argv[2] ?? 6);
const rounds = Number(process.argv[3] ?? 2);
const sizes = (process.argv[4] ?? '640x480,1024x768').split(',').map((size) => size.split('x').map(Number) as [number, number]);
/** Mbit/s of the link; `inf`: straight to main on loopback (what compression costs where it does not pay). */
const rates = (process.argv[5] ?? '20,100,inf').split(',').map((rate) => (rate === 'inf' ? Number.POSITIVE_INFINITY : Number(rate)));
const rateLabel = (mbit: number): string => (Number.isFinite(mbit) ? `${mbit} Mbit/s` : 'no limit');
const encodings = ['raw', 'deflate'] as const;
type Encoding = (typeof encodings)[number];
const GRUB_ISO = '/usr/lib/grub-rescue/grub-rescue-cdrom.iso';
const TICKS = 100; // USER_HZ

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;

const children = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of children) child.kill('SIGKILL');
});
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(130));

function cpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS;
  } catch {
    return 0;
  }
}
const ownCpuSeconds = (): number => {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1e6;
};

// ---------------------------------------------------------------- the bandwidth-limited proxy

/**
 * The proxy's code, run in a worker thread so the viewer's decoding in this thread does not
 * slow the link: a TCP proxy to `targetPort` whose server → client direction carries at most
 * `mbit` Mbit/s (a token bucket refilled every 2 ms, at most 20 ms of burst; it stops reading
 * from main while 256 KiB wait, so main sees a slow link's backpressure).
 */
const proxySource = `
const { createServer, connect } = require('node:net');
const { parentPort, workerData } = require('node:worker_threads');
const { targetPort, mbit } = workerData;
const bytesPerMs = (mbit * 1e6) / 8 / 1000;
const server = createServer((client) => {
  const upstream = connect(targetPort, '127.0.0.1');
  client.on('error', () => upstream.destroy());
  upstream.on('error', () => client.destroy());
  client.on('close', () => upstream.destroy());
  upstream.on('close', () => client.destroy());
  client.pipe(upstream);
  const queue = [];
  let queued = 0;
  let budget = 0;
  let last = performance.now();
  upstream.on('data', (chunk) => {
    queue.push(chunk);
    queued += chunk.length;
    if (queued > 256 << 10) upstream.pause();
  });
  const timer = setInterval(() => {
    const now = performance.now();
    budget = Math.min(budget + (now - last) * bytesPerMs, 20 * bytesPerMs);
    last = now;
    while (budget >= 1 && queue.length > 0) {
      const head = queue[0];
      const take = Math.min(head.length, Math.floor(budget));
      client.write(head.subarray(0, take));
      if (take === head.length) queue.shift();
      else queue[0] = head.subarray(take);
      queued -= take;
      budget -= take;
    }
    if (queued < 64 << 10 && upstream.isPaused()) upstream.resume();
  }, 2);
  client.on('close', () => clearInterval(timer));
});
server.listen(0, '127.0.0.1', () => parentPort.postMessage(server.address().port));
`;

/** A bandwidth-limited proxy to `targetPort` in a worker thread; `terminate()` ends it and its sockets. */
async function limitedProxy(targetPort: number, mbit: number): Promise<{ port: number; close(): Promise<void> }> {
  const worker = new Worker(proxySource, { eval: true, workerData: { targetPort, mbit } });
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the proxy did not start within 30 s')), 30_000);
    worker.once('message', (value: number) => {
      clearTimeout(timer);
      resolve(value);
    });
    worker.once('error', reject);
  });
  return { port, close: async () => void (await worker.terminate()) };
}

/** The link to main: through the proxy at `mbit`, or straight to main (loopback) when unlimited. */
async function link(main: Main, mbit: number): Promise<{ port: number; close(): Promise<void> }> {
  return Number.isFinite(mbit) ? limitedProxy(main.port, mbit) : { port: main.port, close: async () => undefined };
}

// ---------------------------------------------------------------- main and its API

interface Main {
  readonly process: ChildProcess;
  readonly port: number;
  readonly token: string;
  call(name: string, args: Record<string, unknown>): Promise<unknown>;
  close(): void;
}

async function startMain(work: string): Promise<Main> {
  const child = spawnOwned(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'display-web-main.ts'), join(work, 'library'), join(work, 'no-renderer')], { stdio: ['pipe', 'pipe', 'inherit'] });
  children.add(child);
  const line = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('main did not start within 60 s')), 60_000);
    createInterface({ input: child.stdout! }).once('line', (text) => {
      clearTimeout(timer);
      resolve(text);
    });
    child.once('exit', (code) => reject(new Error(`main exited (${code}) before serving`)));
  });
  const url = new URL((JSON.parse(line) as { url: string }).url);
  const port = Number(url.port);
  const token = url.searchParams.get('token') ?? '';
  const api = new WebSocket(`ws://127.0.0.1:${port}/api?token=${token}`);
  await new Promise((resolve, reject) => {
    api.once('open', resolve);
    api.once('error', reject);
  });
  let nextId = 1;
  const waiters = new Map<number, (result: { ok: boolean; value?: unknown; error?: unknown }) => void>();
  api.on('message', (data) => {
    const message = JSON.parse(String(data)) as { id?: number; result?: { ok: boolean; value?: unknown; error?: unknown } };
    if (typeof message.id === 'number' && message.result) waiters.get(message.id)?.(message.result);
  });
  return {
    process: child,
    port,
    token,
    call(name, args) {
      const id = nextId++;
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`${name}: no answer within 60 s`)), 60_000);
        waiters.set(id, (result) => {
          clearTimeout(timer);
          waiters.delete(id);
          if (result.ok) resolve(result.value);
          else reject(new Error(`${name}: ${JSON.stringify(result.error)}`));
        });
        api.send(JSON.stringify({ id, call: name, args }));
      });
    },
    close() {
      api.close();
      child.stdin?.end();
    },
  };
}

// ---------------------------------------------------------------- the viewer

/** A display viewer through the proxy, decoding and acknowledging as the page does. */
class Viewer {
  messages = 0;
  /** Bytes of binary WebSocket messages received (payloads, before inflating). */
  bytes = 0;
  /** Times the frame-number block changed (frames of the display guest). */
  frames = 0;
  lastMessageAt = 0;
  /** The last frame number seen (the guest's own count of frames drawn). */
  counter = -1;
  private constructor(private readonly ws: WebSocket) {}

  static async open(proxyPort: number, main: Main, id: string, encoding: Encoding): Promise<Viewer> {
    const ws = new WebSocket(`ws://127.0.0.1:${proxyPort}/display/${id}?token=${main.token}&encoding=${encoding}`, {
      perMessageDeflate: false,
      // The shell only answers requests addressed to itself (DNS-rebinding guard); a proxy in front keeps the Host.
      headers: { host: `127.0.0.1:${main.port}` },
    });
    ws.binaryType = 'arraybuffer';
    const viewer = new Viewer(ws);
    const receiver = new DisplayReceiver((received) => {
      if (ws.readyState === ws.OPEN) ws.send(JSON.stringify({ ack: received }));
    });
    const inflater = new DisplayInflater((message) => receiver.receive(message));
    receiver.subscribe((message) => viewer.take(message));
    ws.on('message', (data, isBinary) => {
      if (!isBinary) return;
      viewer.bytes += (data as ArrayBuffer).byteLength;
      inflater.push(data as ArrayBuffer);
    });
    ws.on('close', () => {
      inflater.close();
      receiver.close();
    });
    await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('the display socket did not open within 30 s')), 30_000);
      ws.once('open', () => {
        clearTimeout(timer);
        receiver.opened();
        resolve(undefined);
      });
      ws.once('error', reject);
    });
    return viewer;
  }

  private take(message: DisplayMessage): void {
    this.messages++;
    this.lastMessageAt = performance.now();
    if (message.type !== 'rect') return;
    const { x, y } = counterPixel;
    if (x < message.x || y < message.y || x >= message.x + message.width || y >= message.y + message.height) return;
    const at = ((y - message.y) * message.width + (x - message.x)) * 4;
    const value = (message.pixels[at]! << 16) | (message.pixels[at + 1]! << 8) | message.pixels[at + 2]!;
    if (value !== this.counter) {
      this.counter = value;
      this.frames++;
    }
  }

  /**
   * Waits until a message arrived after `since` and then nothing for `quietMs` (at most
   * `timeoutMs`); resolves with the time of the last message.
   */
  async settled(quietMs: number, timeoutMs = 60_000, since = 0): Promise<number> {
    const deadline = performance.now() + timeoutMs;
    while (performance.now() - this.lastMessageAt < quietMs || this.lastMessageAt <= since) {
      if (performance.now() > deadline) throw new Error(`the display did not settle within ${timeoutMs} ms`);
      await sleep(20);
    }
    return this.lastMessageAt;
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      if (this.ws.readyState === this.ws.CLOSED) return resolve();
      this.ws.once('close', () => resolve());
      this.ws.close();
    });
  }
}

// ---------------------------------------------------------------- measuring

interface AnimationResult {
  fps: number;
  /** Frames the guest drew meanwhile (its counter's advance), per second. */
  guestFps: number;
  bytesPerFrame: number;
  messagesPerFrame: number;
  mainCpu: number;
  viewerCpu: number;
}

async function measureAnimation(main: Main, id: string, mbit: number, encoding: Encoding): Promise<AnimationResult> {
  const proxy = await link(main, mbit);
  const viewer = await Viewer.open(proxy.port, main, id, encoding);
  try {
    // The first whole screen and a second of frames are left out.
    await sleep(Math.max(1500, ((3 * 1024 * 768 * 4 * 8) / (mbit * 1e6)) * 1000));
    const start = { at: performance.now(), frames: viewer.frames, messages: viewer.messages, counter: viewer.counter, bytes: viewer.bytes, main: cpuSeconds(main.process.pid!), own: ownCpuSeconds() };
    await sleep(seconds * 1000);
    const elapsed = (performance.now() - start.at) / 1000;
    const frames = viewer.frames - start.frames;
    return {
      fps: frames / elapsed,
      guestFps: (viewer.counter - start.counter) / elapsed,
      bytesPerFrame: (viewer.bytes - start.bytes) / Math.max(1, frames),
      messagesPerFrame: (viewer.messages - start.messages) / Math.max(1, frames),
      mainCpu: ((cpuSeconds(main.process.pid!) - start.main) / elapsed) * 100,
      viewerCpu: ((ownCpuSeconds() - start.own) / elapsed) * 100,
    };
  } finally {
    await viewer.close();
    await proxy.close();
  }
}

interface TextResult {
  firstBytes: number;
  firstMs: number;
  moveBytes: number;
  moveMs: number;
}

async function measureGrub(main: Main, id: string, mbit: number, encoding: Encoding): Promise<TextResult> {
  const proxy = await link(main, mbit);
  const opened = performance.now();
  const viewer = await Viewer.open(proxy.port, main, id, encoding);
  try {
    const firstDone = await viewer.settled(700);
    const first = { bytes: viewer.bytes, ms: firstDone - opened };
    const moves: { bytes: number; ms: number }[] = [];
    for (const key of ['down', 'up', 'down', 'up', 'down', 'up']) {
      const bytes = viewer.bytes;
      const sent = performance.now();
      await main.call('vm.send-keys', { id, keys: [key] });
      const done = await viewer.settled(500, 30_000, sent);
      moves.push({ bytes: viewer.bytes - bytes, ms: done - sent });
    }
    return { firstBytes: first.bytes, firstMs: first.ms, moveBytes: median(moves.map((move) => move.bytes)), moveMs: median(moves.map((move) => move.ms)) };
  } finally {
    await viewer.close();
    await proxy.close();
  }
}

/** Waits (at most 120 s) until GRUB's menu moves its highlight on a key: booted, countdown stopped. */
async function untilMenuAnswers(main: Main, id: string): Promise<void> {
  const viewer = await Viewer.open(main.port, main, id, 'raw');
  try {
    const deadline = performance.now() + 120_000;
    await viewer.settled(500, 120_000);
    for (;;) {
      if (performance.now() > deadline) throw new Error('GRUB\'s menu did not answer a key within 120 s');
      const before = viewer.messages;
      await main.call('vm.send-keys', { id, keys: ['down'] });
      await sleep(1500);
      if (viewer.messages > before) break;
    }
    await main.call('vm.send-keys', { id, keys: ['up'] });
    await viewer.settled(700);
  } finally {
    await viewer.close();
  }
}

// ---------------------------------------------------------------- the run

const kib = (bytes: number): string => (bytes >= 1 << 20 ? `${(bytes / (1 << 20)).toFixed(2)} MiB` : `${(bytes / 1024).toFixed(1)} KiB`);

const work = mkdtempSync(join(tmpdir(), 'hangar-bench-remote-'));
let main: Main | undefined;
try {
  main = await startMain(work);
  const machines: { label: string; id: string; kind: 'animation' | 'grub' }[] = [];
  for (const [width, height] of sizes) {
    const floppy = displayGuestFloppy(work, width, height);
    const { id } = (await main.call('machines.create', { name: `gradients-${width}x${height}`, engine: 'qemu', memoryMib: 16, floppy, bootOrder: ['floppy'] })) as { id: string };
    machines.push({ label: `display guest ${width}×${height}`, id, kind: 'animation' });
  }
  const grub = (await main.call('machines.create', { name: 'grub', engine: 'qemu', memoryMib: 32, osId: 'grub', cdrom: GRUB_ISO })) as { id: string };
  machines.push({ label: 'GRUB menu (text, 720×400)', id: grub.id, kind: 'grub' });
  for (const machine of machines) {
    await main.call('vm.start', { id: machine.id });
    await main.call('vm.pause', { id: machine.id });
  }
  console.log(`load ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}; ${seconds} s windows, ${rounds} rounds, encodings alternating`);
  for (const machine of machines) {
    await main.call('vm.resume', { id: machine.id });
    if (machine.kind === 'grub') await untilMenuAnswers(main, machine.id);
    for (const mbit of rates) {
      if (machine.kind === 'animation') {
        const results: Record<Encoding, AnimationResult[]> = { raw: [], deflate: [] };
        for (let round = 0; round < rounds; round++) {
          for (const encoding of round % 2 === 0 ? encodings : [...encodings].reverse()) results[encoding].push(await measureAnimation(main, machine.id, mbit, encoding));
        }
        const summary = (encoding: Encoding): string => {
          const list = results[encoding];
          return `${encoding.padEnd(7)} ${median(list.map((r) => r.fps)).toFixed(1).padStart(5)} fps (guest ${median(list.map((r) => r.guestFps)).toFixed(1).padStart(5)}), ${kib(median(list.map((r) => r.bytesPerFrame))).padStart(10)}/frame (${median(list.map((r) => r.messagesPerFrame)).toFixed(1)} messages), main ${median(list.map((r) => r.mainCpu)).toFixed(0).padStart(3)} %, viewer ${median(list.map((r) => r.viewerCpu)).toFixed(0).padStart(3)} %`;
        };
        const ratio = median(results.deflate.map((r) => r.fps)) / median(results.raw.map((r) => r.fps));
        console.log(`${machine.label} @ ${rateLabel(mbit)}:\n  ${summary('raw')}\n  ${summary('deflate')}\n  fps deflate/raw ${ratio.toFixed(2)}×`);
      } else {
        const results: Record<Encoding, TextResult[]> = { raw: [], deflate: [] };
        for (let round = 0; round < rounds; round++) {
          for (const encoding of round % 2 === 0 ? encodings : [...encodings].reverse()) results[encoding].push(await measureGrub(main, machine.id, mbit, encoding));
        }
        const summary = (encoding: Encoding): string => {
          const list = results[encoding];
          return `${encoding.padEnd(7)} whole screen ${kib(median(list.map((r) => r.firstBytes))).padStart(10)} in ${median(list.map((r) => r.firstMs)).toFixed(0).padStart(5)} ms; highlight move ${kib(median(list.map((r) => r.moveBytes))).padStart(10)}, delivered in ${median(list.map((r) => r.moveMs)).toFixed(0).padStart(4)} ms`;
        };
        console.log(`${machine.label} @ ${rateLabel(mbit)} (times: to the last message of the update):\n  ${summary('raw')}\n  ${summary('deflate')}`);
      }
    }
    await main.call('vm.pause', { id: machine.id });
  }
} finally {
  main?.close();
  const child = main?.process;
  if (child && child.exitCode === null) {
    await Promise.race([new Promise((resolve) => child.once('exit', resolve)), sleep(15_000)]);
    child.kill('SIGKILL');
  }
  rmSync(work, { recursive: true, force: true });
}
