/**
 * The display worker: a worker_thread of the engine that owns the display socket. It listens on
 * a UNIX socket in the engine's runtime folder, takes exactly one connection (main), and writes
 * display messages to it as length-prefixed binary frames (display-stream.ts), so the emulation
 * thread pays neither the encoding nor a structured clone nor the socket writes.
 *
 * At most one write is in flight. A shared-frame rectangle is copied out of the shared frame
 * only when the socket can take it; until then the busy control word stays set and the backend
 * leaves the frame alone, keeping its changes pending, so frames for a slow reader are coalesced
 * at the source instead of queued. Other messages queue; their bytes are published in the
 * backlog word, and the engine's fanout stops sending to a viewer whose backlog grows too large.
 */
import { rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { parentPort, workerData } from 'node:worker_threads';
import { encodeDisplayParts } from '../../shared/protocol/display-codec.js';
import { displayFramePrefix, displayFramePrefixBytes } from '../../shared/protocol/display-stream.js';
import type { Rect } from '../display/rect.js';
import { CONTROL_BACKLOG, CONTROL_BUSY } from './display-worker-protocol.js';
import type { DisplayWorkerData, FromDisplayWorker, ToDisplayWorker } from './display-worker-protocol.js';

type Item = { kind: 'parts'; parts: Uint8Array[]; bytes: number } | { kind: 'frame'; pixels: Uint8Array; width: number; rect: Rect };

const port = parentPort;
if (!port) throw new Error('display-worker.ts runs only as a worker thread of the engine.');
const data = workerData as DisplayWorkerData;
const control = new Int32Array(data.control);

let server: Server | undefined;
let socketPath: string | undefined;
let socket: Socket | undefined;
let connectTimer: NodeJS.Timeout | undefined;
const queue: Item[] = [];
let backlog = 0;
let writing = false;
/** Reused for shared-frame rectangles: only one write is ever in flight. */
let frameBuffer = Buffer.alloc(0);

const tell = (message: FromDisplayWorker): void => port.postMessage(message);

function setBacklog(bytes: number): void {
  backlog = bytes;
  Atomics.store(control, CONTROL_BACKLOG, Math.min(bytes, 0x7fffffff));
}

function unlinkSocket(): void {
  if (socketPath === undefined) return;
  rmSync(socketPath, { force: true });
  socketPath = undefined;
}

function stopListening(): void {
  clearTimeout(connectTimer);
  server?.close();
  server = undefined;
  unlinkSocket();
}

/** Ends the connection and drops what was queued; the engine detaches the viewer on 'closed'. */
function close(reason: string): void {
  stopListening();
  const had = socket;
  socket = undefined;
  had?.destroy();
  queue.length = 0;
  writing = false;
  setBacklog(0);
  // A frame that will never be copied must not keep the backend from writing its frame.
  Atomics.store(control, CONTROL_BUSY, 0);
  tell({ type: 'closed', reason });
}

function listen(path: string): void {
  if (server || socket) {
    tell({ type: 'closed', reason: 'the display socket is already open' });
    return;
  }
  const listener = createServer({ allowHalfOpen: false });
  server = listener;
  socketPath = path;
  listener.maxConnections = 1;
  listener.on('error', (error) => close(`the display socket ${path} failed: ${error.message}`));
  listener.on('connection', (connection) => {
    if (socket) {
      connection.destroy();
      return;
    }
    socket = connection;
    // One client only: nobody else may connect, and the path is not left behind.
    stopListening();
    connection.on('error', () => undefined);
    connection.on('close', () => {
      if (socket === connection) close('main closed the display socket');
    });
    // Main never writes on this socket; reading keeps a misbehaving peer from filling buffers.
    connection.resume();
    tell({ type: 'connected' });
    pump();
  });
  listener.listen(path, () => tell({ type: 'listening', path }));
  connectTimer = setTimeout(() => {
    if (!socket) close(`main did not connect to the display socket within ${data.connectTimeoutMs} ms`);
  }, data.connectTimeoutMs);
}

/** The next item as bytes to write (a shared-frame rectangle is copied out here, then released). */
function bytesOf(item: Item): { parts: Uint8Array[]; bytes: number } {
  if (item.kind === 'parts') return item;
  const { pixels, width, rect } = item;
  const { header } = encodeDisplayParts({ type: 'rect', ...rect, pixels: new Uint8Array(0) });
  const rowBytes = rect.width * 4;
  const length = header.byteLength + rowBytes * rect.height;
  const total = displayFramePrefixBytes + length;
  if (frameBuffer.byteLength < total) frameBuffer = Buffer.allocUnsafe(total);
  frameBuffer.set(displayFramePrefix(length), 0);
  frameBuffer.set(header, displayFramePrefixBytes);
  let at = displayFramePrefixBytes + header.byteLength;
  if (rect.x === 0 && rect.width === width) {
    const from = rect.y * width * 4;
    frameBuffer.set(pixels.subarray(from, from + rowBytes * rect.height), at);
  } else {
    for (let row = 0; row < rect.height; row++, at += rowBytes) {
      const from = ((rect.y + row) * width + rect.x) * 4;
      frameBuffer.set(pixels.subarray(from, from + rowBytes), at);
    }
  }
  Atomics.store(control, CONTROL_BUSY, 0);
  return { parts: [frameBuffer.subarray(0, total)], bytes: 0 };
}

/** Writes queued items one at a time, each once the previous one left for the kernel. */
function pump(): void {
  const connection = socket;
  if (!connection || writing) return;
  const item = queue.shift();
  if (!item) return;
  const { parts, bytes } = bytesOf(item);
  writing = true;
  connection.cork();
  parts.forEach((part, index) => {
    const last = index === parts.length - 1;
    connection.write(part, last ? (error) => written(connection, bytes, error) : undefined);
  });
  connection.uncork();
}

function written(connection: Socket, bytes: number, error: Error | null | undefined): void {
  if (socket !== connection) return;
  writing = false;
  setBacklog(backlog - bytes);
  if (error) close(`writing to the display socket failed: ${error.message}`);
  else pump();
}

function enqueue(item: Item): void {
  if (!socket) {
    if (item.kind === 'frame') Atomics.store(control, CONTROL_BUSY, 0);
    return;
  }
  if (item.kind === 'parts') setBacklog(backlog + item.bytes);
  queue.push(item);
  pump();
}

port.on('message', (message: ToDisplayWorker) => {
  switch (message.type) {
    case 'listen':
      listen(message.path);
      return;
    case 'message': {
      const { header, payload } = encodeDisplayParts(message.message);
      const length = header.byteLength + (payload?.byteLength ?? 0);
      const parts = payload ? [displayFramePrefix(length), header, payload] : [displayFramePrefix(length), header];
      enqueue({ kind: 'parts', parts, bytes: displayFramePrefixBytes + length });
      return;
    }
    case 'frame':
      enqueue({ kind: 'frame', pixels: message.pixels, width: message.width, rect: message.rect });
      return;
    case 'close':
      if (socket || server) close('the engine closed the display socket');
      return;
  }
});

// The engine terminates the worker when it ends; leave no socket file behind either way.
process.on('exit', unlinkSocket);
