import assert from 'node:assert/strict';
import { test } from 'node:test';
import { NAME_MAX_LENGTH, checkName, displayName, nameProblem } from './names.js';

test('good names are accepted and trimmed', () => {
  assert.deepEqual(checkName('  Debian 12  '), { ok: true, value: 'Debian 12' });
  assert.deepEqual(checkName('Ünïcode ✓ 日本語 مرحبا'), { ok: true, value: 'Ünïcode ✓ 日本語 مرحبا' });
  assert.deepEqual(checkName('a-b_c.d (1)'), { ok: true, value: 'a-b_c.d (1)' });
  assert.deepEqual(checkName('x'.repeat(NAME_MAX_LENGTH.machine)), { ok: true, value: 'x'.repeat(64) });
  assert.deepEqual(checkName('...hidden'), { ok: true, value: '...hidden' });
});

test('bad names are refused with a sentence that says what to do', () => {
  const cases: [unknown, RegExp][] = [
    ['', /cannot be empty/],
    ['   ', /cannot be empty/],
    [42, /must be text/],
    ['x'.repeat(65), /at most 64 characters; this one has 65/],
    ['../../x', /cannot contain \//],
    ['a/b', /cannot contain \//],
    ['a\\b', /cannot contain \/ or \\/],
    ['..', /dots only/],
    ['.', /dots only/],
    ['-x', /cannot start with "-"/],
    ['--force', /cannot start with "-"/],
    ['tab\there', /a tab \(U\+0009\)/],
    ['line\nbreak', /a line break/],
    ['esc\u001b[31m', /an escape character/],
    ['del\u007f', /control character \(U\+007F\)/],
    ['c1\u0085', /U\+0085/],
    ['evil\u202Egpj.exe', /right-to-left override \(U\+202E\)/],
    ['iso\u2066late', /left-to-right isolate \(U\+2066\)/],
    ['pop\u2069', /U\+2069/],
    ['zero\u200Bwidth', /zero-width space/],
    ['bom\uFEFF', /byte order mark/],
    ['soft\u00ADhyphen', /U\+00AD/],
    ['sep\u2028line', /U\+2028/],
    ['lone\uD800', /U\+D800/],
  ];
  for (const [name, expected] of cases) {
    const checked = checkName(name);
    assert.equal(checked.ok, false, `${JSON.stringify(name)} must be refused`);
    if (!checked.ok) assert.match(checked.error, expected, JSON.stringify(name));
  }
});

test('messages never carry the hostile characters themselves', () => {
  const error = nameProblem('abc\u202Etxt.exe') ?? '';
  assert.ok(!error.includes('\u202E'));
  assert.match(error, /abc\\u\{202e\}txt\.exe/);
  assert.equal(displayName('a\u0000b'), 'a\\u{0}b');
});

test('snapshots have their own length limit and the same character rules', () => {
  assert.equal(checkName('s'.repeat(150), 'snapshot').ok, true);
  assert.match(nameProblem('s'.repeat(201), 'snapshot') ?? '', /snapshot name can have at most 200/);
  assert.match(nameProblem('a/b', 'snapshot') ?? '', /snapshot name cannot contain/);
});
