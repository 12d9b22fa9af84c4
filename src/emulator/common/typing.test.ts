import assert from 'node:assert/strict';
import { test } from 'node:test';
import { KEY_TAKE_LIMIT_MS, KeyQueue, biosKeyBufferHasRoom, keyboardControllerDrained, planTyping, typePlan, type PlannedStroke } from './typing.js';

const keysOf = (text: string): string[] => planTyping(text).strokes.map((stroke) => stroke.filter((key) => key.down).map((key) => key.key).join('+'));

test('CR LF, a lone CR and a lone LF are each one Enter', () => {
  assert.deepEqual(keysOf('a\r\nb'), ['a', 'ret', 'b']);
  assert.deepEqual(keysOf('a\nb\rc\r\n\r\n'), ['a', 'ret', 'b', 'ret', 'c', 'ret', 'ret']);
  assert.deepEqual(keysOf('\n\r'), ['ret', 'ret'], 'LF CR is two line breaks');
});

test('shifted characters hold Shift around the key; untypable ones are counted as skipped', () => {
  const plan = planTyping('A€b');
  assert.equal(plan.skipped, 1);
  assert.deepEqual(plan.strokes[0], [
    { key: 'shift', down: true },
    { key: 'a', down: true },
    { key: 'a', down: false },
    { key: 'shift', down: false },
  ]);
  assert.deepEqual(plan.strokes[1], [
    { key: 'b', down: true },
    { key: 'b', down: false },
  ]);
});

test('the BIOS buffer rule: room while at most 8 keys wait; other pointers mean the guest has its own driver', () => {
  const pointers = (head: number, tail: number): number[] => [head & 0xff, head >> 8, tail & 0xff, tail >> 8];
  assert.equal(biosKeyBufferHasRoom(pointers(0x1e, 0x1e)), true);
  assert.equal(biosKeyBufferHasRoom(pointers(0x1e, 0x1e + 16)), true, '8 keys queued');
  assert.equal(biosKeyBufferHasRoom(pointers(0x1e, 0x1e + 18)), false, '9 keys queued');
  assert.equal(biosKeyBufferHasRoom(pointers(0x3a, 0x1e + 14)), false, 'wrapped around: 9 keys');
  assert.equal(biosKeyBufferHasRoom(pointers(0x1234, 0x5678)), true);
});

test('the keyboard controller rule: drained only when its output buffer is empty', () => {
  // Status 0x1c: self test passed, command, unlocked; 0x1d the same with a byte waiting.
  assert.equal(keyboardControllerDrained(0x1c), true);
  assert.equal(keyboardControllerDrained(0x1d), false);
  assert.equal(keyboardControllerDrained(0x3d), false, 'a mouse byte waiting also holds the keys back');
});

test('typing waits for the guest to take each key, but no longer than the limit', async () => {
  const sent: PlannedStroke[] = [];
  let polls = 0;
  const started = Date.now();
  const result = await typePlan(planTyping('ab'), { send: (stroke) => void sent.push(stroke), guestTookKeys: () => ++polls > 3, running: () => true }, 0);
  assert.deepEqual(result, { typed: 2, skipped: 0 });
  assert.equal(sent.length, 2);
  assert.ok(polls >= 4, 'asked the guest until it took the key');
  const stuck = Date.now();
  await typePlan(planTyping('a'), { send: () => undefined, guestTookKeys: () => false, running: () => true }, 0);
  const waited = Date.now() - stuck;
  assert.ok(waited >= KEY_TAKE_LIMIT_MS - 5 && waited < KEY_TAKE_LIMIT_MS + 5000, `waited ${waited} ms`);
  assert.ok(stuck - started < KEY_TAKE_LIMIT_MS + 5000);
});

test('the key queue runs typing commands one after the other, also after a failure', async () => {
  const queue = new KeyQueue();
  const order: string[] = [];
  const slow = queue.run(async () => {
    await new Promise((resolve) => setTimeout(resolve, 30));
    order.push('first');
    throw new Error('boom');
  });
  const second = queue.run(async () => {
    order.push('second');
    return 2;
  });
  await assert.rejects(slow, /boom/);
  assert.equal(await second, 2);
  assert.deepEqual(order, ['first', 'second']);
});
