import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseExecute, qmpTimestamp } from './envelope.js';

test('a valid execute becomes a call with its id', () => {
  assert.deepEqual(parseExecute({ execute: 'query-status', id: 3 }), { ok: true, call: { name: 'query-status', args: {}, id: 3, hasId: true } });
  const noId = parseExecute({ execute: 'stop', arguments: {} });
  assert.ok(noId.ok && !noId.call.hasId);
});

test('envelope errors are precise and echo the id', () => {
  const cases: [unknown, string, RegExp][] = [
    [[1], 'GenericError', /JSON object/],
    [{ id: 1 }, 'GenericError', /lacks member 'execute'/],
    [{ execute: 5, id: 1 }, 'GenericError', /must be a string/],
    [{ execute: 'stop', arguments: [], id: 1 }, 'GenericError', /'arguments' must be an object/],
    [{ execute: 'stop', extra: true, id: 1 }, 'GenericError', /'extra' is unexpected/],
    [{ execute: 'frobnicate', id: 1 }, 'CommandNotFound', /frobnicate/],
    [{ execute: 'send-key', arguments: { keys: [{ type: 'qcode', data: 7 }] }, id: 1 }, 'GenericError', /'keys\[0\]\.data'.*string/],
  ];
  for (const [message, errorClass, pattern] of cases) {
    const parsed = parseExecute(message);
    assert.equal(parsed.ok, false, JSON.stringify(message));
    if (parsed.ok) continue;
    assert.equal(parsed.reply.error.class, errorClass);
    assert.match(parsed.reply.error.desc, pattern);
    if (!Array.isArray(message)) assert.equal(parsed.reply.id, 1);
  }
  assert.equal(parseExecute({ execute: 'stop' }, new Set(['cont'])).ok, false);
});

test('timestamps split seconds and microseconds', () => {
  assert.deepEqual(qmpTimestamp(1_700_000_000_123.456), { seconds: 1_700_000_000, microseconds: 123_456 });
});
