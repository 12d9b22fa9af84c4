import assert from 'node:assert/strict';
import { test } from 'node:test';
import { jsonNestingDepth, maxJsonNesting, parseJsonWithLimits, utf8Length, valueNestingExceeds } from './json-limits.js';

test('utf8Length counts bytes as an encoder would', () => {
  for (const text of ['', 'abc', 'é', '€', '😀', 'a😀b€', '\ud800x', 'x\udc00']) assert.equal(utf8Length(text), Buffer.byteLength(text), JSON.stringify(text));
});

test('nesting depth ignores brackets inside strings and escaped quotes', () => {
  assert.equal(jsonNestingDepth('{"a":[1,{"b":"[[[{{"}]}'), 3);
  assert.equal(jsonNestingDepth('["\\"[[[["]'), 1);
  assert.equal(jsonNestingDepth('1'), 0);
});

test('a value nested 100k levels deep is refused before parsing, without overflowing the stack', () => {
  const deep = `{"execute":"query-status","id":${'['.repeat(100_000)}${']'.repeat(100_000)}}`;
  const parsed = parseJsonWithLimits(deep, { maxBytes: 1 << 20 });
  assert.equal(parsed.ok, false);
  assert.equal(!parsed.ok && parsed.refusal, 'nesting');
  assert.match(!parsed.ok ? parsed.error : '', /nesting depth limit exceeded/);
});

test('exactly the limit is accepted, one more is refused', () => {
  const at = '['.repeat(maxJsonNesting) + ']'.repeat(maxJsonNesting);
  assert.equal(parseJsonWithLimits(at, { maxBytes: 1 << 20 }).ok, true);
  const over = '['.repeat(maxJsonNesting + 1) + ']'.repeat(maxJsonNesting + 1);
  assert.equal(parseJsonWithLimits(over, { maxBytes: 1 << 20 }).ok, false);
});

test('size is counted in UTF-8 bytes', () => {
  const text = JSON.stringify('€'.repeat(400)); // 1202 bytes, 402 characters
  const small = parseJsonWithLimits(text, { maxBytes: 1000 });
  assert.equal(!small.ok && small.refusal, 'size');
  assert.equal(parseJsonWithLimits(text, { maxBytes: 1202 }).ok, true);
});

test('syntax errors are reported, not thrown', () => {
  const parsed = parseJsonWithLimits('{"a":', { maxBytes: 100 });
  assert.equal(!parsed.ok && parsed.refusal, 'syntax');
});

test('valueNestingExceeds walks parsed values iteratively', () => {
  let deep: unknown = 1;
  for (let level = 0; level < 200_000; level++) deep = [deep];
  assert.equal(valueNestingExceeds(deep), true);
  assert.equal(valueNestingExceeds({ a: [{ b: new Uint8Array(1 << 20) }] }), false);
  const cyclic: Record<string, unknown> = {};
  cyclic.self = cyclic;
  assert.equal(valueNestingExceeds(cyclic), true);
});
