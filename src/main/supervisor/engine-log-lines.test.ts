/**
 * The trace lines main writes into an engine log: events that tell what happened (media, power,
 * I/O errors) get a line, data events and STOP/RESUME (the state line says it) do not; commands
 * that change the machine get a line naming the medium, queries and input do not; a refused
 * command names the command, the engine's error class and its words.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EngineCommandError } from './engine-session.js';
import { commandFailureLogLine, commandLogLine, eventLogLine, stateLogLine } from './engine-log-lines.js';

const at = { seconds: 0, microseconds: 0 };

test('events that change the machine get a line; data and STOP/RESUME do not', () => {
  assert.equal(eventLogLine({ event: 'DEVICE_TRAY_MOVED', data: { device: 'ide1-cd0', id: 'cd0', 'tray-open': true }, timestamp: at }), 'event DEVICE_TRAY_MOVED: media: the tray of cd0 opened');
  assert.equal(eventLogLine({ event: 'DEVICE_TRAY_MOVED', data: { device: 'ide1-cd0', id: 'cd0', 'tray-open': false }, timestamp: at }), 'event DEVICE_TRAY_MOVED: media: the tray of cd0 closed');
  assert.equal(eventLogLine({ event: 'SHUTDOWN', data: { guest: true, reason: 'guest-shutdown' }, timestamp: at }), 'event SHUTDOWN: the guest powered off (by the guest, guest-shutdown)');
  assert.equal(eventLogLine({ event: 'RESET', data: { guest: false, reason: 'host-qmp-system-reset' }, timestamp: at }), 'event RESET: the guest was reset (by a command, host-qmp-system-reset)');
  assert.equal(
    eventLogLine({ event: 'BLOCK_IO_ERROR', data: { device: 'hda', operation: 'write', action: 'stop', nospace: true, reason: 'No space left on device' }, timestamp: at }),
    'event BLOCK_IO_ERROR: hda: write failed (No space left on device, no space left); action stop',
  );
  assert.equal(eventLogLine({ event: 'ENGINE_ERROR', data: { reason: 'QEMU died', fatal: true }, timestamp: at }), 'event ENGINE_ERROR (fatal): QEMU died');
  assert.equal(eventLogLine({ event: 'JOB_STATUS_CHANGE', data: { id: 'snap-1', status: 'concluded' }, timestamp: at }), 'event JOB_STATUS_CHANGE: job snap-1 is concluded');
  for (const event of ['STOP', 'RESUME', 'SERIAL_OUTPUT', 'CLIPBOARD_CHANGED']) {
    assert.equal(eventLogLine({ event, data: { data: 'aGk=', text: 'secret' }, timestamp: at }), undefined, event);
  }
});

test('commands that change the machine get a line (media named), queries and input do not', () => {
  assert.equal(commandLogLine('blockdev-change-medium', { id: 'cd0', filename: '/media/new.iso' }), 'command blockdev-change-medium: media: insert /media/new.iso into cd0');
  assert.equal(commandLogLine('eject', { id: 'fd0', force: true }), 'command eject: media: eject fd0 (forced)');
  assert.equal(commandLogLine('stop', {}), 'command stop');
  assert.equal(commandLogLine('snapshot-save', { 'job-id': 'j1', tag: 's1' }), 'command snapshot-save job-id=j1 tag=s1');
  assert.equal(commandLogLine('set-speed-limit', { mips: 50 }), 'command set-speed-limit mips=50');
  for (const quiet of ['query-status', 'query-block', 'input-send-event', 'send-key', 'input-type-text', 'screendump', 'serial-write', 'clipboard-set']) {
    assert.equal(commandLogLine(quiet, { text: 'secret' }), undefined, quiet);
  }
  assert.ok((commandLogLine('network-forward-add', { note: 'x'.repeat(1000) }) ?? '').length < 400, 'long arguments are cut');
});

test('a refused command names the command, the class and the engine\'s words; state lines carry the reason', () => {
  assert.equal(commandFailureLogLine('eject', new EngineCommandError('DeviceNotFound', 'No drive xx')), 'protocol error: eject failed (DeviceNotFound): No drive xx');
  assert.equal(commandFailureLogLine('cont', new Error('boom')), 'protocol error: cont failed (Error): boom');
  assert.equal(stateLogLine('running'), 'state: running');
  assert.equal(stateLogLine('crashed', 'The engine ended'), 'state: crashed: The engine ended');
});
