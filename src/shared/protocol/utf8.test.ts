import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeUtf8, encodeUtf8 } from './utf8.js';

test('encodes like Buffer, lone surrogates as U+FFFD', () => {
  for (const text of ['', 'plain', 'é€😀\u0000', 'x'.repeat(20000) + '😀']) assert.deepEqual(Buffer.from(encodeUtf8(text)), Buffer.from(text, 'utf8'));
  assert.deepEqual([...encodeUtf8('\ud800')], [0xef, 0xbf, 0xbd]);
});

test('decodes valid UTF-8, long inputs included', () => {
  for (const text of ['', 'é€😀', 'a'.repeat(50_000), '€'.repeat(30_000)]) assert.equal(decodeUtf8(Buffer.from(text, 'utf8')), text);
});

test('strict decoding refuses overlong forms, surrogates, out-of-range and truncated sequences; lossy replaces them', () => {
  for (const bytes of [[0xc0, 0x80], [0xe0, 0x80, 0x80], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80], [0xc3], [0x80], [0xff], [0xfe]]) {
    assert.equal(decodeUtf8(Uint8Array.from(bytes)), undefined, bytes.join(','));
  }
  assert.equal(decodeUtf8(Uint8Array.from([0x61, 0xff, 0x62]), true), 'a\ufffdb');
});
