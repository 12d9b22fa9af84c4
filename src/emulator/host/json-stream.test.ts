import assert from 'node:assert/strict';
import { test } from 'node:test';
import { JsonStream } from './json-stream.js';
import type { JsonStreamItem } from './json-stream.js';

function split(chunks: (string | Buffer)[], max?: number): JsonStreamItem[] {
  const items: JsonStreamItem[] = [];
  const stream = new JsonStream((item) => items.push(item), max);
  for (const chunk of chunks) stream.push(chunk);
  return items;
}

test('objects with and without separators, split across chunks', () => {
  const items = split(['{"a":1}{"b":', '"}{"}\n', ' {"c":[1,{"d":2}]}\n']);
  assert.deepEqual(items, [
    { ok: true, value: { a: 1 } },
    { ok: true, value: { b: '}{' } },
    { ok: true, value: { c: [1, { d: 2 }] } },
  ]);
});

test('multi-byte characters split between chunks', () => {
  const bytes = Buffer.from('{"t":"é€"}');
  assert.deepEqual(split([bytes.subarray(0, 7), bytes.subarray(7)]), [{ ok: true, value: { t: 'é€' } }]);
});

test('garbage, stray closers and bad JSON give one error each and resync', () => {
  const items = split(['hello }\n{"a":}\n{"ok":true}\n']);
  assert.equal(items.length, 3);
  assert.equal(items[0]?.ok, false);
  assert.equal(items[1]?.ok, false);
  assert.deepEqual(items[2], { ok: true, value: { ok: true } });
});

test('a raw newline inside a string is an error and resyncs', () => {
  const items = split(['{"a":"x\n{"b":2}\n']);
  assert.equal(items[0]?.ok, false);
  assert.deepEqual(items[1], { ok: true, value: { b: 2 } });
});

test('an oversized message is reported once and skipped', () => {
  const items = split([`{"a":"${'x'.repeat(5000)}"}{"b":1}`], 1000);
  assert.equal(items.length, 2);
  assert.match((items[0] as { error: string }).error, /exceeds 1000/);
  assert.deepEqual(items[1], { ok: true, value: { b: 1 } });
});
