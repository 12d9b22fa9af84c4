import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { DisplayMessage } from '../protocol/display.js';
import { DisplayBuffers, pooledMinimumBytes } from './display-buffers.js';

const big = 640 * 480 * 4;
const rectIn = (body: Uint8Array): DisplayMessage => ({ type: 'rect', x: 0, y: 0, width: 640, height: 480, pixels: body.subarray(0, big) });

test('a buffer nobody holds after delivery is reused for the next message', () => {
  const buffers = new DisplayBuffers();
  const first = buffers.take(big);
  buffers.release(first);
  const second = buffers.take(big);
  assert.equal(second.buffer, first.buffer);
  assert.equal(buffers.reused, 1);
});

test('a held buffer is not reused until every holder has let go', () => {
  const buffers = new DisplayBuffers();
  const body = buffers.take(big);
  const message = rectIn(body);
  const screenCopy = buffers.retain(message);
  const transport = buffers.retain(message);
  buffers.release(body);
  assert.notEqual(buffers.take(big).buffer, body.buffer, 'held twice: a fresh buffer');
  screenCopy();
  screenCopy(); // letting go twice counts once
  assert.notEqual(buffers.take(big).buffer, body.buffer, 'still held by the transport');
  transport();
  assert.equal(buffers.take(big).buffer, body.buffer, 'free once nobody holds it');
});

test('small messages and messages not read into the pool are never pooled', () => {
  const buffers = new DisplayBuffers();
  const small = buffers.take(pooledMinimumBytes - 1);
  buffers.release(small);
  assert.notEqual(buffers.take(pooledMinimumBytes - 1).buffer, small.buffer);
  const foreign: DisplayMessage = { type: 'rect', x: 0, y: 0, width: 640, height: 480, pixels: new Uint8Array(big) };
  buffers.retain(foreign)();
  assert.equal(buffers.inUse, 0);
  assert.equal(buffers.reused, 0);
});

test('a reused buffer serves a smaller message as a view of the right length', () => {
  const buffers = new DisplayBuffers();
  const first = buffers.take(big);
  buffers.release(first);
  const smaller = buffers.take(big / 2);
  assert.equal(smaller.buffer, first.buffer);
  assert.equal(smaller.byteLength, big / 2);
  assert.equal(buffers.inUse, 1);
  buffers.release(smaller);
  assert.equal(buffers.inUse, 0);
});

test('only a few free buffers are kept, the largest ones', () => {
  const buffers = new DisplayBuffers();
  const taken = [1, 2, 3, 4, 5, 6].map((n) => buffers.take(pooledMinimumBytes * n));
  for (const body of taken) buffers.release(body);
  // The largest free buffer serves the largest request; the smallest two were dropped.
  assert.equal(buffers.take(pooledMinimumBytes * 6).buffer, taken[5]!.buffer);
  const kept = [buffers.take(pooledMinimumBytes), buffers.take(pooledMinimumBytes), buffers.take(pooledMinimumBytes)].map((body) => body.byteLength && body.buffer.byteLength);
  assert.deepEqual(kept.sort((a, b) => a - b), [pooledMinimumBytes * 3, pooledMinimumBytes * 4, pooledMinimumBytes * 5]);
  assert.equal(buffers.take(pooledMinimumBytes).buffer.byteLength, pooledMinimumBytes, 'then fresh');
});
