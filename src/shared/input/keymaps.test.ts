import assert from 'node:assert/strict';
import { test } from 'node:test';
import { keyboardCodeToQKeyCode, qkeycodeForKeyboardCode } from './keyboard-code.js';
import { PAUSE_SEQUENCE, qkeycodeBytes, qkeycodeToXt, xtBytes } from './qkeycode.js';
import { keyStrokeFor, usLayout } from './us-layout.js';

test('QKeyCode names map to set-1 make and break codes', () => {
  assert.deepEqual(qkeycodeBytes('a', true), [0x1e]);
  assert.deepEqual(qkeycodeBytes('a', false), [0x9e]);
  assert.deepEqual(qkeycodeBytes('ret', true), [0x1c]);
  assert.deepEqual(qkeycodeBytes('esc', true), [0x01]);
  assert.deepEqual(qkeycodeBytes('f12', true), [0x58]);
  assert.deepEqual(qkeycodeBytes('down', true), [0xe0, 0x50]);
  assert.deepEqual(qkeycodeBytes('down', false), [0xe0, 0xd0]);
  assert.deepEqual(qkeycodeBytes('ctrl_r', true), [0xe0, 0x1d]);
  assert.deepEqual(qkeycodeBytes('pause', true), [...PAUSE_SEQUENCE]);
  assert.deepEqual(qkeycodeBytes('pause', false), []);
  assert.equal(qkeycodeBytes('nosuchkey', true), undefined);
});

test('XT numbers are checked', () => {
  assert.deepEqual(xtBytes(0x1e, true), [0x1e]);
  assert.deepEqual(xtBytes(0xe048, false), [0xe0, 0xc8]);
  assert.equal(xtBytes(0x9e, true), undefined);
  assert.equal(xtBytes(0x1234, true), undefined);
  assert.equal(xtBytes(0, true), undefined);
});

test('make codes are unique apart from known aliases', () => {
  const aliases = new Set(['katakanahiragana', 'compose']);
  const seen = new Map<number, string>();
  for (const [name, code] of qkeycodeToXt) {
    if (aliases.has(name)) continue;
    assert.equal(seen.get(code), undefined, `${name} and ${seen.get(code)} share 0x${code.toString(16)}`);
    seen.set(code, name);
  }
});

test('every KeyboardEvent.code maps to a known QKeyCode', () => {
  assert.equal(qkeycodeForKeyboardCode('KeyA'), 'a');
  assert.equal(qkeycodeForKeyboardCode('Digit0'), '0');
  assert.equal(qkeycodeForKeyboardCode('Numpad5'), 'kp_5');
  assert.equal(qkeycodeForKeyboardCode('ArrowDown'), 'down');
  assert.equal(qkeycodeForKeyboardCode('Enter'), 'ret');
  assert.equal(qkeycodeForKeyboardCode('F11'), 'f11');
  assert.equal(qkeycodeForKeyboardCode('Fn'), undefined);
  for (const [code, name] of keyboardCodeToQKeyCode) {
    assert.notEqual(qkeycodeBytes(name, true), undefined, `${code} → ${name} has no scan code`);
  }
});

test('US layout types every printable ASCII character', () => {
  for (let c = 0x20; c < 0x7f; c++) {
    const stroke = keyStrokeFor(String.fromCharCode(c));
    assert.ok(stroke, `no key for ${String.fromCharCode(c)}`);
    assert.notEqual(qkeycodeBytes(stroke.key, true), undefined);
  }
  assert.deepEqual(keyStrokeFor('A'), { key: 'a', shift: true });
  assert.deepEqual(keyStrokeFor('a'), { key: 'a', shift: false });
  assert.deepEqual(keyStrokeFor(':'), { key: 'semicolon', shift: true });
  assert.deepEqual(keyStrokeFor('\n'), { key: 'ret', shift: false });
  assert.equal(keyStrokeFor('é'), undefined);
  assert.ok(usLayout.size >= 98);
});
