import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { inflateRawSync } from 'node:zlib';
import { decodeDisplayMessage, encodeDisplayMessage, encodeDisplayParts, readDeflateEnvelope, undoDeltaFilter, displayHeaderLength } from '../../shared/protocol/display-codec.js';
import type { DisplayMessage } from '../../shared/protocol/display.js';
import { chooseDisplayEncoding, DeflateSender, isLoopbackAddress, minCompressBytes } from './display-deflate.js';

test('raw on loopback, deflate elsewhere when the page can inflate, and what the page forces', () => {
  for (const address of ['127.0.0.1', '127.8.9.1', '::1', '::ffff:127.0.0.1']) assert.equal(isLoopbackAddress(address), true, address);
  for (const address of ['10.0.2.2', '192.168.1.5', '::ffff:10.1.1.1', 'fe80::1', undefined]) assert.equal(isLoopbackAddress(address), false, String(address));
  assert.equal(chooseDisplayEncoding('auto', '127.0.0.1'), 'raw');
  assert.equal(chooseDisplayEncoding('auto', '192.168.1.5'), 'deflate');
  assert.equal(chooseDisplayEncoding('deflate', '127.0.0.1'), 'deflate');
  assert.equal(chooseDisplayEncoding('raw', '192.168.1.5'), 'raw');
  // A page or script that does not say it can inflate gets raw wherever it is.
  assert.equal(chooseDisplayEncoding(null, '192.168.1.5'), 'raw');
  assert.equal(chooseDisplayEncoding('zrle', '192.168.1.5'), 'raw');
});

/** A sender whose output is collected as whole transport messages. */
function collecting(): { sender: DeflateSender; sent: Uint8Array[]; next(count: number): Promise<void> } {
  const sent: Uint8Array[] = [];
  let wake: () => void = () => undefined;
  const sender = new DeflateSender({
    send: (bytes) => {
      sent.push(bytes.slice());
      wake();
    },
    sendParts: (header, payload) => {
      const joined = new Uint8Array(header.byteLength + payload.byteLength);
      joined.set(header);
      joined.set(payload, header.byteLength);
      sent.push(joined);
      wake();
    },
  });
  const next = async (count: number): Promise<void> => {
    const deadline = Date.now() + 20_000;
    while (sent.length < count) {
      if (Date.now() > deadline) throw new Error(`only ${sent.length} of ${count} messages sent within 20 s`);
      await new Promise<void>((resolve) => {
        wake = resolve;
        setTimeout(resolve, 100);
      });
    }
  };
  return { sender, sent, next };
}

/** What the page makes of one sent message (node:zlib in place of the browser's DecompressionStream). */
function decodeSent(bytes: Uint8Array): { message: DisplayMessage; compressed: boolean } {
  const envelope = readDeflateEnvelope(bytes);
  if (!envelope) return { message: decodeDisplayMessage(bytes), compressed: false };
  const inner = new Uint8Array(inflateRawSync(envelope.body));
  assert.equal(inner.byteLength, envelope.inflatedLength);
  if (envelope.filtered) undoDeltaFilter(inner.subarray(displayHeaderLength(inner)));
  return { message: decodeDisplayMessage(inner), compressed: true };
}

const gradient = (width: number, height: number, start: number): DisplayMessage => ({
  type: 'rect',
  x: 0,
  y: 0,
  width,
  height,
  pixels: new Uint8Array(Uint32Array.from({ length: width * height }, (_, index) => (0xff000000 | (start + index * 0x010307)) >>> 0).buffer),
});

test('large messages go out compressed, small ones as they are, all in the order given', async () => {
  const { sender, sent, next } = collecting();
  const messages: DisplayMessage[] = [
    gradient(256, 192, 1),
    { type: 'text-cursor', row: 1, col: 1, start: 0, end: 15, visible: true },
    { type: 'text', row: 0, rowCount: 25, cols: 80, cells: Uint32Array.from({ length: 80 * 25 * 3 }, (_, index) => index % 7) },
    gradient(4, 4, 9),
  ];
  for (const message of messages) {
    const { header, payload } = encodeDisplayParts(message);
    sender.send(header, payload);
  }
  assert.ok(sender.queuedBytes > 256 * 192 * 4, 'what waits for compression is counted');
  await next(messages.length);
  const decoded = sent.map(decodeSent);
  assert.deepEqual(
    decoded.map((entry) => entry.message),
    messages,
  );
  assert.deepEqual(
    decoded.map((entry) => entry.compressed),
    [true, false, true, false],
  );
  assert.equal(sender.queuedBytes, 0);
  // A gradient is a constant after the delta filter: 192 KiB of pixels become a few hundred bytes.
  assert.ok((sent[0] as Uint8Array).byteLength < 2048, `gradient frame sent as ${(sent[0] as Uint8Array).byteLength} bytes`);
  assert.ok(encodeDisplayMessage(messages[1] as DisplayMessage).byteLength < minCompressBytes);
});

test('pixels DEFLATE cannot shrink go out as they are (nothing for the page to inflate)', async () => {
  const { sender, sent, next } = collecting();
  const noise: DisplayMessage = { type: 'rect', x: 0, y: 0, width: 128, height: 64, pixels: new Uint8Array(randomBytes(128 * 64 * 4)) };
  const { header, payload } = encodeDisplayParts(noise);
  sender.send(header, payload);
  await next(1);
  assert.deepEqual(decodeSent(sent[0] as Uint8Array), { message: noise, compressed: false });
});

test('pixels at an unaligned offset are filtered from a copy, the source left as it was', async () => {
  const { sender, sent, next } = collecting();
  const message = gradient(64, 64, 3);
  if (message.type !== 'rect') throw new Error('unreachable');
  const unaligned = new Uint8Array(message.pixels.byteLength + 1).subarray(1);
  unaligned.set(message.pixels);
  const before = unaligned.slice();
  sender.send(encodeDisplayParts(message).header, unaligned);
  await next(1);
  assert.deepEqual(decodeSent(sent[0] as Uint8Array), { message, compressed: true });
  assert.deepEqual(unaligned, before);
});

test('dispose drops what waits and what is being compressed', async () => {
  const { sender, sent } = collecting();
  for (let index = 0; index < 5; index++) {
    const { header, payload } = encodeDisplayParts(gradient(512, 384, index));
    sender.send(header, payload);
  }
  sender.dispose();
  assert.equal(sender.queuedBytes, 0);
  sender.send(encodeDisplayMessage({ type: 'pointer-mode', absolute: true }));
  await new Promise((resolve) => setTimeout(resolve, 300));
  assert.deepEqual(sent, []);
});

test('every payload is released exactly once: after compressing, after the output took it as it is, or on dispose', async () => {
  const outputReleases: (() => void)[] = [];
  const sender = new DeflateSender({ send: () => undefined, sendParts: (_header, _payload, release) => outputReleases.push(release) });
  const released: string[] = [];
  const rect = (pixels: Uint8Array): { header: Uint8Array; payload: Uint8Array } => {
    const { header, payload } = encodeDisplayParts({ type: 'rect', x: 0, y: 0, width: pixels.byteLength / 4, height: 1, pixels });
    return { header, payload: payload! };
  };
  const flat = rect(new Uint8Array(64 << 10).fill(7));
  const noise = rect(new Uint8Array(randomBytes(64 << 10)));
  const small = rect(new Uint8Array(16));
  sender.send(flat.header, flat.payload, () => released.push('flat'));
  sender.send(noise.header, noise.payload, () => released.push('noise'));
  sender.send(small.header, small.payload, () => released.push('small'));
  const deadline = Date.now() + 20_000;
  while (released.length < 2 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
  // Compressed: released at once. Noise goes out as it is: the output holds it until written.
  assert.deepEqual(released, ['flat', 'small']);
  while (outputReleases.length < 2 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
  assert.equal(outputReleases.length, 2, 'the envelope and the noise went out through sendParts');
  for (const release of outputReleases) release();
  assert.deepEqual(released.sort(), ['flat', 'noise', 'small']);

  const disposed: string[] = [];
  const second = new DeflateSender({ send: () => undefined, sendParts: (_header, _payload, release) => release() });
  second.send(flat.header, flat.payload, () => disposed.push('compressing'));
  second.send(flat.header, flat.payload, () => disposed.push('queued'));
  second.dispose();
  assert.deepEqual(disposed, ['queued']);
  while (disposed.length < 2 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
  assert.deepEqual(disposed, ['queued', 'compressing']);
  second.send(small.header, small.payload, () => disposed.push('after dispose'));
  assert.equal(disposed.at(-1), 'after dispose');
});
