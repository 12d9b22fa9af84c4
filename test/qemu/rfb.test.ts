/**
 * The RFB client against a synthetic RFB 3.8 server in the test (no guest here defines a
 * hardware cursor: GRUB on virtio-vga draws none). The server sends the bytes QEMU 7.2 sends:
 * Raw and CopyRect rectangles, ExtendedDesktopSize, rich and alpha cursors, PointerTypeChange,
 * the extended-key ack and extended clipboard; the test checks what the client makes of them
 * and what it sends back.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { deflateSync, inflateSync } from 'node:zlib';
import { RfbClient, clientEncodings, type RfbCursor } from '../../src/emulator/qemu/rfb.js';
import { poll } from './recording-host.js';

/** Reads exactly `size` bytes from a socket. */
class Reader {
  private data = Buffer.alloc(0);
  private wake: (() => void) | undefined;
  constructor(socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.data = Buffer.concat([this.data, chunk]);
      this.wake?.();
    });
  }
  async read(size: number): Promise<Buffer> {
    const deadline = Date.now() + 10_000;
    while (this.data.length < size) {
      if (Date.now() > deadline) throw new Error(`timed out reading ${size} bytes`);
      await new Promise<void>((resolve) => {
        this.wake = resolve;
        setTimeout(resolve, 100);
      });
    }
    const out = this.data.subarray(0, size);
    this.data = this.data.subarray(size);
    return out;
  }
}

function rectHeader(x: number, y: number, width: number, height: number, encoding: number): Buffer {
  const header = Buffer.alloc(12);
  header.writeUInt16BE(x, 0);
  header.writeUInt16BE(y, 2);
  header.writeUInt16BE(width, 4);
  header.writeUInt16BE(height, 6);
  header.writeInt32BE(encoding, 8);
  return header;
}

function update(...rects: Buffer[][]): Buffer {
  const header = Buffer.from([0, 0, 0, rects.length]);
  return Buffer.concat([header, ...rects.flat()]);
}

describe('RFB client (synthetic server speaking QEMU 7.2 VNC)', () => {
  let folder: string;
  let server: Server;
  let serverSocket: Socket;
  let reader: Reader;
  let client: RfbClient;
  const resizes: [number, number][] = [];
  const cursors: RfbCursor[] = [];
  const pointerTypes: boolean[] = [];
  const clipboard: string[] = [];
  let frames = 0;

  before(async () => {
    folder = mkdtempSync(join(tmpdir(), 'hangar-rfb-'));
    const path = join(folder, 'vnc.sock');
    const connected = new Promise<Socket>((resolve) => {
      server = createServer((socket) => resolve(socket));
    });
    await new Promise<void>((resolve) => server.listen(path, resolve));
    const opening = RfbClient.open(path, {
      resize: (width, height) => resizes.push([width, height]),
      frame: () => frames++,
      cursor: (cursor) => cursors.push(cursor),
      pointerType: (absolute) => pointerTypes.push(absolute),
      clipboard: (text) => clipboard.push(text),
    });
    serverSocket = await connected;
    reader = new Reader(serverSocket);
    serverSocket.write('RFB 003.008\n');
    assert.equal((await reader.read(12)).toString('latin1'), 'RFB 003.008\n');
    serverSocket.write(Buffer.from([1, 1]));
    assert.equal((await reader.read(1))[0], 1, 'client picks security type None');
    serverSocket.write(Buffer.from([0, 0, 0, 0]));
    assert.equal((await reader.read(1))[0], 1, 'shared flag');
    const init = Buffer.alloc(24 + 4);
    init.writeUInt16BE(4, 0);
    init.writeUInt16BE(2, 2);
    init.writeUInt32BE(4, 20);
    init.write('QEMU', 24, 'latin1');
    serverSocket.write(init);
    client = await opening;
  });

  /** Drops the update requests the client has sent so far (one per update). */
  async function drainRequests(): Promise<void> {
    // A client that paces its requests may still have one on a timer.
    await new Promise((resolve) => setTimeout(resolve, 200));
    await poll(async () => {
      const pending = (reader as unknown as { data: Buffer }).data;
      return pending.length % 10 === 0 && (pending.length === 0 || pending[0] === 3) ? true : undefined;
    }, 2000);
    (reader as unknown as { data: Buffer }).data = Buffer.alloc(0);
  }

  after(() => {
    client?.close();
    serverSocket?.destroy();
    server?.close();
    rmSync(folder, { recursive: true, force: true });
  });

  it('negotiates RGB byte order, asks for the encodings QEMU offers, and requests a full update', async () => {
    const pixelFormat = await reader.read(20);
    assert.equal(pixelFormat[0], 0);
    assert.equal(pixelFormat[4], 32, 'bpp');
    assert.deepEqual([...pixelFormat.subarray(14, 17)], [0, 8, 16], 'R/G/B shifts');
    const header = await reader.read(4);
    assert.equal(header[0], 2);
    const count = header.readUInt16BE(2);
    const body = await reader.read(count * 4);
    const encodings = Array.from({ length: count }, (_, index) => body.readInt32BE(index * 4));
    assert.deepEqual(encodings, [...clientEncodings]);
    for (const wanted of [-308, -314, -239, -257, -258]) assert.ok(encodings.includes(wanted), `asks for ${wanted}`);
    const request = await reader.read(10);
    assert.equal(request[0], 3);
    assert.equal(request[1], 0, 'first request is not incremental');
    assert.equal(client.name, 'QEMU');
    assert.deepEqual(resizes, [[4, 2]]);
  });

  it('applies Raw and CopyRect rectangles, forcing alpha', async () => {
    const raw = Buffer.from([10, 20, 30, 0, 40, 50, 60, 0]);
    serverSocket.write(update([rectHeader(0, 0, 2, 1, 0), raw]));
    assert.ok(await poll(() => frames >= 1, 10_000));
    assert.deepEqual([...client.copyRect(0, 0, 2, 1)], [10, 20, 30, 255, 40, 50, 60, 255]);
    const source = Buffer.alloc(4);
    serverSocket.write(update([rectHeader(2, 1, 2, 1, 1), source]));
    assert.ok(await poll(() => frames >= 2, 10_000));
    assert.deepEqual([...client.copyRect(2, 1, 2, 1)], [10, 20, 30, 255, 40, 50, 60, 255]);
    const next = await reader.read(10);
    assert.equal(next[1], 1, 'later requests are incremental');
  });

  it('keeps an update request outstanding: the next request leaves as soon as an update starts arriving', async () => {
    await drainRequests();
    const before = frames;
    // Only the update header and its rectangle header: the pixels are still on the way. A client
    // that asks again only after applying an update (or after a pause) leaves the server's next
    // refresh tick without a request, and that frame is lost.
    serverSocket.write(Buffer.concat([Buffer.from([0, 0, 0, 1]), rectHeader(0, 0, 2, 1, 0)]));
    const request = await reader.read(10);
    assert.deepEqual([request[0], request[1]], [3, 1], 'an incremental update request, sent before the pixels arrived');
    assert.equal(frames, before, 'the update is not complete yet');
    serverSocket.write(Buffer.from([7, 8, 9, 0, 10, 11, 12, 0]));
    assert.ok(await poll(() => frames === before + 1, 10_000));
    assert.deepEqual([...client.copyRect(0, 0, 2, 1)], [7, 8, 9, 255, 10, 11, 12, 255]);
  });

  it('follows an ExtendedDesktopSize resize (as QEMU sends on a mode change)', async () => {
    const screens = Buffer.alloc(4 + 16);
    screens[0] = 1;
    serverSocket.write(update([rectHeader(0, 0, 8, 6, -308), screens]));
    assert.ok(await poll(() => resizes.length === 2, 10_000));
    assert.deepEqual(resizes[1], [8, 6]);
    assert.equal(client.framebuffer.length, 8 * 6 * 4);
  });

  it('decodes the alpha cursor (QEMU 7.2: 0xAARRGGBB words, little-endian) and the rich cursor with its mask', async () => {
    // One opaque red pixel, one half-transparent blue pixel; hotspot (1, 0).
    const alpha = Buffer.from([0, 0, 255, 255, 255, 0, 0, 128]);
    serverSocket.write(update([rectHeader(1, 0, 2, 1, -314), Buffer.from([0, 0, 0, 0]), alpha]));
    assert.ok(await poll(() => cursors.length === 1, 10_000));
    assert.deepEqual({ ...cursors[0], pixels: [...cursors[0]!.pixels] }, { width: 2, height: 1, hotX: 1, hotY: 0, pixels: [255, 0, 0, 255, 0, 0, 255, 128] });

    const rich = Buffer.from([1, 2, 3, 0, 4, 5, 6, 0]);
    const mask = Buffer.from([0b1000_0000]);
    serverSocket.write(update([rectHeader(0, 1, 2, 1, -239), rich, mask]));
    assert.ok(await poll(() => cursors.length === 2, 10_000));
    assert.deepEqual([...cursors[1]!.pixels], [1, 2, 3, 255, 4, 5, 6, 0]);
    assert.equal(cursors[1]!.hotY, 1);
  });

  it('reports pointer type changes and the extended key ack, and sends QEMU extended key and pointer events', async () => {
    serverSocket.write(update([rectHeader(1, 0, 8, 6, -257)], [rectHeader(0, 0, 8, 6, -258)]));
    assert.ok(await poll(() => pointerTypes.length === 1 && client.extendedKeys, 10_000));
    assert.equal(pointerTypes[0], true);
    // Drain the update requests the client sent meanwhile.
    await poll(async () => {
      const pending = (reader as unknown as { data: Buffer }).data;
      return pending.length > 0 && pending.length % 10 === 0 && pending[0] === 3 ? true : undefined;
    }, 2000);
    (reader as unknown as { data: Buffer }).data = Buffer.alloc(0);

    client.sendExtendedKey(true, 0xe048);
    client.sendPointer(300, 200, 1);
    const key = await reader.read(12);
    assert.deepEqual([key[0], key[1], key.readUInt16BE(2), key.readUInt32BE(8)], [255, 0, 1, 0xc8]);
    const pointer = await reader.read(6);
    assert.deepEqual([pointer[0], pointer[1], pointer.readUInt16BE(2), pointer.readUInt16BE(4)], [5, 1, 300, 200]);
    // Then refresh nudges (rfb.ts): releases of key number 0, which QEMU ignores but which set its
    // refresh timer back to 30 ms, until a while after the last input; none once that has passed.
    const nudge = await reader.read(12);
    assert.deepEqual([nudge[0], nudge[1], nudge.readUInt16BE(2), nudge.readUInt32BE(4), nudge.readUInt32BE(8)], [255, 0, 0, 0, 0]);
    assert.ok(await poll(() => !client.refreshing, 10_000), 'the nudges stop after the last input');
    await new Promise((resolve) => setTimeout(resolve, 100));
    const rest = (reader as unknown as { data: Buffer }).data;
    assert.equal(rest.length % 12, 0, 'only whole nudges followed');
    for (let at = 0; at < rest.length; at += 12) assert.deepEqual([...rest.subarray(at, at + 12)], [...nudge]);
    (reader as unknown as { data: Buffer }).data = Buffer.alloc(0);
  });

  it('speaks the extended clipboard both ways', async () => {
    client.sendClipboardText('host→guest');
    const header = await reader.read(8);
    assert.equal(header[0], 6);
    const length = -header.readInt32BE(4);
    const body = await reader.read(length);
    assert.equal(body.readUInt32BE(0), (1 << 28) | 1, 'provide text');
    const inflated = inflateSync(body.subarray(4));
    assert.equal(inflated.subarray(4, 4 + inflated.readUInt32BE(0)).toString('utf8'), 'host→guest\0');

    const text = Buffer.from('guest copy\0', 'utf8');
    const size = Buffer.alloc(4);
    size.writeUInt32BE(text.length, 0);
    const payload = Buffer.concat([Buffer.from([0x10, 0, 0, 1]), deflateSync(Buffer.concat([size, text]))]);
    const message = Buffer.alloc(8);
    message[0] = 3;
    message.writeInt32BE(-payload.length, 4);
    serverSocket.write(Buffer.concat([message, payload]));
    assert.ok(await poll(() => clipboard.length === 1, 10_000));
    assert.equal(clipboard[0], 'guest copy');
    assert.equal(client.guestClipboard, 'guest copy');
  });
});
