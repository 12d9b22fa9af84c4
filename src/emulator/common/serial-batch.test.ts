import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SERIAL_BATCH_BYTES, SERIAL_BATCH_MS, SerialBatcher } from './serial-batch.js';

const settle = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, SERIAL_BATCH_MS * 5));

test('a burst becomes full batches at once, in order, and the rest after the window', async () => {
  const batches: Uint8Array[] = [];
  const batcher = new SerialBatcher((bytes) => batches.push(bytes));
  const burst = Uint8Array.from({ length: SERIAL_BATCH_BYTES * 2 + 100 }, (_, i) => (i ^ (i >> 8)) & 0xff);
  batcher.push(burst.subarray(0, 1000));
  batcher.push(burst.subarray(1000));
  assert.deepEqual(batches.map((batch) => batch.length), [SERIAL_BATCH_BYTES, SERIAL_BATCH_BYTES], 'full batches do not wait');
  await settle();
  assert.deepEqual(batches.map((batch) => batch.length), [SERIAL_BATCH_BYTES, SERIAL_BATCH_BYTES, 100]);
  assert.deepEqual(Buffer.concat(batches), Buffer.from(burst));
  batcher.dispose();
});

test('single bytes join one batch within the window; dispose sends what is pending', async () => {
  const batches: Uint8Array[] = [];
  const batcher = new SerialBatcher((bytes) => batches.push(bytes));
  for (const byte of Buffer.from('Hi!')) batcher.pushByte(byte);
  assert.equal(batches.length, 0);
  await settle();
  assert.deepEqual(batches.map((batch) => Buffer.from(batch).toString()), ['Hi!']);
  for (let i = 0; i < SERIAL_BATCH_BYTES + 1; i++) batcher.pushByte(i);
  assert.equal(batches.length, 2);
  batcher.dispose();
  assert.deepEqual(batches.map((batch) => batch.length), [3, SERIAL_BATCH_BYTES, 1]);
  await settle();
  assert.equal(batches.length, 3, 'nothing is sent twice');
});
