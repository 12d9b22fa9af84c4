import assert from 'node:assert/strict';
import { test } from 'node:test';
import { encodeDisplayMessage } from './display-codec.js';
import { DisplayStreamError, DisplayStreamReader, displayFramePrefix } from './display-stream.js';

function framed(bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(4 + bytes.byteLength);
  out.set(displayFramePrefix(bytes.byteLength));
  out.set(bytes, 4);
  return out;
}

const rect = { type: 'rect', x: 1, y: 2, width: 2, height: 1, pixels: new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]) } as const;
const mode = { type: 'mode', mode: 'graphics', width: 640, height: 480 } as const;

test('messages split across chunks at every byte come out whole, in order, each in its own buffer', () => {
  const stream = new Uint8Array([...framed(encodeDisplayMessage(mode)), ...framed(encodeDisplayMessage(rect))]);
  for (let cut = 0; cut <= stream.byteLength; cut++) {
    const reader = new DisplayStreamReader();
    const messages = [...reader.push(stream.subarray(0, cut)), ...reader.push(stream.subarray(cut))];
    assert.deepEqual(messages, [mode, rect], `cut at ${cut}`);
    assert.equal(reader.partial, 0);
  }
  const reader = new DisplayStreamReader();
  const [first] = reader.push(framed(encodeDisplayMessage(rect)));
  const [second] = reader.push(framed(encodeDisplayMessage(rect)));
  assert.ok(first?.type === 'rect' && second?.type === 'rect' && first.pixels.buffer !== second.pixels.buffer);
});

test('a length over the limit is refused from its prefix, before anything is buffered, and the stream stays refused', () => {
  const reader = new DisplayStreamReader(1024);
  assert.throws(() => reader.push(displayFramePrefix(1025)), (error: Error) => error instanceof DisplayStreamError && /1025 bytes is over the limit of 1024/.test(error.message));
  assert.equal(reader.partial, 0);
  assert.throws(() => reader.push(framed(encodeDisplayMessage(mode))), DisplayStreamError);
  // The default limit refuses a length of 4 GiB − 1 the same way.
  assert.throws(() => new DisplayStreamReader().push(new Uint8Array([0xff, 0xff, 0xff, 0xff])), /over the limit/);
});

test('malformed messages are refused with what is wrong', () => {
  assert.throws(() => new DisplayStreamReader().push(framed(new Uint8Array([0xee, 0, 0, 0]))), /malformed: unknown display message type 238/);
  const short = encodeDisplayMessage(rect).subarray(0, 24);
  assert.throws(() => new DisplayStreamReader().push(framed(short)), /malformed: display rectangle payload is 4 bytes, expected 8/);
  assert.throws(() => new DisplayStreamReader().push(displayFramePrefix(2)), /too short/);
});

test('each message is read into the buffer the allocator gives, and every completed buffer is reported back, a malformed one too', () => {
  const given: Uint8Array[] = [];
  const reader = new DisplayStreamReader(undefined, (length) => {
    const buffer = new Uint8Array(length);
    given.push(buffer);
    return buffer;
  });
  const rect = encodeDisplayMessage({ type: 'rect', x: 0, y: 0, width: 2, height: 1, pixels: Uint8Array.from([1, 2, 3, 255, 4, 5, 6, 255]) });
  const stream = new Uint8Array([...displayFramePrefix(rect.byteLength), ...rect, ...displayFramePrefix(4)]);
  const bodies: Uint8Array[] = [];
  const messages = reader.push(stream, bodies);
  assert.equal(messages.length, 1);
  assert.equal(given.length, 2, 'the second message is started, not complete');
  assert.deepEqual(bodies, [given[0]], 'only the completed one is reported');
  const first = messages[0];
  assert.ok(first?.type === 'rect' && first.pixels.buffer === given[0]!.buffer, 'its pixels are a view of the given buffer');
  // The second body: a header naming an unknown type (malformed).
  assert.throws(() => reader.push(Uint8Array.from([99, 0, 0, 0]), bodies), DisplayStreamError);
  assert.deepEqual(bodies, [given[0], given[1]], 'the malformed one is reported too, so its owner can take it back');
});
