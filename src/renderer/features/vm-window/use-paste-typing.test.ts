import assert from 'node:assert/strict';
import { test } from 'node:test';
import { serialPasteText } from './use-paste-typing.js';

test('text pasted on the serial console sends Enter as CR, a CR LF pair as one Enter', () => {
  assert.equal(serialPasteText('ls -l\n'), 'ls -l\r');
  assert.equal(serialPasteText('a\r\nb\nc\rd'), 'a\rb\rc\rd');
  assert.equal(serialPasteText('no break'), 'no break');
});
