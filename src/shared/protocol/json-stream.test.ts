import assert from 'node:assert/strict';
import { test } from 'node:test';
import { JsonStream } from './json-stream.js';
import type { JsonStreamItem, JsonStreamOptions } from './json-stream.js';

function split(chunks: (string | Uint8Array)[], options: Partial<JsonStreamOptions> = {}): JsonStreamItem[] {
  const items: JsonStreamItem[] = [];
  const stream = new JsonStream((item) => items.push(item), { maxBytes: 1 << 20, ...options });
  for (const chunk of chunks) stream.push(chunk);
  return items;
}

const errors = (items: JsonStreamItem[]): string[] => items.filter((item) => !item.ok).map((item) => (item as { error: string }).error);
const values = (items: JsonStreamItem[]): unknown[] => items.filter((item) => item.ok).map((item) => (item as { value: unknown }).value);

test('objects with and without separators, split across chunks', () => {
  const items = split(['{"a":1}{"b":', '"}{"}\n', ' {"c":[1,{"d":2}]}\n']);
  assert.deepEqual(items, [
    { ok: true, value: { a: 1 } },
    { ok: true, value: { b: '}{' } },
    { ok: true, value: { c: [1, { d: 2 }] } },
  ]);
});

test('multi-byte characters split between chunks', () => {
  const bytes = Buffer.from('{"t":"é€😀"}');
  assert.deepEqual(split([bytes.subarray(0, 7), bytes.subarray(7, 11), bytes.subarray(11)]), [{ ok: true, value: { t: 'é€😀' } }]);
  assert.deepEqual(split(['{"t":"é€😀"}']), [{ ok: true, value: { t: 'é€😀' } }], 'string input is taken as its UTF-8 bytes');
});

test('QEMU extensions: single-quoted strings and \\\' escapes', () => {
  assert.deepEqual(values(split([`{'execute':'a"b\\'c','x':"d\\'e"}`])), [{ execute: `a"b'c`, x: "d'e" }]);
});

test('top-level scalars are values of their own, numbers and keywords end at the next byte', () => {
  assert.deepEqual(values(split(['1 -2.5e3 true null "s" 0{"a":-0.5E+2}'])), [1, -2500, true, null, 's', 0, { a: -50 }]);
});

test('garbage and bad JSON give errors and the next command is parsed', () => {
  const items = split(['hello }\n{"a":}\n{"ok":true}\n']);
  assert.deepEqual(values(items), [{ ok: true }]);
  assert.equal(errors(items).length, 3, JSON.stringify(items)); // keyword, stray closer, missing value
});

test('QEMU resync: a control character aborts an incomplete message, in any state', () => {
  for (const garbage of ['{"execute":"query-st', '{"a":[1,2,{"b":', '{"a":-', '{"a":1.', '[[[[', '{"a":"x\\', "{'a", 'garbage]]][[', '%%%%']) {
    const items = split([garbage, '\x1b', '{"execute":"query-status"}']);
    assert.deepEqual(values(items), [{ execute: 'query-status' }], `after ${garbage}: ${JSON.stringify(items)}`);
    assert.ok(errors(items).length >= 1, `the aborted input is reported: ${garbage}`);
  }
});

test('QEMU resync: a 0xFF or 0xFE byte aborts an incomplete message, also inside a string', () => {
  for (const byte of [0xff, 0xfe]) {
    const items = split([Buffer.from('{"execute":"query-st'), Buffer.from([byte]), Buffer.from('{"execute":"query-status"}')]);
    assert.deepEqual(values(items), [{ execute: 'query-status' }], JSON.stringify(items));
    assert.match(errors(items)[0] ?? '', /stray/);
  }
});

test('recovery skips to the next structural character, as QEMU does', () => {
  // The stray '@' drops the open object; recovery resumes at the ',' (a value of its own, an error).
  const items = split(['{"a": @@@ , "b":2}']);
  assert.equal(values(items).length, 2, JSON.stringify(items)); // "b" and 2 at top level
  assert.match(errors(items)[0] ?? '', /stray '@'/);
});

test('a raw control character inside a string is a lexical error; the message after it is answered', () => {
  const items = split(['{"a":"x\n{"b":2}\n']);
  assert.match(errors(items)[0] ?? '', /stray/);
  assert.deepEqual(values(items), [{ b: 2 }]);
});

test('invalid UTF-8 inside a string refuses that message only', () => {
  const items = split([Buffer.from([0x7b, 0x22, 0xc3, 0x28, 0x22, 0x3a, 0x31, 0x7d]), '{"ok":1}']);
  assert.deepEqual(errors(items), ['JSON parse error, invalid UTF-8 sequence in string']);
  assert.deepEqual(values(items), [{ ok: 1 }]);
});

test('an oversized message is reported once and skipped to its end', () => {
  const items = split([`{"a":"${'x'.repeat(5000)}","b":[1,2,{"c":"]}"}]}`, '{"b":1}'], { maxBytes: 1000 });
  assert.equal(items.length, 2, JSON.stringify(items).slice(0, 300));
  assert.equal((items[0] as { refusal: string }).refusal, 'size');
  assert.match((items[0] as { error: string }).error, /exceeds 1000 bytes/);
  assert.deepEqual(items[1], { ok: true, value: { b: 1 } });
});

test('nesting: 1024 levels pass, 1025 are refused once, 100k levels cost one error and no stack', () => {
  assert.equal(values(split([`${'['.repeat(1024)}${']'.repeat(1024)}`])).length, 1);
  const deeper = split([`${'['.repeat(1025)}${']'.repeat(1025)}{"next":1}`]);
  assert.deepEqual(deeper.map((item) => (item.ok ? 'ok' : item.refusal)), ['nesting', 'ok']);
  assert.match((deeper[0] as { error: string }).error, /JSON nesting depth limit exceeded/);
  const deep = 100_000;
  const items = split([`{"execute":"query-status","id":${'['.repeat(deep)}`, `${']'.repeat(deep)}}`, '{"execute":"x"}'], { maxBytes: 1 << 20 });
  assert.deepEqual(items.map((item) => (item.ok ? 'ok' : item.refusal)), ['nesting', 'ok']);
});

test('a control character also ends a refused value early', () => {
  const items = split([`${'['.repeat(2000)}\x01{"a":1}`]);
  assert.deepEqual(items.map((item) => (item.ok ? 'ok' : item.refusal)), ['nesting', 'ok']);
});

test('stray text in an error is bounded and shows control characters', () => {
  const [item] = split([`"${'y'.repeat(100)}\x02`]);
  const error = (item as { error: string }).error;
  assert.ok(error.length < 100, error);
  assert.match(error, /\\u0002'$/);
});

test('line mode: an incomplete line is refused at its end and does not swallow the next line', () => {
  const items = split(['{"id":1,"call":"x"\n{"id":2}\n'], { lines: true });
  assert.match(errors(items)[0] ?? '', /line ended/);
  assert.deepEqual(values(items), [{ id: 2 }]);
});

test('line mode: one error per bad line, then the next line is read', () => {
  const items = split(['this is not json\n{"a": @ ,"b":1}\n[1,2]\n"a" "b"\n'], { lines: true });
  assert.equal(errors(items).length, 2, JSON.stringify(items));
  assert.deepEqual(values(items), [[1, 2], 'a', 'b']);
});

test('line mode: an oversized or too deep line costs one error, the next line is read', () => {
  const items = split([`{"a":"${'x'.repeat(6000)}"}\n${'['.repeat(3000)}\n{"ok":1}\n`], { lines: true, maxBytes: 5000 });
  assert.deepEqual(items.map((item) => (item.ok ? 'ok' : item.refusal)), ['size', 'nesting', 'ok']);
});

test('line mode: a control character resynchronises within a line too', () => {
  const items = split(['garbage {"x":[1,\x1b{"id":5}\n{"id":6,\x1b{"id":7}\n'], { lines: true });
  assert.deepEqual(values(items), [{ id: 5 }, { id: 7 }], JSON.stringify(items));
});
