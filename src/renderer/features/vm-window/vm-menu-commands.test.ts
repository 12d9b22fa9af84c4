/**
 * Application-menu commands in a VM window do what the window's own menus do, only where the
 * machine's state allows it (a stopped machine cannot be paused, a running one is not started
 * again, paste-as-typing does not start twice).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { vmMenuOutcome } from './vm-menu-commands.js';

test('power commands follow the run state', () => {
  assert.deepEqual(vmMenuOutcome('machine.start', 'stopped', false), { kind: 'command', command: { kind: 'start' } });
  assert.equal(vmMenuOutcome('machine.start', 'running', false), undefined);
  assert.deepEqual(vmMenuOutcome('machine.pause', 'running', false), { kind: 'command', command: { kind: 'pause' } });
  assert.deepEqual(vmMenuOutcome('machine.pause', 'paused', false), { kind: 'command', command: { kind: 'resume' } });
  assert.equal(vmMenuOutcome('machine.pause', 'stopped', false), undefined);
  for (const [command, kind] of [['machine.reset', 'reset'], ['machine.powerdown', 'powerdown'], ['machine.poweroff', 'poweroff'], ['machine.snapshot', 'snapshot']] as const) {
    assert.deepEqual(vmMenuOutcome(command, 'paused', false), { kind: 'command', command: { kind } });
    assert.equal(vmMenuOutcome(command, 'crashed', false), undefined, `${command} on a crashed machine`);
  }
  assert.deepEqual(vmMenuOutcome('machine.settings', 'stopped', false), { kind: 'command', command: { kind: 'settings' } });
});

test('input needs a running guest; paste-as-typing never runs twice', () => {
  assert.deepEqual(vmMenuOutcome('input.ctrl-alt-del', 'running', false), { kind: 'ctrl-alt-del' });
  assert.equal(vmMenuOutcome('input.ctrl-alt-del', 'paused', false), undefined);
  assert.deepEqual(vmMenuOutcome('input.type-clipboard', 'running', false), { kind: 'type-clipboard' });
  assert.equal(vmMenuOutcome('input.type-clipboard', 'running', true), undefined);
});

test('view and window commands work in any state; the manager\'s commands do nothing here', () => {
  assert.deepEqual(vmMenuOutcome('machine.screenshot', 'stopped', false), { kind: 'screenshot' });
  assert.deepEqual(vmMenuOutcome('view.scale-fit', 'stopped', false), { kind: 'scaling', scaling: 'fit' });
  assert.deepEqual(vmMenuOutcome('view.scale-1x', 'running', false), { kind: 'scaling', scaling: 'native' });
  assert.equal(vmMenuOutcome('machine.new', 'running', false), undefined);
  assert.equal(vmMenuOutcome('app.preferences', 'running', false), undefined);
});
