import assert from 'node:assert/strict';
import { test } from 'node:test';
import { command, event } from './definitions.js';
import { compareProtocols, describeProtocol } from './reference.js';
import { s } from './schema.js';

const meta = { version: '0.1', errorClasses: ['GenericError'], runStates: ['running'] };
const mode = s.named('Mode', s.enumeration(['a', 'b'] as const));
const base = {
  go: command({ doc: 'x', since: '0.1', args: s.object({ speed: s.optional(s.integer({ max: 10 })), mode: s.optional(mode) }), returns: s.object({ ok: s.required(s.boolean()) }) }),
};
const events = { DONE: event({ doc: 'x', since: '0.1', data: s.object({ n: s.required(s.integer()) }) }) };
const golden = describeProtocol(base, events, meta);

function check(commands: Parameters<typeof describeProtocol>[0], evts = events as Parameters<typeof describeProtocol>[1]) {
  return compareProtocols(golden, describeProtocol(commands, evts, meta));
}

test('identical protocols are compatible with nothing to note', () => {
  assert.deepEqual(check(base), { incompatible: [], additions: [] });
});

test('additions are compatible and noted', () => {
  const result = check(
    {
      go: command({ doc: 'x', since: '0.1', args: s.object({ speed: s.optional(s.integer({ max: 20 })), mode: s.optional(s.named('Mode', s.enumeration(['a', 'b', 'c'] as const))), extra: s.optional(s.string()) }), returns: s.object({ ok: s.required(s.boolean()), more: s.optional(s.string()) }) }),
      stop: command({ doc: 'x', since: '0.2', args: s.object({}), returns: s.object({}) }),
    },
    { ...events, NEW: event({ doc: 'x', since: '0.2', data: s.object({}) }) },
  );
  assert.deepEqual(result.incompatible, []);
  assert.ok(result.additions.some((line) => line.includes('command stop added')));
  assert.ok(result.additions.some((line) => line.includes('values added: c')));
  assert.ok(result.additions.some((line) => line.includes('event NEW added')));
});

test('removals, new required arguments, type changes and narrowed enums are incompatible', () => {
  assert.ok(check({}).incompatible.includes('command go removed'));
  assert.ok(check(base, {}).incompatible.includes('event DONE removed'));
  const required = check({ go: command({ doc: 'x', since: '0.1', args: s.object({ speed: s.optional(s.integer({ max: 10 })), mode: s.optional(mode), must: s.required(s.string()) }), returns: base.go.returns }) });
  assert.ok(required.incompatible.some((line) => line.includes('must: new required field')));
  const typed = check({ go: command({ doc: 'x', since: '0.1', args: s.object({ speed: s.optional(s.string()), mode: s.optional(mode) }), returns: base.go.returns }) });
  assert.ok(typed.incompatible.some((line) => line.includes('speed: type changed')));
  const narrowed = check({ go: command({ doc: 'x', since: '0.1', args: s.object({ speed: s.optional(s.integer({ max: 10 })), mode: s.optional(s.named('Mode', s.enumeration(['a'] as const))) }), returns: base.go.returns }) });
  assert.ok(narrowed.incompatible.some((line) => line.includes('values removed: b')));
  const dropped = check({ go: command({ doc: 'x', since: '0.1', args: base.go.args, returns: s.object({}) }) });
  assert.ok(dropped.incompatible.some((line) => line.includes('ok: field removed')));
});
