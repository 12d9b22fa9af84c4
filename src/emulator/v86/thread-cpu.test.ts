import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Worker } from 'node:worker_threads';
import { ThreadCpuClock } from './thread-cpu.js';

test('the clock counts this thread\'s CPU time only, not a worker\'s running at the same time', { timeout: 60_000 }, async () => {
  const clock = new ThreadCpuClock();
  try {
    assert.equal(clock.perThread, true, 'Linux has /proc/thread-self/schedstat');
    // A worker spins for 300 ms of wall time while this thread waits without using the CPU.
    const done = new Int32Array(new SharedArrayBuffer(4));
    const threadBefore = clock.nowMs();
    const processBefore = process.cpuUsage();
    const worker = new Worker(
      `const { workerData } = require('node:worker_threads'); const until = Date.now() + 300; let spins = 0; while (Date.now() < until) spins++; Atomics.store(workerData, 0, spins > 0 ? 1 : 2); Atomics.notify(workerData, 0);`,
      { eval: true, workerData: done },
    );
    const exited = new Promise((resolve) => worker.once('exit', resolve));
    assert.notEqual(Atomics.wait(done, 0, 0, 30_000), 'timed-out');
    const thread = clock.nowMs() - threadBefore;
    const used = process.cpuUsage(processBefore);
    await exited;
    const processMs = (used.user + used.system) / 1000;
    assert.ok(processMs > thread + 20, `the process used ${processMs.toFixed(1)} ms, this thread ${thread.toFixed(1)} ms`);
    assert.ok(thread < 100, `this thread used ${thread.toFixed(1)} ms while it waited`);
  } finally {
    clock.close();
  }
  // Closed: the process's time stands in.
  assert.equal(clock.perThread, false);
  assert.ok(Number.isFinite(clock.nowMs()));
});
