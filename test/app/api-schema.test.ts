/**
 * The app API schema: every entry documented with a version, every schema describable, the
 * error classes fixed, and validation rejecting what the schema forbids.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { apiCommands, apiErrorClasses, apiEvents, isApiCommand } from '../../src/shared/protocol/api/index.js';
import { describe, validate } from '../../src/shared/protocol/schema.js';
import type { SchemaDescription } from '../../src/shared/protocol/schema.js';

test('every command and event has doc and since, and describes', () => {
  const definitions: Record<string, SchemaDescription> = {};
  for (const [name, definition] of [...Object.entries(apiCommands), ...Object.entries(apiEvents)]) {
    assert.ok(definition.doc.length > 10, `${name} has a doc`);
    assert.match(definition.since, /^\d+\.\d+$/, `${name} has a since`);
    const described = 'args' in definition ? [describe(definition.args, definitions), describe(definition.returns, definitions)] : [describe(definition.data, definitions)];
    assert.ok(described.every((entry) => typeof entry.type === 'string'));
  }
  for (const required of ['machines.list', 'machines.create', 'machines.update', 'machines.delete', 'media.list', 'media.add', 'os.detect', 'vm.start', 'vm.pause', 'vm.resume', 'vm.reset', 'vm.powerdown', 'vm.poweroff', 'vm.eject', 'vm.insert', 'vm.send-keys', 'vm.type-text', 'vm.screenshot', 'settings.get', 'settings.set']) {
    assert.ok(isApiCommand(required), required);
  }
  assert.deepEqual([...apiErrorClasses].sort(), ['Conflict', 'EngineFailed', 'InvalidArgument', 'NoSpace', 'NotFound', 'NotSupported', 'Timeout', 'Unavailable']);
  assert.equal(isApiCommand('toString'), false);
});

test('validation follows the schema', () => {
  const create = apiCommands['machines.create'].args;
  assert.equal(validate(create, { name: 'a', engine: 'v86', memoryMib: 64 }).ok, true);
  assert.equal(validate(create, { name: '', engine: 'v86', memoryMib: 64 }).ok, false);
  assert.equal(validate(create, { name: 'a', engine: 'v86', memoryMib: 1.5 }).ok, false);
  assert.equal(validate(create, { name: 'a', engine: 'v86', memoryMib: 64, extra: true }).ok, false);
  assert.equal(validate(apiCommands['vm.eject'].args, { id: 'a', slot: 'hd0' }).ok, false);
});
