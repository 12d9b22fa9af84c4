import assert from 'node:assert/strict';
import { test } from 'node:test';
import { applyDeltaFilter, decodeDisplayMessage, encodeDeflateEnvelope, encodeDisplayMessage, maxInflatedBytes, readDeflateEnvelope, undoDeltaFilter } from './display-codec.js';
import type { DisplayMessage } from './display.js';

const bytes = (length: number, seed: number): Uint8Array => Uint8Array.from({ length }, (_, index) => (index * 31 + seed) & 0xff);

const samples: DisplayMessage[] = [
  { type: 'mode', mode: 'text', cols: 80, rows: 25, width: 720, height: 400 },
  { type: 'mode', mode: 'graphics', width: 800, height: 600 },
  { type: 'mode', mode: 'off' },
  { type: 'text', row: 3, rowCount: 2, cols: 4, cells: Uint32Array.from({ length: 24 }, (_, index) => (index * 0x01020304) >>> 0) },
  { type: 'text-cursor', row: 4, col: 77, start: 13, end: 15, visible: true },
  { type: 'text-cursor', row: 0, col: 0, start: 0, end: 0, visible: false },
  { type: 'font', width: 9, height: 16, glyphCount: 3, bitmap: bytes(2 * 16 * 3, 1) },
  { type: 'rect', x: 10, y: 20, width: 3, height: 2, pixels: bytes(24, 2) },
  { type: 'cursor-sprite', visible: true, width: 2, height: 2, hotX: 1, hotY: 0, pixels: bytes(16, 3) },
  { type: 'pointer-mode', absolute: true },
  { type: 'pointer-mode', absolute: false },
];

test('every display message type round-trips', () => {
  for (const message of samples) assert.deepEqual(decodeDisplayMessage(encodeDisplayMessage(message)), message, message.type);
});

test('decoding works from an offset view and an ArrayBuffer', () => {
  const encoded = encodeDisplayMessage(samples[7] as DisplayMessage);
  const padded = new Uint8Array(encoded.byteLength + 3);
  padded.set(encoded, 3);
  assert.deepEqual(decodeDisplayMessage(padded.subarray(3)), samples[7]);
  assert.deepEqual(decodeDisplayMessage(encoded.slice().buffer), samples[7]);
});

test('a rectangle\'s pixels are a view of the received bytes, not a copy (megabytes per frame in the page)', () => {
  const encoded = encodeDisplayMessage(samples[7] as DisplayMessage);
  const decoded = decodeDisplayMessage(encoded);
  assert.equal(decoded.type, 'rect');
  if (decoded.type !== 'rect') return;
  assert.equal(decoded.pixels.buffer, encoded.buffer);
  assert.equal(decoded.pixels.byteOffset, encoded.byteLength - decoded.pixels.byteLength);
});

test('text cells decode from an offset view of a larger buffer', () => {
  const encoded = encodeDisplayMessage(samples[3] as DisplayMessage);
  const padded = new Uint8Array(encoded.byteLength + 4);
  padded.set(encoded, 4);
  assert.deepEqual(decodeDisplayMessage(padded.subarray(4)), samples[3]);
});

test('malformed input is refused with a reason', () => {
  assert.throws(() => decodeDisplayMessage(new Uint8Array(2)), /too short/);
  assert.throws(() => decodeDisplayMessage(Uint8Array.of(99, 0, 0, 0)), /unknown display message type/);
  const rect = encodeDisplayMessage(samples[7] as DisplayMessage);
  assert.throws(() => decodeDisplayMessage(rect.subarray(0, rect.byteLength - 1)), /payload/);
});

test('a compressed envelope carries its declared length, filter flag and body', () => {
  const body = bytes(100, 9);
  const { header, payload } = encodeDeflateEnvelope(body, 5000, true);
  const joined = new Uint8Array(header.byteLength + body.byteLength);
  joined.set(header);
  joined.set(body, header.byteLength);
  const read = readDeflateEnvelope(joined.buffer);
  assert.equal(payload, body);
  assert.deepEqual(read && { ...read, body: [...read.body] }, { inflatedLength: 5000, filtered: true, body: [...body] });
  assert.equal(readDeflateEnvelope(encodeDisplayMessage(samples[7] as DisplayMessage)), undefined, 'a plain message is no envelope');
});

test('an envelope declaring more than the limit, or too little, is refused before any inflating', () => {
  assert.throws(() => readDeflateEnvelope(encodeDeflateEnvelope(new Uint8Array(4), maxInflatedBytes + 1, false).header), /more than the \d+ allowed/);
  assert.throws(() => readDeflateEnvelope(encodeDeflateEnvelope(new Uint8Array(4), 2, false).header), /too few/);
  assert.throws(() => readDeflateEnvelope(Uint8Array.of(8, 0, 1)), /too short/);
  assert.throws(() => readDeflateEnvelope(Uint8Array.of(8, 0, 3, 0, 0, 0, 0, 0)), /truncated/);
});

test('the delta filter round-trips words, wraps modulo 2^32 and turns a gradient into a constant', () => {
  const source = Uint32Array.from([0xffffffff, 0, 0x80000000, 7, 0x00010307, 0x0002060e, 0x00030915]);
  const filtered = new Uint8Array(source.byteLength);
  applyDeltaFilter(new Uint8Array(source.buffer), filtered);
  assert.deepEqual([...new Uint32Array(filtered.buffer)].slice(5), [0x00010307, 0x00010307]);
  undoDeltaFilter(filtered);
  assert.deepEqual(new Uint32Array(filtered.buffer), source);
  // In place, as main filters an unaligned payload after copying it.
  const inPlace = new Uint8Array(source.slice().buffer);
  applyDeltaFilter(inPlace, inPlace);
  undoDeltaFilter(inPlace);
  assert.deepEqual(new Uint32Array(inPlace.buffer), source);
  assert.throws(() => undoDeltaFilter(new Uint8Array(6)), /whole 32-bit words/);
});
