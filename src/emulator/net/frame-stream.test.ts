import assert from 'node:assert/strict';
import { test } from 'node:test';
import { encodeFrame, FrameReader, maxFrameBytes } from './frame-stream.js';

test('frames split across chunks at every byte come out whole and in order', () => {
  const frames = [Uint8Array.from([1, 2, 3]), new Uint8Array(0), Uint8Array.from({ length: 1514 }, (_, index) => index & 0xff)];
  const wire = Buffer.concat(frames.map(encodeFrame));
  for (const size of [1, 3, 4, 5, 100, wire.length]) {
    const seen: number[][] = [];
    const reader = new FrameReader((frame) => seen.push([...frame]), (reason) => assert.fail(reason));
    for (let offset = 0; offset < wire.length; offset += size) reader.push(wire.subarray(offset, offset + size));
    assert.deepEqual(seen, frames.map((frame) => [...frame]), `chunks of ${size}`);
  }
});

test('a length no frame can have ends the stream with a reason, once', () => {
  const errors: string[] = [];
  const seen: Uint8Array[] = [];
  const reader = new FrameReader((frame) => seen.push(frame), (reason) => errors.push(reason));
  const bad = Buffer.alloc(8);
  bad.writeUInt32BE(0xffff_fff0, 0);
  reader.push(Buffer.concat([encodeFrame(Uint8Array.from([9])), bad]));
  reader.push(encodeFrame(Uint8Array.from([7])));
  assert.equal(seen.length, 1, 'the frame before the bad length arrives; nothing after it');
  assert.equal(errors.length, 1);
  assert.match(errors[0] ?? '', /4294967280 bytes .* out of step/);
  assert.throws(() => encodeFrame(new Uint8Array(maxFrameBytes + 1)), /over the/);
});
