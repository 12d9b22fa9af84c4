/**
 * Display speed of Hangar's web UI against noVNC on the same guest, in the same run.
 *
 * Guest (bench/display-guest.ts): a boot sector repainting the whole W×H×32 screen with
 * alternating patterns, its frame number in the top-left block's colour, a block that flips on
 * the A key, Space to stop/restart the animation.
 * Ours: main in its own process (bench/display-web-main.ts: HangarCore + web shell, as `hangar
 * web` runs it), the machine on Hangar's QEMU engine (and on v86: ours only), the VM page in
 * headless Chromium. Reference: the same guest on bare qemu-system-x86_64 with Hangar's own
 * arguments (its VNC server on a UNIX socket), websockify and noVNC's vnc_lite.html. Chromium
 * is driven over the raw DevTools protocol (bench/display-cdp.ts), never with network
 * monitoring.
 *
 * Per side and screen size: painted frames/s (animation frames in which the counter block
 * changed), the guest's frames/s with and without a viewer (its counter read from screendumps),
 * key→paint (keydown in the page → the key block painted, static screen, median), CPU of the
 * display path (engine + main + Chromium; websockify + Chromium) and of the emulator (QEMU), and
 * the idle cost at a static screen with a viewer and with none. Rounds alternate the sides.
 *
 *   node --import tsx bench/display-vs-novnc.ts [seconds=8] [rounds=2] [sizes=640x480,1024x768] [sides=ours,novnc,v86]
 * HANGAR_BENCH_SHOTS=FOLDER saves a screenshot of each page while the guest animates.
 * Needs: nasm, qemu-system-x86, chromium, novnc and websockify (apt-get install novnc websockify).
 */
import type { ChildProcess } from 'node:child_process';
import { spawnOwned } from '../src/node/owned-child.js';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { buildArguments, socketPaths } from '../src/emulator/qemu/arguments.js';
import { findQemuBinary } from '../src/emulator/qemu/discovery.js';
import { buildRenderer } from '../test/ui/harness.js';
import { CdpBrowser, type CdpPage } from './display-cdp.js';
import { counterFromPpm, counterPixel, displayGuestFloppy, keyPixel } from './display-guest.js';

const seconds = Number(process.argv[2] ?? 8);
const rounds = Number(process.argv[3] ?? 2);
const sizes = (process.argv[4] ?? '640x480,1024x768').split(',').map((size) => size.split('x').map(Number) as [number, number]);
const sides = new Set((process.argv[5] ?? 'ours,novnc,v86').split(','));
const NOVNC = '/usr/share/novnc';
/** HANGAR_BENCH_SHOTS=FOLDER saves a screenshot of each side's page while it animates. */
const shots = process.env.HANGAR_BENCH_SHOTS;
if (shots) mkdirSync(shots, { recursive: true, mode: 0o700 });
const pageProfile = process.env.BENCH_PAGE_PROF;
if (pageProfile) mkdirSync(pageProfile, { recursive: true, mode: 0o700 });
const TICKS = 100; // USER_HZ: /proc/PID/stat counts CPU time in 1/100 s.

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;

if (sides.has('novnc') && (!existsSync(join(NOVNC, 'vnc_lite.html')) || !existsSync('/usr/bin/websockify'))) {
  console.error('noVNC is missing: install it with `apt-get install novnc websockify` (or pass sides without novnc).');
  process.exit(1);
}

// ---------------------------------------------------------------- processes and CPU

/** Every process below `root` (not included), from /proc. */
function descendants(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const list = children.get(ppid) ?? [];
      list.push(Number(entry));
      children.set(ppid, list);
    } catch {
      // gone meanwhile
    }
  }
  const out: number[] = [];
  const walk = (pid: number): void => {
    for (const child of children.get(pid) ?? []) {
      out.push(child);
      walk(child);
    }
  };
  walk(root);
  return out;
}

function commandName(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return '';
  }
}

/** CPU seconds (user + system) of `pids` so far; vanished processes count 0. */
function cpuSeconds(pids: readonly number[]): number {
  let ticks = 0;
  for (const pid of pids) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      // gone
    }
  }
  return ticks / TICKS;
}

/** Host load while measuring (other helpers share the machine). */
function loadAverage(): string {
  return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
}

/** Starts a child that dies with this process (SIGKILL on exit). */
const children = new Set<ChildProcess>();
function start(command: string, args: string[], options: { env?: NodeJS.ProcessEnv } = {}): ChildProcess {
  const child = spawnOwned(command, args, { stdio: ['pipe', 'pipe', 'inherit'], ...options });
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}
process.once('exit', () => {
  for (const child of children) child.kill('SIGKILL');
});
// Ctrl+C or a kill: exit through the handler above so nothing is left running.
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(130));

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

// ---------------------------------------------------------------- JSON line clients

/** A newline-delimited JSON client with id-matched replies (the control socket and QMP both echo `id`). */
class LineClient {
  private nextId = 1;
  private readonly waiters = new Map<number, (reply: Record<string, unknown>) => void>();

  private constructor(private readonly socket: ReturnType<typeof connect>) {
    socket.on('error', () => undefined); // a peer that went away shows as unanswered requests
    createInterface({ input: socket }).on('line', (line) => {
      const reply = JSON.parse(line) as Record<string, unknown>;
      if (typeof reply.id === 'number') {
        this.waiters.get(reply.id)?.(reply);
        this.waiters.delete(reply.id);
      }
    });
  }

  static async open(path: string, timeoutMs = 30_000): Promise<LineClient> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      try {
        const socket = await new Promise<ReturnType<typeof connect>>((resolve, reject) => {
          const candidate = connect(path, () => resolve(candidate));
          candidate.once('error', reject);
        });
        return new LineClient(socket);
      } catch (error) {
        if (Date.now() > deadline) throw new Error(`could not connect to ${path}: ${(error as Error).message}`);
        await sleep(100);
      }
    }
  }

  request(message: Record<string, unknown>, timeoutMs = 60_000): Promise<Record<string, unknown>> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no reply to ${JSON.stringify(message).slice(0, 80)} within ${timeoutMs} ms`)), timeoutMs);
      this.waiters.set(id, (reply) => {
        clearTimeout(timer);
        resolve(reply);
      });
      this.socket.write(`${JSON.stringify({ ...message, id })}\n`);
    });
  }

  close(): void {
    this.socket.destroy();
  }
}

// ---------------------------------------------------------------- sides

/** One way of running and viewing the guest. */
interface Side {
  readonly name: string;
  /** The page that views the guest. */
  readonly url: string;
  /** The canvas in that page. */
  readonly canvas: string;
  /** CPU of the display path (without the emulator). */
  displayPids(): number[];
  /** The process relaying frames to the browser: Hangar's main, or websockify. */
  relayPids(): number[];
  /** CPU of the emulator (QEMU; for v86 the engine is both, reported as display path + guest). */
  emulatorPids(): number[];
  counter(): Promise<number>;
  key(qcode: string): Promise<void>;
  pause(): Promise<void>;
  resume(): Promise<void>;
  /** Clicks/focuses the display so keys reach the guest (after the page loaded). */
  focus(page: CdpPage): Promise<void>;
  stop(): Promise<void>;
}

/** Main (web shell) in its own process; one machine per side it creates. */
class HangarMain {
  private constructor(
    readonly process: ChildProcess,
    readonly url: string,
    readonly control: LineClient,
  ) {}

  static async start(work: string, rendererDir: string): Promise<HangarMain> {
    // BENCH_MAIN_PROF=FOLDER: main writes a V8 CPU profile there when it exits.
    const profile = process.env.BENCH_MAIN_PROF ? ['--cpu-prof', '--cpu-prof-dir', process.env.BENCH_MAIN_PROF] : [];
    const child = start(process.execPath, [...profile, '--import', 'tsx', join(import.meta.dirname, 'display-web-main.ts'), join(work, 'library'), rendererDir]);
    const line = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('the web shell did not start within 60 s')), 60_000);
      createInterface({ input: child.stdout! }).once('line', (text) => {
        clearTimeout(timer);
        resolve(text);
      });
      child.once('exit', (code) => reject(new Error(`the web shell exited (${code})`)));
    });
    const { url, controlSocket } = JSON.parse(line) as { url: string; controlSocket: string };
    return new HangarMain(child, url, await LineClient.open(controlSocket));
  }

  async call(call: string, args: Record<string, unknown>): Promise<unknown> {
    const reply = (await this.control.request({ call, args })) as { result: { ok: boolean; value?: unknown; error?: { desc: string } } };
    if (!reply.result.ok) throw new Error(`${call}: ${reply.result.error?.desc}`);
    return reply.result.value;
  }

  async stop(): Promise<void> {
    this.control.close();
    const exited = new Promise((resolve) => this.process.once('exit', resolve));
    this.process.kill('SIGTERM');
    const timer = setTimeout(() => this.process.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(timer);
  }
}

/** Each machine gets its own copy of the guest (QEMU locks its images). */
function guestCopy(work: string, floppy: string, label: string): string {
  const copy = join(work, `${label}.img`);
  copyFileSync(floppy, copy);
  return copy;
}

async function hangarSide(main: HangarMain, work: string, engine: 'qemu' | 'v86', image: string, label: string): Promise<Side> {
  const floppy = guestCopy(work, image, label);
  const { id } = (await main.call('machines.create', { name: `${label}`, engine, memoryMib: 16, floppy, bootOrder: ['floppy'] })) as { id: string };
  await main.call('vm.start', { id });
  const dump = join(work, `${label}.ppm`);
  const engineProcesses = (): number[] => descendants(main.process.pid!).filter((pid) => commandName(pid).startsWith('node') || commandName(pid).startsWith('MainThread'));
  const side: Side = {
    name: label,
    // BENCH_PAGE_QUERY: extra page parameters, e.g. `&display-transport=socket` (the WebSocket path) for A/B runs.
    url: `${main.url}${process.env.BENCH_PAGE_QUERY ?? ''}#/vm/${id}`,
    canvas: '[data-testid="guest-canvas"]',
    displayPids: () => [main.process.pid!, ...descendants(main.process.pid!).filter((pid) => !commandName(pid).startsWith('qemu'))],
    relayPids: () => [main.process.pid!],
    emulatorPids: () => descendants(main.process.pid!).filter((pid) => commandName(pid).startsWith('qemu')),
    counter: async () => {
      await main.call('vm.execute', { id, command: 'screendump', arguments: { filename: dump, format: 'ppm' } });
      return counterFromPpm(dump);
    },
    key: async (qcode) => {
      await main.call('vm.execute', { id, command: 'send-key', arguments: { keys: [{ type: 'qcode', data: qcode }], 'hold-time': 30 } });
    },
    pause: async () => void (await main.call('vm.pause', { id })),
    resume: async () => void (await main.call('vm.resume', { id })),
    focus: async (page) => {
      await page.evaluate(`new Promise((resolve, reject) => {
        const start = performance.now();
        const poll = () => {
          const canvas = document.querySelector('[data-testid="guest-canvas"]');
          if (canvas && canvas.width > 64) return resolve(true);
          if (performance.now() - start > 60000) return reject(new Error('no guest canvas within 60 s'));
          setTimeout(poll, 100);
        };
        poll();
      })`);
      const box = await page.evaluate<{ x: number; y: number }>(`(() => { const r = document.querySelector('[data-testid="guest-canvas"]').getBoundingClientRect(); return { x: r.x + r.width / 2, y: r.y + r.height / 2 }; })()`);
      await page.send('Input.dispatchMouseEvent', { type: 'mousePressed', x: box.x, y: box.y, button: 'left', clickCount: 1 });
      await page.send('Input.dispatchMouseEvent', { type: 'mouseReleased', x: box.x, y: box.y, button: 'left', clickCount: 1 });
    },
    stop: async () => void (await main.call('vm.poweroff', { id }).catch(() => undefined)),
  };
  void engineProcesses;
  return side;
}

async function novncSide(work: string, image: string, label: string): Promise<Side> {
  const floppy = guestCopy(work, image, label);
  const runtime = mkdtempSync(join(work, 'bare-'));
  const sockets = socketPaths(runtime);
  const args = buildArguments({ engine: 'qemu', memoryMib: 16, floppy, bootOrder: ['floppy'], runtimeDir: runtime, options: {} } as never, sockets, {
    accelerator: 'tcg',
    clipboard: false,
    display: 'std',
    tablet: false,
  }).filter((arg) => arg !== '-S');
  const qemu = start(findQemuBinary(), args);
  const qmp = await LineClient.open(sockets.qmp);
  await qmp.request({ execute: 'qmp_capabilities' });
  const port = await freePort();
  const websockify = spawnOwned('websockify', ['--web', NOVNC, `127.0.0.1:${port}`, `--unix-target=${sockets.vnc}`], { stdio: 'ignore' });
  children.add(websockify);
  const dump = join(work, `${label}.ppm`);
  const check = (reply: Record<string, unknown>): void => {
    if ('error' in reply) throw new Error(`QMP: ${JSON.stringify(reply.error)}`);
  };
  qemu.stdout?.resume();
  await sleep(1000);
  return {
    name: label,
    url: `http://127.0.0.1:${port}/vnc_lite.html?host=127.0.0.1&port=${port}&path=websockify`,
    canvas: '#screen canvas',
    displayPids: () => [websockify.pid!, ...descendants(websockify.pid!)],
    relayPids: () => [websockify.pid!, ...descendants(websockify.pid!)],
    emulatorPids: () => [qemu.pid!],
    counter: async () => {
      check(await qmp.request({ execute: 'screendump', arguments: { filename: dump, format: 'ppm' } }));
      return counterFromPpm(dump);
    },
    key: async (qcode) => check(await qmp.request({ execute: 'send-key', arguments: { keys: [{ type: 'qcode', data: qcode }], 'hold-time': 30 } })),
    pause: async () => check(await qmp.request({ execute: 'stop' })),
    resume: async () => check(await qmp.request({ execute: 'cont' })),
    focus: async (page) => {
      await page.evaluate(`new Promise((resolve, reject) => {
        const start = performance.now();
        const poll = () => {
          const canvas = document.querySelector('#screen canvas');
          if (canvas && canvas.width > 64) { canvas.focus(); return resolve(true); }
          if (performance.now() - start > 60000) return reject(new Error('noVNC showed no screen within 60 s'));
          setTimeout(poll, 100);
        };
        poll();
      })`);
    },
    stop: async () => {
      qmp.close();
      websockify.kill('SIGTERM');
      qemu.kill('SIGTERM');
    },
  };
}

// ---------------------------------------------------------------- in the page

/** Installed before each page's scripts: no pointer lock in headless Chromium (it stalls), probes. */
const pageProbe = `
  Element.prototype.requestPointerLock = () => Promise.resolve();
  window.__bench = {
    keyAt: 0,
    pixel(selector, x, y) {
      const canvas = document.querySelector(selector);
      if (!canvas || canvas.width <= x) return -1;
      const context = canvas.getContext('2d');
      const d = context.getImageData(x, y, 1, 1).data;
      return (d[0] << 16) | (d[1] << 8) | d[2];
    },
    frame: () => new Promise((resolve) => requestAnimationFrame(resolve)),
    async painted(selector, ms) {
      const start = performance.now();
      let last = this.pixel(selector, ${counterPixel.x}, ${counterPixel.y});
      const first = last;
      let painted = 0;
      while (performance.now() - start < ms) {
        await this.frame();
        const now = this.pixel(selector, ${counterPixel.x}, ${counterPixel.y});
        if (now !== last) painted++;
        last = now;
      }
      return { painted: painted / ((performance.now() - start) / 1000), first, last };
    },
    keyBefore: 0,
    /** When the first binary WebSocket message after the key arrived (the screen update, on a static screen). */
    messageAt: 0,
    arm(selector) {
      this.keyBefore = this.pixel(selector, ${keyPixel.x}, ${keyPixel.y});
      this.keyAt = 0;
      this.messageAt = 0;
    },
    async keyPainted(selector) {
      const start = performance.now();
      while (this.pixel(selector, ${keyPixel.x}, ${keyPixel.y}) === this.keyBefore) {
        if (performance.now() - start > 5000) throw new Error('the key block did not change within 5 s of the key');
        await this.frame();
      }
      return { paint: performance.now() - this.keyAt, message: this.messageAt ? this.messageAt - this.keyAt : Number.NaN };
    },
  };
  addEventListener('keydown', () => { if (!window.__bench.keyAt) window.__bench.keyAt = performance.now(); }, true);
  // Splits key→paint at the page's socket: key→message is the round trip through the display
  // server(s) and QEMU, message→paint the page's own part.
  // The sockets stay native WebSocket objects (noVNC checks what it is given).
  const NativeWebSocket = WebSocket;
  window.WebSocket = function WebSocket(...args) {
    const socket = new NativeWebSocket(...args);
    socket.addEventListener('message', (event) => {
      const bench = window.__bench;
      if (typeof event.data !== 'string' && bench.keyAt && !bench.messageAt) bench.messageAt = performance.now();
    });
    return socket;
  };
  Object.setPrototypeOf(window.WebSocket, NativeWebSocket);
  window.WebSocket.prototype = NativeWebSocket.prototype;
  // Ours takes its display messages on a fetch body read with a BYOB reader (the display stream).
  const nativeRead = ReadableStreamBYOBReader.prototype.read;
  ReadableStreamBYOBReader.prototype.read = function read(...args) {
    return nativeRead.apply(this, args).then((result) => {
      const bench = window.__bench;
      if (!result.done && bench.keyAt && !bench.messageAt) bench.messageAt = performance.now();
      return result;
    });
  };
`;

interface Measured {
  paintedFps: number;
  guestFps: number;
  guestFpsNoViewer: number;
  keyMs: number;
  /** Key → the first display message at the page's socket (median). */
  keyMessageMs: number;
  displayCpu: number;
  /** The relay's part of displayCpu (main, or websockify). */
  relayCpu: number;
  emulatorCpu: number;
  idleViewer: number;
  /** The browser's part of idleViewer. */
  idleBrowser: number;
  idleNoViewer: number;
}

async function measure(side: Side, page: CdpPage): Promise<Measured> {
  await side.resume();
  // Without a viewer: the guest's own frame rate.
  await page.navigate('about:blank');
  await sleep(1000);
  let counter = await side.counter();
  let at = performance.now();
  await sleep(seconds * 1000);
  const guestFpsNoViewer = ((await side.counter()) - counter) / ((performance.now() - at) / 1000);

  // With a viewer: painted frames, the guest's frames, CPU.
  await page.navigate(side.url);
  await side.focus(page);
  await sleep(2000);
  const displayPids = side.displayPids();
  const browserPids = (): number[] => [browser.pid, ...descendants(browser.pid)];
  const cpuBefore = cpuSeconds([...displayPids, ...browserPids()]);
  const relayBefore = cpuSeconds(side.relayPids());
  const emulatorBefore = cpuSeconds(side.emulatorPids());
  counter = await side.counter();
  at = performance.now();
  // BENCH_PAGE_PROF=FOLDER: the page's V8 CPU profile while painting, one file per side.
  if (pageProfile) {
    await page.send('Profiler.enable');
    await page.send('Profiler.start');
  }
  const painted = await page.evaluate<{ painted: number }>(`window.__bench.painted(${JSON.stringify(side.canvas)}, ${seconds * 1000})`, seconds * 1000 + 30_000);
  if (pageProfile) {
    const { profile } = await page.send('Profiler.stop');
    writeFileSync(join(pageProfile, `${side.name}-${Date.now()}.cpuprofile`), JSON.stringify(profile), { mode: 0o600 });
  }
  const elapsed = (performance.now() - at) / 1000;
  const guestFps = ((await side.counter()) - counter) / elapsed;
  const displayCpu = (cpuSeconds([...displayPids, ...browserPids()]) - cpuBefore) / elapsed;
  const relayCpu = (cpuSeconds(side.relayPids()) - relayBefore) / elapsed;
  const emulatorCpu = (cpuSeconds(side.emulatorPids()) - emulatorBefore) / elapsed;
  if (shots) {
    const { data } = (await page.send('Page.captureScreenshot', { format: 'png' })) as { data: string };
    writeFileSync(join(shots, `${side.name}.png`), Buffer.from(data, 'base64'), { mode: 0o600 });
  }

  // Static screen: key → paint, then idle cost with the viewer and without.
  await side.key('spc');
  await sleep(1500);
  const times: number[] = [];
  const messageTimes: number[] = [];
  for (let press = 0; press < 12; press++) {
    await page.evaluate(`window.__bench.arm(${JSON.stringify(side.canvas)})`);
    await page.send('Input.dispatchKeyEvent', { type: 'keyDown', code: 'KeyA', key: 'a', windowsVirtualKeyCode: 65, nativeVirtualKeyCode: 65 });
    await page.send('Input.dispatchKeyEvent', { type: 'keyUp', code: 'KeyA', key: 'a', windowsVirtualKeyCode: 65, nativeVirtualKeyCode: 65 });
    const key = await page.evaluate<{ paint: number; message: number }>(`window.__bench.keyPainted(${JSON.stringify(side.canvas)})`);
    times.push(key.paint);
    messageTimes.push(key.message);
    await sleep(120);
  }
  await sleep(1000);
  const idle = async (): Promise<{ all: number; browser: number }> => {
    const server = side.displayPids();
    const browserSide = browserPids();
    const before = [cpuSeconds(server), cpuSeconds(browserSide)];
    const start = performance.now();
    await sleep((seconds * 1000) / 2);
    const elapsed = (performance.now() - start) / 1000;
    const browser = (cpuSeconds(browserSide) - before[1]!) / elapsed;
    return { all: (cpuSeconds(server) - before[0]!) / elapsed + browser, browser };
  };
  const { all: idleViewer, browser: idleBrowser } = await idle();
  await page.navigate('about:blank');
  await sleep(1000);
  const { all: idleNoViewer } = await idle();
  await side.key('spc');
  await side.pause();
  return { paintedFps: painted.painted, guestFps, guestFpsNoViewer, keyMs: median(times), keyMessageMs: median(messageTimes), displayCpu, relayCpu, emulatorCpu, idleViewer, idleBrowser, idleNoViewer };
}

// ---------------------------------------------------------------- the run

const work = mkdtempSync(join(tmpdir(), 'hangar-bench-display-vs-novnc-'));
let browser!: CdpBrowser;
const results = new Map<string, Measured[]>();
try {
  const rendererDir = join(work, 'renderer');
  await buildRenderer(rendererDir);
  const main = await HangarMain.start(work, rendererDir);
  browser = await CdpBrowser.launch();
  // Killed with this process however the run ends.
  children.add(browser.process);
  const page = await browser.newPage(pageProbe);
  try {
    for (const [width, height] of sizes) {
      const floppy = displayGuestFloppy(work, width, height);
      const size = `${width}x${height}`;
      const built: Side[] = [];
      if (sides.has('ours')) built.push(await hangarSide(main, work, 'qemu', floppy, `ours-qemu-${size}`));
      if (sides.has('novnc')) built.push(await novncSide(work, floppy, `novnc-qemu-${size}`));
      if (sides.has('v86')) built.push(await hangarSide(main, work, 'v86', floppy, `ours-v86-${size}`));
      await sleep(3000);
      for (const side of built) await side.pause();
      for (let round = 0; round < rounds; round++) {
        // Alternate the order so neither side always runs first on a drifting load.
        const order = round % 2 === 0 ? built : [...built].reverse();
        for (const side of order) {
          const measured = await measure(side, page);
          const list = results.get(side.name) ?? [];
          list.push(measured);
          results.set(side.name, list);
          console.log(`  ${side.name} round ${round + 1}: ${JSON.stringify(Object.fromEntries(Object.entries(measured).map(([k, v]) => [k, Number(v.toFixed(3))])))} (load ${loadAverage()})`);
        }
      }
      for (const side of built) await side.stop();
    }
  } finally {
    await browser.close();
    await main.stop();
  }

  const med = (name: string, key: keyof Measured): number => median((results.get(name) ?? []).map((m) => m[key]));
  const pct = (value: number): string => `${(value * 100).toFixed(1)} %`;
  /** Display CPU per painted frame, in ms: the cost of the same frames on either side. */
  const perFrame = (name: string): number => (med(name, 'displayCpu') * 1000) / med(name, 'paintedFps');
  console.log(`\ndisplay vs noVNC: ${seconds} s windows, ${rounds} alternating rounds, medians; CPU in % of one core; load now ${loadAverage()}`);
  console.log('side                       painted fps  guest fps (no viewer)  key→paint (→message)  display CPU  relay CPU (per frame)  QEMU CPU  idle CPU viewer / none');
  for (const name of results.keys()) {
    console.log(
      `${name.padEnd(26)} ${med(name, 'paintedFps').toFixed(1).padStart(11)}  ${`${med(name, 'guestFps').toFixed(0)} (${med(name, 'guestFpsNoViewer').toFixed(0)})`.padStart(21)}  ${`${med(name, 'keyMs').toFixed(1)} ms (${med(name, 'keyMessageMs').toFixed(1)})`.padStart(20)}  ${pct(med(name, 'displayCpu')).padStart(11)}  ${`${pct(med(name, 'relayCpu'))} (${((med(name, 'relayCpu') * 1000) / med(name, 'paintedFps')).toFixed(1)} ms)`.padStart(21)}  ${pct(med(name, 'emulatorCpu')).padStart(8)}  ${pct(med(name, 'idleViewer'))} / ${pct(med(name, 'idleNoViewer'))}`,
    );
  }
  for (const [width, height] of sizes) {
    const size = `${width}x${height}`;
    const ours = `ours-qemu-${size}`;
    const novnc = `novnc-qemu-${size}`;
    if (results.has(ours) && results.has(novnc)) {
      console.log(
        `${size}: fps ours/noVNC ${(med(ours, 'paintedFps') / med(novnc, 'paintedFps')).toFixed(2)}×, key→paint ours−noVNC ${(med(ours, 'keyMs') - med(novnc, 'keyMs')).toFixed(1)} ms (key→message ${(med(ours, 'keyMessageMs') - med(novnc, 'keyMessageMs')).toFixed(1)} ms), display CPU ours/noVNC ${(med(ours, 'displayCpu') / med(novnc, 'displayCpu')).toFixed(2)}× (per painted frame ${(perFrame(ours) / perFrame(novnc)).toFixed(2)}×: ${perFrame(ours).toFixed(1)} vs ${perFrame(novnc).toFixed(1)} ms of CPU), guest progress with our display / no viewer ${(med(ours, 'guestFps') / med(ours, 'guestFpsNoViewer')).toFixed(2)}× (noVNC ${(med(novnc, 'guestFps') / med(novnc, 'guestFpsNoViewer')).toFixed(2)}×), idle display CPU with a viewer ${pct(med(ours, 'idleViewer') - med(ours, 'idleNoViewer'))} (noVNC ${pct(med(novnc, 'idleViewer') - med(novnc, 'idleNoViewer'))})`,
      );
    }
    const v86 = `ours-v86-${size}`;
    if (results.has(v86)) {
      console.log(`${size} v86: painted ${med(v86, 'paintedFps').toFixed(1)} fps of the guest's ${med(v86, 'guestFps').toFixed(1)}, guest progress with viewer / none ${(med(v86, 'guestFps') / med(v86, 'guestFpsNoViewer')).toFixed(2)}×, idle display CPU with a viewer ${pct(med(v86, 'idleViewer') - med(v86, 'idleNoViewer'))}`);
    }
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
