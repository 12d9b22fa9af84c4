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

test('narrowed input ranges and lengths, and outputs that may go missing, are incompatible', () => {
  const narrower = check({ go: command({ doc: 'x', since: '0.1', args: s.object({ speed: s.optional(s.integer({ max: 5 })), mode: s.optional(mode) }), returns: base.go.returns }) });
  assert.ok(narrower.incompatible.some((line) => line.includes('speed: range narrowed')));
  const optionalOutput = check({ go: command({ doc: 'x', since: '0.1', args: base.go.args, returns: s.object({ ok: s.optional(s.boolean()) }) }) });
  assert.ok(optionalOutput.incompatible.some((line) => line.includes('ok: no longer always present')));
  const nowRequired = check({ go: command({ doc: 'x', since: '0.1', args: s.object({ speed: s.required(s.integer({ max: 10 })), mode: s.optional(mode) }), returns: base.go.returns }) });
  assert.ok(nowRequired.incompatible.some((line) => line.includes('speed: now required')));
  const eventField = check(base, { DONE: event({ doc: 'x', since: '0.1', data: s.object({}) }) });
  assert.ok(eventField.incompatible.some((line) => line.includes('DONE(data).n: field removed')));
});

test('string limits, array limits and union variants are classified by direction', () => {
  const strings = (maxLength: number) => ({ go: command({ doc: 'x', since: '0.1', args: s.object({ name: s.optional(s.string({ maxLength })) }), returns: s.object({}) }) });
  const golden = describeProtocol(strings(10), {}, meta);
  assert.ok(compareProtocols(golden, describeProtocol(strings(5), {}, meta)).incompatible.some((line) => line.includes('maxLength lowered')));
  assert.deepEqual(compareProtocols(golden, describeProtocol(strings(20), {}, meta)).incompatible, []);
  const lists = (maxItems: number) => ({ go: command({ doc: 'x', since: '0.1', args: s.object({ items: s.optional(s.array(s.string(), { maxItems })) }), returns: s.object({}) }) });
  assert.ok(compareProtocols(describeProtocol(lists(8), {}, meta), describeProtocol(lists(4), {}, meta)).incompatible.some((line) => line.includes('maxItems lowered')));
  const unions = (variants: Record<string, ReturnType<typeof s.object>>) => ({ go: command({ doc: 'x', since: '0.1', args: s.object({ event: s.optional(s.union('type', variants)) }), returns: s.object({}) }) });
  const two = describeProtocol(unions({ a: s.object({}), b: s.object({}) }), {}, meta);
  const one = describeProtocol(unions({ a: s.object({}) }), {}, meta);
  assert.ok(compareProtocols(two, one).incompatible.some((line) => line.includes('variant b removed')));
  assert.ok(compareProtocols(one, two).additions.some((line) => line.includes('variant b added')));
});

test('error classes and run states may be added but not removed', () => {
  const wider = compareProtocols(golden, describeProtocol(base, events, { ...meta, errorClasses: ['GenericError', 'DeviceNotFound'], runStates: ['running', 'paused'] }));
  assert.deepEqual(wider.incompatible, []);
  assert.deepEqual(wider.additions, ['error class DeviceNotFound added', 'run state paused added']);
  const narrower = compareProtocols(golden, describeProtocol(base, events, { ...meta, errorClasses: [], runStates: [] }));
  assert.deepEqual(narrower.incompatible, ['error class GenericError removed', 'run state running removed']);
});
