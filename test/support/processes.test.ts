/**
 * The orphan check itself: a real parent that starts a child, SIGKILLed, leaves that child
 * running; the check must see it (by the tree read before the kill, and by its marker) and fail,
 * and pass once the child is gone.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import { ProcessTracker, assertAllGone, assertNoProcessWithMarker, processTree, processesWithMarker, readProcess, stillRunning } from './processes.js';
import { until } from './waiting.js';

test('a child that outlives its SIGKILLed parent is reported, then passes once it is gone', { timeout: 60_000 }, async () => {
  const marker = `hangar-orphan-${randomUUID()}`;
  // The parent starts an idle child naming the marker (the parent's own command line does not:
  // it gets the marker through its environment); SIGKILL gives the child no chance to follow.
  const child = `require('node:child_process').spawn(process.execPath, ['-e', 'setTimeout(() => {}, 300000)', process.env.ORPHAN_MARKER], { stdio: 'ignore' }); setInterval(() => {}, 1000);`;
  const parent = spawn(process.execPath, ['-e', child], { stdio: 'ignore', env: { ...process.env, ORPHAN_MARKER: marker } });
  const parentExited = new Promise((resolve) => parent.once('exit', resolve));
  let orphanPid: number | undefined;
  try {
    assert.ok(parent.pid);
    const tracker = new ProcessTracker(parent.pid, 20);
    const tree = await until(() => {
      const found = processTree(parent.pid as number);
      return found.some((info) => info.commandLine.includes(marker)) ? found : undefined;
    }, 'the child to start', 10_000);
    orphanPid = tree.find((info) => info.commandLine.includes(marker))?.pid;
    assert.deepEqual(new Set(tracker.stop().map((info) => info.pid)), new Set(tree.map((info) => info.pid)), 'the tracker saw the same tree');
    assert.equal(readProcess(parent.pid)?.startTime, tree[0]?.startTime, 'a process is known by pid and start time');

    process.kill(parent.pid, 'SIGKILL');
    await parentExited;
    await assert.rejects(assertAllGone(tree, 'the parent and its child', 500), (error: Error) => error.message.includes(marker) && error.message.includes(`pid ${String(orphanPid)}`));
    await assert.rejects(assertNoProcessWithMarker(marker, 'the marked child', 500), (error: Error) => error.message.includes(`pid ${String(orphanPid)}`));
    assert.deepEqual(stillRunning(tree).map((info) => info.pid), [orphanPid], 'only the orphan runs on; the parent is gone');

    assert.ok(orphanPid);
    process.kill(orphanPid, 'SIGKILL');
    await assertAllGone(tree, 'the parent and its child', 5_000);
    await assertNoProcessWithMarker(marker, 'the marked child', 5_000);
    assert.deepEqual(processesWithMarker(marker), []);
  } finally {
    parent.kill('SIGKILL');
    // Only our own orphan, checked by its marker (its pid could have been reused).
    if (orphanPid !== undefined && readProcess(orphanPid)?.commandLine.includes(marker)) process.kill(orphanPid, 'SIGKILL');
  }
});

test('a marker must be specific enough not to match unrelated processes', () => {
  assert.throws(() => processesWithMarker('node'), /would match unrelated processes/);
});
