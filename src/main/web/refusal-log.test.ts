import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createRefusalLog, quoteForLog } from './refusal-log.js';

test('up to burst lines per window are written, the rest summed up when the window ends', async () => {
  const lines: string[] = [];
  const log = createRefusalLog({ write: (line) => lines.push(line), burst: 3, windowMs: 200 });
  for (let index = 0; index < 10; index++) log.log(`refused ${index}`);
  assert.deepEqual(lines, ['refused 0', 'refused 1', 'refused 2']);
  const deadline = Date.now() + 5_000;
  while (lines.length < 4 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
  assert.match(lines[3] ?? '', /^7 more refused inputs not logged/);
  // A new window starts with a fresh burst.
  log.log('later');
  assert.equal(lines[4], 'later');
  log.flush();
  assert.equal(lines.length, 5, 'nothing was suppressed in the second window');
});

test('flush writes the pending summary at once', () => {
  const lines: string[] = [];
  const log = createRefusalLog({ write: (line) => lines.push(line), burst: 1, windowMs: 60_000 });
  log.log('a');
  log.log('b');
  log.flush();
  assert.deepEqual(lines, ['a', '1 more refused input not logged (more than 1 in 60 s).']);
});

test('quoted client text cannot break or reorder a log line, and is cut', () => {
  assert.equal(quoteForLog('/a\r\nb'), '"/a\\u000d\\u000ab"');
  assert.equal(quoteForLog('x\u202ey\u0000"\\'), '"x\\u202ey\\u0000\\"\\\\"');
  assert.equal(quoteForLog('z'.repeat(500), 10), `"${'z'.repeat(10)}"…(500 characters)`);
});
