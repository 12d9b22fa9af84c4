import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cp437, cp437ToChar, decodeCp437 } from './cp437.js';

test('cp437 has 256 single characters', () => {
  assert.equal(cp437.length, 256);
  for (const ch of cp437) assert.equal([...ch].length, 1);
});

test('cp437 maps ASCII, box drawing and pictures', () => {
  assert.equal(cp437ToChar(0x41), 'A');
  assert.equal(cp437ToChar(0x00), ' ');
  assert.equal(cp437ToChar(0x01), '☺');
  assert.equal(cp437ToChar(0x7f), '⌂');
  assert.equal(cp437ToChar(0x80), 'Ç');
  assert.equal(cp437ToChar(0xb3), '│');
  assert.equal(cp437ToChar(0xc9), '╔');
  assert.equal(cp437ToChar(0xdb), '█');
  assert.equal(cp437ToChar(0xe1), 'ß');
  assert.equal(cp437ToChar(0xfe), '■');
  assert.equal(decodeCp437([0x47, 0x52, 0x55, 0x42]), 'GRUB');
});
