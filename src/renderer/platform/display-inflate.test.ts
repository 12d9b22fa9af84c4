/**
 * The page's inflating of compressed display envelopes, with the same DecompressionStream a
 * browser has (Node's is the web standard one); the compressed data is made with node:zlib, as
 * main makes it.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { deflateRawSync } from 'node:zlib';
import { applyDeltaFilter, decodeDisplayMessage, encodeDeflateEnvelope, encodeDisplayMessage, maxInflatedBytes } from '../../shared/protocol/display-codec.js';
import type { DisplayMessage } from '../../shared/protocol/display.js';
import { DisplayInflater, inflateEnvelope } from './display-inflate.js';

const rect = (seed: number, width = 64, height = 48): DisplayMessage => ({
  type: 'rect',
  x: 1,
  y: 2,
  width,
  height,
  pixels: new Uint8Array(Uint32Array.from({ length: width * height }, (_, index) => (0xff000000 | (index * 0x010307 + seed)) >>> 0).buffer),
});

/** The envelope main would send for `message` (pixels delta-filtered when `filtered`). */
function envelope(message: DisplayMessage, filtered: boolean): Uint8Array {
  const inner = encodeDisplayMessage(message);
  const input = inner.slice();
  if (filtered) {
    const headerLength = inner.byteLength - (message.type === 'rect' ? message.pixels.byteLength : 0);
    applyDeltaFilter(inner.subarray(headerLength), input.subarray(headerLength));
  }
  return joinParts(encodeDeflateEnvelope(deflateRawSync(input), inner.byteLength, filtered));
}

function joinParts(parts: { header: Uint8Array; payload?: Uint8Array }): Uint8Array {
  const out = new Uint8Array(parts.header.byteLength + (parts.payload?.byteLength ?? 0));
  out.set(parts.header);
  if (parts.payload) out.set(parts.payload, parts.header.byteLength);
  return out;
}

/** Runs `inflater` over `messages` and resolves with what it delivered, decoded (undefined: refused). */
async function through(messages: Uint8Array[]): Promise<{ delivered: (DisplayMessage | undefined)[]; inflater: DisplayInflater }> {
  const delivered: (DisplayMessage | undefined)[] = [];
  let resolveAll: () => void = () => undefined;
  const all = new Promise<void>((resolve) => (resolveAll = resolve));
  const inflater = new DisplayInflater((bytes) => {
    delivered.push(bytes.byteLength === 0 ? undefined : decodeDisplayMessage(bytes));
    if (delivered.length === messages.length) resolveAll();
  });
  for (const message of messages) inflater.push(message.slice().buffer);
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([all, new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`only ${delivered.length} of ${messages.length} delivered within 20 s`)), 20_000)))]);
  clearTimeout(timer);
  return { delivered, inflater };
}

test('a compressed rectangle inflates to the same message, filtered or not', async () => {
  const message = rect(5);
  for (const filtered of [false, true]) {
    const { delivered } = await through([envelope(message, filtered)]);
    assert.deepEqual(delivered, [message], `filtered: ${filtered}`);
  }
});

test('plain messages behind a compressed one are delivered after it, in arrival order', async () => {
  const first = rect(1);
  const second: DisplayMessage = { type: 'text-cursor', row: 1, col: 2, start: 3, end: 4, visible: true };
  const third = rect(3, 8, 8);
  const { delivered } = await through([envelope(first, true), encodeDisplayMessage(second), envelope(third, false), encodeDisplayMessage({ type: 'pointer-mode', absolute: true })]);
  assert.deepEqual(delivered, [first, second, third, { type: 'pointer-mode', absolute: true }]);
});

test('a decompression bomb (data inflating far past its declared size) is refused, and later messages still arrive', async () => {
  // 64 MiB of zeros compress to about 64 KiB; it declares 1 KiB.
  const bomb = joinParts(encodeDeflateEnvelope(deflateRawSync(new Uint8Array(64 << 20)), 1024, false));
  const after = rect(2, 4, 4);
  const { delivered, inflater } = await through([bomb, envelope(after, false)]);
  assert.deepEqual(delivered, [undefined, after]);
  assert.equal(inflater.refused, 1);
  assert.match(inflater.lastError, /inflates past its declared 1024 bytes/);
  await assert.rejects(inflateEnvelope({ inflatedLength: 1024, filtered: false, body: deflateRawSync(new Uint8Array(64 << 20)) }), /past its declared/);
});

test('an envelope declaring more than the limit, too little data, or corrupt data is refused', async () => {
  const message = rect(4, 8, 8);
  const inner = encodeDisplayMessage(message);
  const oversized = joinParts(encodeDeflateEnvelope(deflateRawSync(inner), maxInflatedBytes + 1, false));
  const short = joinParts(encodeDeflateEnvelope(deflateRawSync(inner), inner.byteLength + 4, false));
  const corrupt = joinParts(encodeDeflateEnvelope(Uint8Array.of(0xff, 0xff, 0xff, 0xff), inner.byteLength, false));
  const { delivered, inflater } = await through([oversized, short, corrupt, envelope(message, true)]);
  assert.deepEqual(delivered, [undefined, undefined, undefined, message]);
  assert.equal(inflater.refused, 3);
});

test('a closed inflater delivers nothing more', async () => {
  const delivered: unknown[] = [];
  const inflater = new DisplayInflater((bytes) => delivered.push(bytes));
  inflater.push(envelope(rect(6), true).buffer as ArrayBuffer);
  inflater.close();
  inflater.push(encodeDisplayMessage({ type: 'pointer-mode', absolute: false }));
  await new Promise((resolve) => setTimeout(resolve, 200));
  assert.deepEqual(delivered, []);
});
