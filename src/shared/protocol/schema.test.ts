import assert from 'node:assert/strict';
import { test } from 'node:test';
import { describe, s, validate } from './schema.js';
import type { SchemaDescription } from './schema.js';

const point = s.object({ x: s.required(s.integer({ min: 0 })), label: s.optional(s.string({ maxLength: 4 })) });

test('validate accepts a well-formed object and rejects unknown fields', () => {
  assert.deepEqual(validate(point, { x: 3 }), { ok: true, value: { x: 3 } });
  const unknown = validate(point, { x: 3, y: 4 });
  assert.equal(unknown.ok, false);
  assert.match(unknown.ok ? '' : `${unknown.issue.path} ${unknown.issue.message}`, /^y is not a known field/);
});

test('validate names the failing path and the reason', () => {
  const result = validate(s.object({ p: s.required(point) }), { p: { x: -1 } });
  assert.equal(result.ok, false);
  assert.deepEqual(result.ok ? null : result.issue, { path: 'p.x', message: 'must be at least 0, got -1' });
  const long = validate(point, { x: 1, label: 'toolong' });
  assert.equal(long.ok ? '' : long.issue.message, 'must be at most 4 characters long');
});

test('validate selects union variants by tag', () => {
  const shape = s.union('type', { a: s.object({ n: s.required(s.integer()) }), b: s.object({}) });
  assert.deepEqual(validate(shape, { type: 'a', n: 1 }), { ok: true, value: { type: 'a', n: 1 } });
  const wrongTag = validate(shape, { type: 'c' });
  assert.equal(wrongTag.ok ? '' : wrongTag.issue.path, '(value).type');
});

test('scalars: integers, numbers, booleans, null, strings with values and lengths', () => {
  const integer = s.integer({ min: 1, max: 3 });
  assert.equal(validate(integer, 2).ok, true);
  for (const bad of [0, 4, 1.5, Number.NaN, Number.POSITIVE_INFINITY, '2', null, true]) assert.equal(validate(integer, bad).ok, false, String(bad));
  assert.equal(validate(s.number({ max: 1 }), 0.5).ok, true);
  assert.equal(validate(s.number(), Number.NaN).ok, false, 'NaN is not a number value here');
  assert.equal(validate(s.boolean(), false).ok, true);
  assert.equal(validate(s.boolean(), 0).ok, false);
  assert.equal(validate(s.null(), null).ok, true);
  assert.equal(validate(s.null(), undefined).ok, false);
  const mode = s.enumeration(['on', 'off'] as const);
  assert.equal(validate(mode, 'on').ok, true);
  const wrong = validate(mode, 'maybe');
  assert.equal(wrong.ok ? '' : wrong.issue.message, 'expected one of "on", "off", got the string "maybe"');
  assert.equal(validate(s.string({ minLength: 2 }), 'a').ok, false);
  assert.equal(validate(s.any(), { anything: [1] }).ok, true);
});

test('arrays check every item and their length; records check every value', () => {
  const list = s.array(s.integer(), { maxItems: 2 });
  assert.deepEqual(validate(list, [1, 2]), { ok: true, value: [1, 2] });
  const item = validate(list, [1, 'x']);
  assert.equal(item.ok ? '' : item.issue.path, '(value)[1]');
  assert.equal(validate(list, [1, 2, 3]).ok, false);
  assert.equal(validate(list, { 0: 1 }).ok, false);
  const map = s.record(s.boolean());
  assert.deepEqual(validate(map, { a: true }), { ok: true, value: { a: true } });
  const bad = validate(map, { a: true, b: 'no' });
  assert.equal(bad.ok ? '' : bad.issue.path, '(value).b');
  assert.equal(validate(map, [true]).ok, false);
});

test('a "__proto__" key in a record stays an entry and does not change the prototype', () => {
  const parsed = JSON.parse('{"__proto__": {"polluted": true}, "a": {"polluted": false}}') as unknown;
  const result = validate(s.record(s.record(s.boolean())), parsed);
  assert.equal(result.ok, true);
  const value = (result.ok ? result.value : {}) as Record<string, unknown>;
  assert.equal(Object.getPrototypeOf(value), Object.prototype);
  assert.deepEqual(Object.keys(value), ['__proto__', 'a']);
  assert.equal((value as { polluted?: unknown }).polluted, undefined);
});

test('objects: required fields, undefined as missing, unknown fields dropped only when allowed', () => {
  const shape = s.object({ a: s.required(s.string()), b: s.optional(s.integer()) });
  assert.equal(validate(shape, { a: 'x', b: undefined }).ok, true);
  const missing = validate(shape, { b: 1 });
  assert.deepEqual(missing.ok ? null : missing.issue, { path: 'a', message: 'is required' });
  assert.equal(validate(shape, 'x').ok, false);
  assert.equal(validate(shape, null).ok, false);
  assert.equal(validate(shape, ['x']).ok, false);
  const open = s.object({ a: s.required(s.string()) }, { allowUnknown: true });
  assert.deepEqual(validate(open, { a: 'x', extra: 1 }), { ok: true, value: { a: 'x' } });
  const nested = validate(s.object({ outer: s.required(s.object({ inner: s.required(s.boolean()) })) }), { outer: { inner: 1 } });
  assert.equal(nested.ok ? '' : nested.issue.path, 'outer.inner');
});

test('unions: tag required and known, variant fields checked, inherited keys not taken as tags', () => {
  const shape = s.union('type', { key: s.object({ code: s.required(s.string()) }) });
  assert.deepEqual(validate(shape, { type: 'key', code: 'a' }), { ok: true, value: { type: 'key', code: 'a' } });
  assert.equal(validate(shape, { code: 'a' }).ok, false);
  assert.equal(validate(shape, { type: 'toString' }).ok, false);
  assert.equal(validate(shape, { type: 'key' }).ok, false);
  assert.equal(validate(shape, { type: 'key', code: 'a', other: 1 }).ok, false);
});

test('describe collects named schemas once as definitions and references them', () => {
  const mode = s.named('Mode', s.enumeration(['a', 'b'] as const));
  const definitions: Record<string, SchemaDescription> = {};
  const description = describe(s.object({ first: s.required(mode), second: s.optional(s.array(mode, { maxItems: 4 })), map: s.required(s.record(s.integer({ min: 0 }))) }), definitions);
  assert.deepEqual(description, {
    type: 'object',
    fields: {
      first: { optional: false, schema: { type: 'ref', name: 'Mode' } },
      second: { optional: true, schema: { type: 'array', items: { type: 'ref', name: 'Mode' }, maxItems: 4 } },
      map: { optional: false, schema: { type: 'record', values: { type: 'integer', min: 0 } } },
    },
  });
  assert.deepEqual(definitions, { Mode: { type: 'string', values: ['a', 'b'] } });
});
