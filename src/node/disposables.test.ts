import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { test } from 'node:test';
import { DisposeError, Owner } from './disposables.js';

test('dispose runs every cleanup once, last added first, whatever protocol the resource speaks', async () => {
  const order: string[] = [];
  const owner = new Owner();
  owner.defer(() => void order.push('first'));
  owner.use({ close: () => void order.push('close()') });
  owner.use({ [Symbol.dispose]: () => void order.push('dispose') });
  owner.use({ [Symbol.asyncDispose]: async () => void order.push('asyncDispose') });
  owner.defer(async () => {
    await new Promise((resolve) => setTimeout(resolve, 10));
    order.push('last (async)');
  });
  assert.equal(owner.disposed, false);
  await Promise.all([owner.dispose(), owner.dispose()]);
  await owner.dispose();
  assert.equal(owner.disposed, true);
  assert.deepEqual(order, ['last (async)', 'asyncDispose', 'dispose', 'close()', 'first']);
});

test('a failing cleanup does not stop the others; all failures are thrown together', async () => {
  const ran: string[] = [];
  const owner = new Owner();
  owner.defer(() => void ran.push('a'));
  owner.defer(() => {
    throw new Error('b broke');
  });
  owner.defer(() => void ran.push('c'));
  owner.defer(() => Promise.reject(new Error('d broke')));
  const error = await owner.dispose().then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  assert.ok(error instanceof DisposeError, `expected a DisposeError, got ${String(error)}`);
  assert.deepEqual(
    error.errors.map((each: Error) => each.message),
    ['d broke', 'b broke'],
  );
  assert.match(error.message, /2 cleanup steps failed: d broke; b broke/);
  assert.deepEqual(ran, ['c', 'a']);
});

test('a resource handed to a disposed owner is cleaned up at once', async () => {
  const owner = new Owner();
  await owner.dispose();
  let closed = false;
  owner.use({ close: () => void (closed = true) });
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(closed, true);
});

test('owned timers: cleared on dispose, a fired timeout leaves the ledger, a released cleanup does not run', async () => {
  const owner = new Owner();
  let fired = 0;
  owner.setTimeout(() => fired++, 1);
  await new Promise((resolve) => setTimeout(resolve, 30));
  assert.equal(fired, 1);
  let releasedRan = false;
  const release = owner.defer(() => void (releasedRan = true));
  release();
  let ticks = 0;
  owner.setInterval(() => ticks++, 5);
  owner.setTimeout(() => fired++, 60_000);
  // Only this file's timers may hold the process: after dispose none of them is left.
  assert.ok(process.getActiveResourcesInfo().filter((kind) => kind === 'Timeout').length >= 2);
  await owner.dispose();
  assert.equal(releasedRan, false);
  assert.deepEqual(
    process.getActiveResourcesInfo().filter((kind) => kind === 'Timeout'),
    [],
  );
  const ticksAtDispose = ticks;
  await new Promise((resolve) => setTimeout(resolve, 30));
  assert.equal(ticks, ticksAtDispose);
  assert.equal(fired, 1);
});

test('`await using` disposes the owner when the block ends, also on a throw', async () => {
  const server = createServer();
  await assert.rejects(async () => {
    await using owner = new Owner();
    owner.use(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    assert.equal(server.listening, true);
    throw new Error('the block failed');
  }, /the block failed/);
  assert.equal(server.listening, false);
});
