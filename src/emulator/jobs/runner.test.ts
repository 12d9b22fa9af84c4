/** The job runner: QEMU's status sequence, errors in the job, dismiss rules. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { JobRunner } from './runner.js';

test('jobs go created → running → pending → concluded, failures through aborting with an error', async () => {
  const changes: string[] = [];
  const runner = new JobRunner((id, status) => changes.push(`${id}:${status}`));
  runner.start('a', 'snapshot-save', async (context) => {
    context.progress(1, 2);
    await new Promise((resolve) => setTimeout(resolve, 10));
  });
  runner.start('b', 'snapshot-load', () => Promise.reject(new Error('no such snapshot')));
  assert.throws(() => runner.start('a', 'snapshot-save', async () => undefined), /already in use/);
  assert.equal(runner.list()[0]?.status, 'created');
  assert.throws(() => runner.dismiss('a'), /cannot accept/);
  await runner.idle();
  assert.deepEqual(changes, ['a:created', 'b:created', 'a:running', 'a:pending', 'a:concluded', 'b:running', 'b:aborting', 'b:concluded']);
  const [a, b] = runner.list();
  assert.equal(a?.error, undefined);
  assert.equal(a?.['current-progress'], a?.['total-progress']);
  assert.equal(b?.error, 'no such snapshot');
  runner.dismiss('a');
  assert.deepEqual(runner.list().map((job) => job.id), ['b']);
  assert.equal(changes.at(-1), 'a:null');
  assert.throws(() => runner.dismiss('zzz'), /not found/);
});
