import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Waiters } from './waiters.js';

test('a release ends every open wait at once; later waits wait for the next release', async () => {
  const waiters = new Waiters();
  const ended: string[] = [];
  const first = waiters.wait(60_000);
  const second = waiters.wait(60_000);
  void first.done.then(() => ended.push('first'));
  void second.done.then(() => ended.push('second'));
  waiters.release();
  await Promise.all([first.done, second.done]);
  assert.deepEqual(ended, ['first', 'second']);
  assert.equal(waiters.size, 0, 'released waits are forgotten (their timers cleared)');
  const later = waiters.wait(60_000);
  let laterEnded = false;
  void later.done.then(() => (laterEnded = true));
  await new Promise((resolve) => setTimeout(resolve, 20));
  assert.equal(laterEnded, false, 'an earlier release does not end a later wait');
  later.cancel();
  await later.done;
  assert.equal(waiters.size, 0);
});

test('a wait nobody releases ends at its timeout, and only that one', async () => {
  const waiters = new Waiters();
  const started = Date.now();
  const short = waiters.wait(30);
  const long = waiters.wait(60_000);
  await short.done;
  assert.ok(Date.now() - started >= 25, 'not before its time');
  assert.equal(waiters.size, 1, 'the longer wait is still open');
  long.cancel();
  await long.done;
});
