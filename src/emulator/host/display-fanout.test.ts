import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { DisplayMessage } from '../../shared/protocol/display.js';
import { DisplayFanout } from './display-fanout.js';

test('a stalled viewer is skipped, then gets the whole screen once it drains; others keep up', () => {
  const screen: DisplayMessage[] = [{ type: 'mode', mode: 'graphics', width: 2, height: 1 }];
  const fanout = new DisplayFanout((send) => screen.forEach(send), 100);
  const fast: DisplayMessage[] = [];
  const slow: DisplayMessage[] = [];
  let slowBacklog = 0;
  fanout.attach({ post: (message) => fast.push(message), backlog: () => 0 });
  fanout.attach({ post: (message) => slow.push(message), backlog: () => slowBacklog });
  assert.equal(fast.length, 1, 'a new viewer gets the current screen');
  assert.equal(slow.length, 1);
  const rect: DisplayMessage = { type: 'rect', x: 0, y: 0, width: 1, height: 1, pixels: new Uint8Array(4) };
  slowBacklog = 1000;
  for (let index = 0; index < 10; index++) fanout.post(rect);
  assert.equal(fast.length, 11);
  assert.equal(slow.length, 1, 'nothing is queued for a stalled viewer');
  slowBacklog = 0;
  fanout.post(rect);
  assert.deepEqual(slow.slice(1), screen, 'the drained viewer is redrawn from the full screen');
  fanout.post(rect);
  assert.equal(slow.at(-1), rect);
});

test('a viewer whose post throws is detached', () => {
  const fanout = new DisplayFanout(() => {});
  fanout.attach({
    post: () => {
      throw new Error('port closed');
    },
    backlog: () => 0,
  });
  fanout.post({ type: 'pointer-mode', absolute: false });
  assert.equal(fanout.size, 0);
});

test('backlogged: only while viewers are attached and every one has more than the given bytes queued', () => {
  const fanout = new DisplayFanout(() => {});
  assert.equal(fanout.backlogged(10), false, 'no viewers: nothing holds frames back');
  let first = 0;
  let second = 0;
  const detachFirst = fanout.attach({ post: () => {}, backlog: () => first });
  fanout.attach({ post: () => {}, backlog: () => second });
  first = 11;
  assert.equal(fanout.backlogged(10), false, 'one viewer still takes frames');
  second = 50;
  assert.equal(fanout.backlogged(10), true, 'every viewer is behind');
  first = 10;
  assert.equal(fanout.backlogged(10), false, 'one drained down to the limit');
  detachFirst();
  assert.equal(fanout.backlogged(10), true);
});
