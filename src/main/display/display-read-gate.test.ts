import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DisplayReadGate } from './display-read-gate.js';

/** A stream that records whether it flows. */
class Stream {
  flowing = true;
  pauses = 0;
  pause(): void {
    this.flowing = false;
    this.pauses++;
  }
  resume(): void {
    this.flowing = true;
  }
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

test('reading stops after whole messages while every feed\'s viewers are behind, and starts again when one keeps up', () => {
  const gate = new DisplayReadGate(60_000);
  const stream = new Stream();
  gate.attach(stream);
  gate.messagesTaken();
  assert.ok(stream.flowing, 'no feed asking: main reads everything (its own copy feeds thumbnails)');
  const first = gate.demand();
  const second = gate.demand();
  first.set(false);
  gate.messagesTaken();
  assert.ok(stream.flowing, 'one feed still has a viewer that keeps up');
  second.set(false);
  assert.ok(stream.flowing, 'never paused in the middle of a message');
  gate.messagesTaken();
  assert.ok(!stream.flowing && gate.isPaused, 'every viewer behind: paused after the message');
  second.set(true);
  assert.ok(stream.flowing, 'a viewer caught up: reading again at once');
  second.release();
  gate.messagesTaken();
  assert.ok(!stream.flowing, 'the feed that wanted frames is gone; the other\'s viewers are behind');
  first.release();
  assert.ok(stream.flowing, 'no feed with viewers left: reading again');
  gate.dispose();
});

test('while nobody keeps up one message is still read every sample interval, so main\'s copy stays recent', async () => {
  const gate = new DisplayReadGate(40);
  const stream = new Stream();
  gate.attach(stream);
  const demand = gate.demand();
  demand.set(false);
  gate.messagesTaken();
  assert.equal(stream.flowing, false);
  await sleep(120);
  assert.ok(stream.flowing, 'the sample interval resumed reading');
  gate.messagesTaken();
  assert.equal(stream.flowing, false, 'and paused again after that message');
  assert.ok(stream.pauses >= 2);
  gate.dispose();
  assert.ok(stream.flowing, 'disposing leaves the stream flowing');
  const pauses = stream.pauses;
  await sleep(120);
  gate.messagesTaken();
  assert.equal(stream.pauses, pauses, 'a disposed gate pauses nothing and its timer is gone');
});

test('a new stream replaces the old one, which is left flowing', () => {
  const gate = new DisplayReadGate(60_000);
  const old = new Stream();
  gate.attach(old);
  gate.demand().set(false);
  gate.messagesTaken();
  assert.equal(old.flowing, false);
  const next = new Stream();
  gate.attach(next);
  assert.ok(old.flowing, 'the replaced stream is not left paused');
  gate.messagesTaken();
  assert.equal(next.flowing, false, 'the new stream is gated the same way');
  gate.dispose();
});
