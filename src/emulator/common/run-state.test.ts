import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RunState, continueProblem, needsReset, pauseProblem, stateAfterSnapshotJob, type RunEvent } from './run-state.js';

test('stop and cont refuse the states only a reset leaves, and cont a snapshot being saved', () => {
  for (const state of ['shutdown', 'internal-error', 'guest-panicked'] as const) {
    assert.equal(needsReset(state), true);
    assert.match(pauseProblem(state) ?? '', new RegExp(`is ${state}; there is nothing to pause`));
    assert.match(continueProblem(state) ?? '', /reset it first \(system_reset\)/);
  }
  assert.match(continueProblem('restore-vm') ?? '', /reset it first/);
  assert.equal(needsReset('restore-vm'), false, 'a load or a reset leaves it');
  assert.match(continueProblem('save-vm') ?? '', /being saved/);
  for (const state of ['running', 'paused', 'prelaunch', 'io-error', 'suspended'] as const) assert.equal(continueProblem(state), undefined, state);
  for (const state of ['running', 'paused', 'prelaunch', 'io-error'] as const) assert.equal(pauseProblem(state), undefined, state);
});

test('after a snapshot job a running guest runs, a stopped one stays stopped, a loaded one is paused', () => {
  assert.equal(stateAfterSnapshotJob('snapshot-save', 'running'), 'running');
  assert.equal(stateAfterSnapshotJob('snapshot-load', 'running'), 'running');
  assert.equal(stateAfterSnapshotJob('snapshot-save', 'paused'), 'paused');
  assert.equal(stateAfterSnapshotJob('snapshot-load', 'paused'), 'paused');
  assert.equal(stateAfterSnapshotJob('snapshot-save', 'prelaunch'), 'prelaunch');
  assert.equal(stateAfterSnapshotJob('snapshot-load', 'shutdown'), 'paused');
});

test('STOP and RESUME follow the guest stopping and starting, and settle agrees with the state', () => {
  const events: RunEvent[] = [];
  const run = new RunState((event) => events.push(event));
  assert.equal(run.state, 'prelaunch');
  run.set('running', { quiet: true });
  run.set('save-vm');
  run.set('paused');
  run.set('running');
  assert.deepEqual(events, ['STOP', 'RESUME'], 'only changes of running-ness are events');
  // QEMU's own STOP arrives while its status already says running again (a quick snapshot job).
  run.reported('STOP', 'running');
  assert.equal(run.running, true);
  run.settle('running');
  assert.deepEqual(events.slice(2), ['STOP', 'RESUME'], 'settle sends the RESUME the client lacks');
  run.settle('running');
  assert.equal(events.length, 4, 'nothing when the last event already agrees');
  run.set('paused', { quiet: true });
  run.settle('paused');
  assert.deepEqual(events.slice(4), ['STOP']);
});
