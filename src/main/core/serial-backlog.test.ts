import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SerialBacklog } from './serial-backlog.js';

test('keeps the last bytes per machine, up to the limit, and forgets on clear', () => {
  const backlog = new SerialBacklog(8);
  assert.equal(backlog.get('a').byteLength, 0);
  backlog.append('a', Buffer.from('hello '));
  backlog.append('b', Buffer.from('other'));
  backlog.append('a', Buffer.from('world'));
  assert.equal(backlog.get('a').toString(), 'lo world', 'older bytes fall off the front');
  assert.equal(backlog.get('b').toString(), 'other');
  backlog.append('a', Buffer.from('0123456789'));
  assert.equal(backlog.get('a').toString(), '23456789', 'one chunk larger than the limit keeps its tail');
  backlog.clear('a');
  assert.equal(backlog.get('a').byteLength, 0);
  assert.equal(backlog.get('b').toString(), 'other');
});
