/**
 * The engine thread's side of the display socket: starts the display worker (display-worker.ts),
 * has it listen on a UNIX socket, and, once main has connected, is the display viewer that
 * forwards messages to it. Shared-frame rectangles cross as a reference to the shared frame and
 * a rectangle; other messages cross with their payload copied into a fresh buffer and
 * transferred (never a structured clone of a live buffer). Owned by the engine: `dispose` ends
 * the worker and removes the socket file.
 */
import { rmSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import type { DisplayMessage } from '../../shared/protocol/display.js';
import type { Rect } from '../display/rect.js';
import type { SharedFrame } from '../display/shared-frame.js';
import type { DisplayViewer } from './display-fanout.js';
import { CONTROL_BACKLOG, CONTROL_BUSY, CONTROL_WORDS } from './display-worker-protocol.js';
import type { DisplayWorkerData, FromDisplayWorker, ToDisplayWorker } from './display-worker-protocol.js';

/** How long the socket waits for main to connect. */
export const defaultConnectTimeoutMs = 20_000;

/**
 * Starts the worker from its file beside this module: JavaScript in the Electron build
 * (scripts/build-electron.ts bundles it as engine/host/display-worker.js); TypeScript when the
 * engine runs from source, where the worker first registers the tsx loader itself (Node 20 does
 * not run the engine's `--import tsx` in worker threads).
 */
function startWorker(workerData: DisplayWorkerData): Worker {
  if (!import.meta.url.endsWith('.ts')) return new Worker(new URL('./display-worker.js', import.meta.url), { workerData });
  const file = new URL('./display-worker.ts', import.meta.url).href;
  const api = import.meta.resolve('tsx/esm/api');
  const bootstrap = `import(${JSON.stringify(api)}).then(({ register }) => { register(); return import(${JSON.stringify(file)}); });`;
  return new Worker(bootstrap, { eval: true, workerData });
}

/** A copy of a message whose payload the worker may own (transferred), and the transfer list. */
function transferable(message: DisplayMessage): { message: DisplayMessage; transfer: ArrayBuffer[] } {
  const own = <T extends Uint8Array | Uint32Array>(array: T): T => array.slice() as T;
  switch (message.type) {
    case 'rect':
    case 'cursor-sprite': {
      const pixels = own(message.pixels);
      return { message: { ...message, pixels }, transfer: [pixels.buffer as ArrayBuffer] };
    }
    case 'font': {
      const bitmap = own(message.bitmap);
      return { message: { ...message, bitmap }, transfer: [bitmap.buffer as ArrayBuffer] };
    }
    case 'text': {
      const cells = own(message.cells);
      return { message: { ...message, cells }, transfer: [cells.buffer as ArrayBuffer] };
    }
    default:
      return { message, transfer: [] };
  }
}

/** One display socket and its worker. */
export class DisplayOutlet implements DisplayViewer {
  private readonly worker: Worker;
  private readonly control: Int32Array;
  private readonly closedListeners = new Set<(reason: string) => void>();
  private path: string | undefined;
  private disposed = false;
  private ended: Promise<void>;

  private constructor(connectTimeoutMs: number) {
    const control = new SharedArrayBuffer(CONTROL_WORDS * 4);
    this.control = new Int32Array(control);
    const data: DisplayWorkerData = { control, connectTimeoutMs };
    this.worker = startWorker(data);
    this.ended = new Promise((resolve) => this.worker.once('exit', () => resolve()));
    this.worker.on('message', (message: FromDisplayWorker) => {
      if (message.type === 'closed') for (const listener of this.closedListeners) listener(message.reason);
    });
    this.worker.on('error', (error) => {
      for (const listener of this.closedListeners) listener(`the display worker failed: ${error.message}`);
    });
  }

  /**
   * Starts a worker listening on `path` (in a private folder); resolves once it listens and
   * offers `connected` for main's connection. Rejects, with the worker ended, when it cannot listen.
   */
  static async listen(path: string, connectTimeoutMs = defaultConnectTimeoutMs): Promise<{ outlet: DisplayOutlet; connected: Promise<void> }> {
    const outlet = new DisplayOutlet(connectTimeoutMs);
    outlet.path = path;
    let connected!: Promise<void>;
    try {
      await new Promise<void>((resolve, reject) => {
        connected = new Promise<void>((resolveConnected, rejectConnected) => {
          const onMessage = (message: FromDisplayWorker): void => {
            if (message.type === 'listening') resolve();
            else if (message.type === 'connected') {
              outlet.worker.off('message', onMessage);
              resolveConnected();
            } else if (message.type === 'closed') {
              outlet.worker.off('message', onMessage);
              const error = new Error(message.reason);
              reject(error);
              rejectConnected(error);
            }
          };
          outlet.worker.on('message', onMessage);
          outlet.worker.once('error', (error) => {
            reject(error);
            rejectConnected(error);
          });
          outlet.worker.once('exit', (code) => {
            const error = new Error(`the display worker exited (code ${code}) before main connected`);
            reject(error);
            rejectConnected(error);
          });
        });
        // Nobody may be waiting on it yet when it fails; the caller's await sees the error.
        connected.catch(() => undefined);
        outlet.send({ type: 'listen', path });
      });
    } catch (error) {
      await outlet.dispose();
      throw error;
    }
    return { outlet, connected };
  }

  /** Calls `listener` when the socket is gone (main closed it, a write failed, the worker died). */
  onClosed(listener: (reason: string) => void): () => void {
    this.closedListeners.add(listener);
    return () => this.closedListeners.delete(listener);
  }

  private send(message: ToDisplayWorker, transfer: ArrayBuffer[] = []): void {
    if (!this.disposed) this.worker.postMessage(message, transfer);
  }

  // DisplayViewer
  post(message: DisplayMessage): void {
    const { message: owned, transfer } = transferable(message);
    this.send({ type: 'message', message: owned }, transfer);
  }

  backlog(): number {
    return Atomics.load(this.control, CONTROL_BACKLOG);
  }

  postFrame(frame: SharedFrame, rect: Rect): void {
    if (this.disposed) return;
    // Set before posting: the worker clears it once it has copied the rectangle out.
    Atomics.store(this.control, CONTROL_BUSY, 1);
    this.send({ type: 'frame', pixels: frame.pixels, width: frame.width, rect });
  }

  busy(): boolean {
    return !this.disposed && Atomics.load(this.control, CONTROL_BUSY) !== 0;
  }

  /** Ends the worker (and with it the socket) and removes the socket file; safe to call twice. */
  async dispose(): Promise<void> {
    if (!this.disposed) {
      this.disposed = true;
      await this.worker.terminate();
      if (this.path !== undefined) rmSync(this.path, { force: true });
    }
    await this.ended;
  }

  /** The worker's thread id (tests check it has ended). */
  get threadId(): number {
    return this.worker.threadId;
  }
}
