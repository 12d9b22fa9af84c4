import assert from 'node:assert/strict';
import { test } from 'node:test';
import { s, validate } from './schema.js';

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
