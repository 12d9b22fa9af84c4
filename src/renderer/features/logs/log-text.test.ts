/**
 * The Logs view's reading of log text: timestamps and sources split off, search ignoring case,
 * the crash line found (the crashed run's exit line; a `state: crashed` line while the exit line
 * is not written; nothing when the last run ended cleanly) and trouble lines recognised.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { crashLineIndex, isTrouble, matchingLines, parseLog } from './log-text.js';

const log = [
  '2026-12-04T10:00:00.000Z [hangar] engine started: qemu, pid 1',
  '2026-12-04T10:00:01.000Z [engine] qemu: accelerator tcg: TCG was chosen in the machine settings',
  '2026-12-04T10:00:02.000Z [hangar] state: running',
  '2026-12-04T10:00:03.000Z [hangar] protocol error: eject failed (DeviceNotFound): No drive xx',
  '2026-12-04T10:00:04.000Z [hangar] state: crashed: The engine ended unexpectedly (killed by signal SIGKILL).',
  '2026-12-04T10:00:04.100Z [hangar] engine exited (killed by signal SIGKILL); crashed: The engine ended unexpectedly (killed by signal SIGKILL).',
  '2026-12-04T10:01:00.000Z [hangar] engine started: qemu, pid 2',
  '2026-12-04T10:01:02.000Z [hangar] state: stopped',
  '2026-12-04T10:01:02.100Z [hangar] engine exited (exit code 0)',
  '',
].join('\n');

test('lines are split into timestamp, source and message', () => {
  const lines = parseLog(log);
  assert.equal(lines.length, 9);
  assert.deepEqual(lines[1], { stamp: '2026-12-04T10:00:01.000Z', source: 'engine', message: '[engine] qemu: accelerator tcg: TCG was chosen in the machine settings' });
  assert.equal(lines[0]?.source, 'hangar');
  assert.deepEqual(parseLog('guest says hi'), [{ stamp: '', source: 'other', message: 'guest says hi' }]);
  assert.deepEqual(parseLog(''), []);
});

test('search ignores case and matches timestamps too; an empty query matches nothing', () => {
  const lines = parseLog(log);
  assert.deepEqual(matchingLines(lines, 'ACCELERATOR'), [1]);
  assert.deepEqual(matchingLines(lines, 'engine exited'), [5, 8]);
  assert.deepEqual(matchingLines(lines, '10:01:02'), [7, 8]);
  assert.deepEqual(matchingLines(lines, '  '), []);
});

test('the crash line is the crashed run\'s exit line, even when a clean run followed; a running crash uses its state line', () => {
  assert.equal(crashLineIndex(parseLog(log)), 5);
  const lines = parseLog(log).slice(0, 5);
  assert.equal(crashLineIndex(lines), 4, 'no exit line yet: the state line');
  assert.equal(crashLineIndex(parseLog(log).slice(6)), undefined, 'a clean run only');
  assert.equal(crashLineIndex([]), undefined);
});

test('trouble lines are recognised', () => {
  const lines = parseLog(log);
  assert.deepEqual(
    lines.map((line, index) => (isTrouble(line) ? index : -1)).filter((index) => index >= 0),
    [3, 4, 5],
  );
});

test('terminal escapes are dropped and other control characters made visible; the QEMU command line is no trouble', () => {
  const [line] = parseLog('2026-12-04T10:00:00.000Z / # \u001b[6n\u001b[1;32mgreen\u001b[0m\u0007bell\tTab\n');
  assert.equal(line?.message, '/ # green·bell\tTab');
  assert.equal(isTrouble({ stamp: '', source: 'engine', message: '[engine] qemu: /usr/bin/qemu-system-x86_64 -nodefaults -machine pc' }), false);
  assert.equal(isTrouble({ stamp: '', source: 'engine', message: '[engine] v86 fault: out of memory' }), true);
});
