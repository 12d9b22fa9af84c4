import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cp437Character, parsePhysicalDump } from './text-screen.js';

test('parsePhysicalDump reads the bytes of an xp dump, wherever its lines start', () => {
  const output = '00000000000b8000: 0x41 0x07 0x42 0x07 0x43 0x07 0x20 0x07\r\n00000000000b8008: 0xc4 0x0f\r\n';
  assert.deepEqual([...parsePhysicalDump(output, 0xb8000, 10)], [0x41, 7, 0x42, 7, 0x43, 7, 0x20, 7, 0xc4, 0x0f]);
  assert.equal(cp437Character(0xc4), '─');
});

test('parsePhysicalDump says how much is missing instead of returning a short buffer', () => {
  assert.throws(() => parsePhysicalDump('0000000000000400: 0x00 0x01\r\n', 0x400, 0x100), /cannot read the text screen: QEMU returned 2 of 256 bytes at 0x400/);
  assert.throws(() => parsePhysicalDump('', 0x400, 0x100), /returned 0 of 256 bytes/);
});

test('parsePhysicalDump reports QEMU refusing the address in its own words', () => {
  assert.throws(() => parsePhysicalDump('00000001fffffff0: Cannot access memory\r\n', 0x1fffffff0, 16), /cannot read the text screen: QEMU answered "00000001fffffff0: Cannot access memory"/);
});

test('parsePhysicalDump refuses bytes outside the asked range', () => {
  assert.throws(() => parsePhysicalDump('0000000000000500: 0x00\r\n', 0x400, 4), /cannot read the text screen/);
});
