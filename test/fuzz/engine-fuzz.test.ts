/**
 * Throws a few thousand malformed or random messages at a running engine (a real engine
 * process with a booted guest, spoken to over its QMP socket): every message gets exactly one
 * reply, and the engine keeps answering — on the same connection and on a fresh one — even
 * after a connection that sent unbalanced random bytes.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { conformanceBackends, engineArguments, grubRescueCdrom } from '../conformance/backends.js';
import type { EngineProcess } from '../support/engine-process.js';
import { startEngine } from '../support/engine-process.js';

/** A small deterministic PRNG (mulberry32) so a failure can be replayed. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let value = state;
    value = Math.imul(value ^ (value >>> 15), value | 1);
    value ^= value + Math.imul(value ^ (value >>> 7), value | 61);
    return ((value ^ (value >>> 14)) >>> 0) / 4294967296;
  };
}

const commandPool = ['query-status', 'query-version', 'query-commands', 'query-screen-text', 'stop', 'cont', 'system_reset', 'send-key', 'input-send-event', 'no-such', '', 'QUERY-STATUS', 'query_status'];

function generator(seed: number) {
  const next = random(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)] as T;
  const int = (max: number): number => Math.floor(next() * max);
  const value = (depth: number): unknown => {
    switch (int(depth > 2 ? 5 : 8)) {
      case 0: return null;
      case 1: return next() < 0.5;
      case 2: return int(2 ** 31) - 2 ** 30;
      case 3: return next() * 1e6;
      case 4: return pick(['', 'a', 'ret', 'down', 'qcode', 'key', '\u0000', '😀', 'x'.repeat(int(300))]);
      case 5: return Array.from({ length: int(4) }, () => value(depth + 1));
      default: return Object.fromEntries(Array.from({ length: int(4) }, () => [pick(['type', 'data', 'keys', 'events', 'down', 'key', 'filename', 'x']), value(depth + 1)]));
    }
  };
  const garbageChars = 'abcdefghijklmnopqrstuvwxyz0123456789 ,:}]"\\\t\u00e9\u20ac';
  /** One line that is a complete (if wrong) message: the engine must answer it exactly once. */
  return (): string => {
    switch (int(9)) {
      case 0: // text that is not JSON at all
        return Array.from({ length: 1 + int(60) }, () => pick([...garbageChars])).join('').replace(/^\s+|\s+$/g, '') || 'x';
      case 1: // JSON that is not an object
        return JSON.stringify(pick([[1, 2], [[]], [{ execute: 'query-status' }]]));
      case 2: // an object that is not a command
        return JSON.stringify({ [pick(['exec', 'execute ', 'arguments', 'id', 'QMP'])]: value(0) });
      case 3: // a random command with random arguments
        return JSON.stringify({ execute: pick(commandPool), arguments: value(1), id: value(2) });
      case 4: // a known command with a wrongly typed member
        return JSON.stringify({ execute: pick([pick(commandPool), int(100), null, [], {}]), ...(next() < 0.5 ? { arguments: value(0) } : {}), id: int(1000) });
      case 5: { // broken JSON with balanced braces
        const text = JSON.stringify({ execute: pick(commandPool), arguments: { a: value(2) } });
        const cut = 1 + int(text.length - 2);
        return `${text.slice(0, cut)}${pick([',', ':', '"', '}', 'tru', ''])}${text.slice(cut)}`.replace(/[{[]/g, (ch, offset: number) => (offset === 0 ? ch : ch === '{' ? '(' : '<')).replace(/[}\]]/g, (ch, offset: number, all: string) => (offset === all.length - 1 ? '}' : ')'));
      }
      case 6: // an unterminated string (the newline ends it)
        return `{"execute":"${pick(commandPool)}`;
      case 7: // deep nesting
        return `${'['.repeat(1 + int(3000))}${']'.repeat(0)}`.replace(/\[+$/, (open) => open + ']'.repeat(open.length));
      default: // duplicate keys, odd ids, extra members
        return `{"execute":"query-status","execute":"stop","id":${JSON.stringify(value(2))}${next() < 0.5 ? ',"extra":1' : ''}}`;
    }
  };
}

for (const backend of conformanceBackends) {
  let engine: EngineProcess;
  before(async () => {
    engine = await startEngine({ engine: backend, memoryMib: 32, cdrom: grubRescueCdrom, args: [...engineArguments[backend]] });
  });
  after(async () => {
    await engine?.stop();
  });

  test(`${backend}: thousands of malformed messages each get one reply and the engine keeps answering`, { timeout: 180_000 }, async () => {
    const client = await engine.connect();
    try {
      const make = generator(0x5eed);
      const total = 3000;
      let lines: string[] = [];
      for (let index = 0; index < total; index++) {
        const line = make();
        assert.ok(!line.includes('\n'));
        lines.push(line);
        if (lines.length === 100 || index === total - 1) {
          client.sendRaw(`${lines.join('\n')}\n`);
          // Each of these lines is one message: exactly one reply each, in order.
          for (let reply = 0; reply < lines.length; reply++) {
            const answer = await client.nextReply(30_000);
            assert.ok('return' in answer || 'error' in answer, `reply to ${lines[reply]?.slice(0, 200)}`);
          }
          lines = [];
          const status = (await client.execute('query-status', {}, 30_000)) as { status: string };
          assert.ok(['running', 'paused'].includes(status.status), `status ${status.status}`);
        }
      }
      // An oversized message and invalid UTF-8 bytes, then a real command on the same connection.
      client.sendRaw(`{"execute":"query-status","id":"${'z'.repeat(3 * 1024 * 1024)}"}\n`);
      assert.match((await client.nextReply(30_000)).error?.desc ?? '', /exceeds/);
      client.sendRaw(Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d, 0x0a]));
      assert.equal((await client.nextReply(30_000)).error?.class, 'GenericError');
      assert.ok(await client.execute('query-version'));
    } finally {
      client.close();
    }
  });

  test(`${backend}: a connection spewing unbalanced random bytes does not disturb others`, { timeout: 120_000 }, async () => {
    const noisy = await engine.connect({ negotiate: false });
    const next = random(42);
    for (let chunk = 0; chunk < 200; chunk++) {
      noisy.sendRaw(Buffer.from(Array.from({ length: 1 + Math.floor(next() * 2000) }, () => Math.floor(next() * 256))));
    }
    const other = await engine.connect();
    try {
      const status = (await other.execute('query-status', {}, 30_000)) as { status: string };
      assert.equal(typeof status.status, 'string');
    } finally {
      noisy.close();
      other.close();
    }
    const fresh = await engine.connect();
    try {
      assert.ok(await fresh.execute('query-commands'));
    } finally {
      fresh.close();
    }
    assert.equal(engine.child.exitCode, null, 'the engine is still running');
  });
}
