/** The activity lights blink only when an engine's frame counter moved between two looks. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { counterMoved } from './network-activity.js';

test('a counter that grew blinks; the first look, a still counter and an engine without counters do not', () => {
  assert.equal(counterMoved(10, 12), true);
  assert.equal(counterMoved(12, 12), false);
  assert.equal(counterMoved(undefined, 12), false, 'the first look has nothing to compare');
  assert.equal(counterMoved(undefined, undefined), false, 'QEMU counts no frames');
  assert.equal(counterMoved(12, 3), false, 'a restarted engine starts again from zero');
});
