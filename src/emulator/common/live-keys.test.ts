import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LIVE_INPUT_QUEUE_LIMIT, LiveInputPacer, LiveInputQueueFull } from './live-keys.js';

/** A guest whose keyboard reads are under the test's control. */
function guestModel() {
  const sent: string[] = [];
  const failures: unknown[] = [];
  const guest = { reading: false, running: true };
  const pacer = new LiveInputPacer<string>({
    send: (batch) => {
      if (batch === 'bad') throw new Error('refused');
      sent.push(batch);
    },
    guestTookKeys: () => guest.reading,
    running: () => guest.running,
    failed: (error) => failures.push(error),
  });
  return { sent, failures, guest, pacer };
}

const settle = (ms = 20): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

test('the first key goes at once; the next waits until the guest took it, and events keep their order', async () => {
  const { sent, guest, pacer } = guestModel();
  await pacer.submit('a-down', true);
  assert.deepEqual(sent, ['a-down']);
  await pacer.submit('a-up', true);
  await pacer.submit('click', false);
  await settle();
  assert.deepEqual(sent, ['a-down'], 'a key waits for the guest, and a click behind it waits too');
  guest.reading = true;
  await settle();
  assert.deepEqual(sent, ['a-down', 'a-up', 'click']);
  pacer.dispose();
});

test('pointer events alone are never held back', async () => {
  const { sent, pacer } = guestModel();
  await pacer.submit('move', false);
  await pacer.submit('click', false);
  assert.deepEqual(sent, ['move', 'click']);
  pacer.dispose();
});

test('a guest that is not running takes keys as they come (nothing to wait for)', async () => {
  const { sent, guest, pacer } = guestModel();
  guest.running = false;
  await pacer.submit('a-down', true);
  await pacer.submit('a-up', true);
  await settle();
  assert.deepEqual(sent, ['a-down', 'a-up']);
  pacer.dispose();
});

test('the queue is bounded: past the limit a command is refused with what to do', async () => {
  const { guest, pacer } = guestModel();
  await pacer.submit('first', true);
  for (let index = 0; index < LIVE_INPUT_QUEUE_LIMIT; index++) await pacer.submit(`key-${index}`, true);
  await assert.rejects(pacer.submit('one too many', true), (error: unknown) => error instanceof LiveInputQueueFull && /not reading its keyboard/.test(error.message));
  guest.reading = true;
  pacer.dispose();
});

test('a queued batch that fails is reported and the rest still go', async () => {
  const { sent, failures, guest, pacer } = guestModel();
  await pacer.submit('a-down', true);
  await pacer.submit('bad', true);
  await pacer.submit('b-down', true);
  guest.reading = true;
  await settle();
  assert.deepEqual(sent, ['a-down', 'b-down']);
  assert.equal(failures.length, 1);
  pacer.dispose();
});

test('while nothing waits the guest is asked in the background, so a key after a pause goes at once; an answer about older keys does not count', async () => {
  const sent: string[] = [];
  let asked = 0;
  const guest = { reading: false };
  const pacer = new LiveInputPacer<string>({
    send: (batch) => void sent.push(batch),
    guestTookKeys: () => {
      asked++;
      return guest.reading;
    },
    running: () => true,
    failed: () => undefined,
  });
  await pacer.submit('a-down', true);
  await settle(30);
  assert.ok(asked > 0, 'asked in the background after the key');
  await pacer.submit('a-up', true);
  assert.deepEqual(sent, ['a-down'], 'not taken yet: the next key waits');
  guest.reading = true;
  await settle(50);
  assert.deepEqual(sent, ['a-down', 'a-up']);
  await settle(50);
  asked = 0;
  guest.reading = false;
  await pacer.submit('b-down', true);
  assert.deepEqual(sent, ['a-down', 'a-up', 'b-down'], 'the background answer said the guest took a-up: b-down goes at once');
  await pacer.submit('b-up', true);
  assert.deepEqual(sent, ['a-down', 'a-up', 'b-down'], 'b-down is not taken: b-up waits');
  guest.reading = true;
  await settle(50);
  assert.deepEqual(sent, ['a-down', 'a-up', 'b-down', 'b-up']);
  pacer.dispose();
});
