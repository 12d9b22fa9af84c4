/**
 * Hostile input against a running engine (a real engine process with a booted guest, v86 and
 * QEMU, spoken to over its QMP socket):
 *  - QMP's resync rule: garbage, then an ASCII control character (or a 0xFF byte), then a
 *    command: the command is answered on the same connection, as QEMU 7.2 answers it;
 *  - a request whose id or arguments is nested 100k levels deep gets GenericError ("JSON
 *    nesting depth limit exceeded") and the engine lives;
 *  - a few thousand random, truncated, oversized, deeply nested, control-character and
 *    invalid-UTF-8 messages in batches: every reply is a well-formed QMP reply, and after each
 *    batch (closed by ESC, as the spec tells clients) the engine answers on the same
 *    connection and on a fresh one.
 * The seed is fixed (printed on failure); HANGAR_FUZZ_SEED=<n> replays or varies it.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { conformanceBackends, engineArguments, grubRescueCdrom } from '../conformance/backends.js';
import type { EngineProcess } from '../support/engine-process.js';
import { startEngine } from '../support/engine-process.js';
import type { QmpClient } from '../support/qmp-client.js';
import { fuzzSeed, random, withSeed } from './fuzz-random.js';

const commandPool = ['query-status', 'query-version', 'query-commands', 'query-screen-text', 'stop', 'cont', 'system_reset', 'send-key', 'input-send-event', 'no-such', '', 'QUERY-STATUS', 'query_status'];
const controlBytes = [0x00, 0x01, 0x04, 0x07, 0x08, 0x0b, 0x0c, 0x1b, 0x1f];

/** Messages of every hostile kind, as bytes; deterministic for a seed. */
function generator(seed: number): () => Buffer {
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
  const command = (): string => JSON.stringify({ execute: pick(commandPool), arguments: value(1), id: value(2) });
  const nested = (depth: number, balanced: boolean): string => `${'['.repeat(depth)}${balanced ? ']'.repeat(depth) : ''}`;
  const garbageChars = 'abcdefghijklmnopqrstuvwxyz0123456789 ,:{}[]"\'\\\t\u00e9\u20ac%@#-.';
  return (): Buffer => {
    switch (int(12)) {
      case 0: // text that is not JSON at all
        return Buffer.from(Array.from({ length: 1 + int(60) }, () => pick([...garbageChars])).join(''));
      case 1: // JSON that is not an object
        return Buffer.from(JSON.stringify(pick([[1, 2], [[]], [{ execute: 'query-status' }], 'query-status', 42, null])));
      case 2: // an object that is not a command
        return Buffer.from(JSON.stringify({ [pick(['exec', 'execute ', 'arguments', 'id', 'QMP'])]: value(0) }));
      case 3: // a random command with random arguments
        return Buffer.from(command());
      case 4: // a known command with a wrongly typed member
        return Buffer.from(JSON.stringify({ execute: pick([pick(commandPool), int(100), null, [], {}]), ...(next() < 0.5 ? { arguments: value(0) } : {}), id: int(1000) }));
      case 5: { // truncated: cut anywhere, the rest never sent
        const text = command();
        return Buffer.from(text.slice(0, 1 + int(text.length - 1)));
      }
      case 6: { // a control character inside a command
        const text = command();
        const cut = int(text.length);
        return Buffer.concat([Buffer.from(text.slice(0, cut)), Buffer.from([pick(controlBytes)]), Buffer.from(text.slice(cut))]);
      }
      case 7: { // invalid UTF-8 or 0xFE/0xFF inside a string or between tokens
        const text = command();
        const cut = int(text.length);
        return Buffer.concat([Buffer.from(text.slice(0, cut)), Buffer.from(pick([[0xff], [0xfe], [0xc3, 0x28], [0x80], [0xed, 0xa0, 0x80], [0xf8, 0x88, 0x80, 0x80, 0x80]])), Buffer.from(text.slice(cut))]);
      }
      case 8: // deep nesting around the limit, in id or arguments, balanced or not
        return Buffer.from(`{"execute":"${pick(commandPool)}","${pick(['id', 'arguments'])}":${nested(1000 + int(100), next() < 0.7)}}`);
      case 9: // duplicate keys, odd ids, extra members
        return Buffer.from(`{"execute":"query-status","execute":"stop","id":${JSON.stringify(value(2))}${next() < 0.5 ? ',"extra":1' : ''}}`);
      case 10: // single-quoted (a QEMU extension) or mixed quoting
        return Buffer.from(pick([`{'execute':'query-status','id':'${int(100)}'}`, `{'execute':"query-version"}`, `{"execute":'no-such'}`, `{'a':'b\\'c"d'}`]));
      default: // rarely: far past the limits (100k levels, or over the 1 MiB request limit)
        if (next() < 0.9) return Buffer.from(command());
        return Buffer.from(next() < 0.5 ? `{"execute":"query-status","id":${nested(100_000, true)}}` : `{"execute":"query-status","id":"${'z'.repeat(1024 * 1024 + int(1000))}"}`);
    }
  };
}

type Reply = Awaited<ReturnType<QmpClient['nextReply']>>;

/** Every reply received so far that matched no request. */
async function drainReplies(client: QmpClient): Promise<Reply[]> {
  const replies: Reply[] = [];
  for (;;) {
    try {
      replies.push(await client.nextReply(1));
    } catch {
      return replies;
    }
  }
}

for (const backend of conformanceBackends) {
  let engine: EngineProcess;
  before(async () => {
    engine = await startEngine({ engine: backend, memoryMib: 32, cdrom: grubRescueCdrom, args: [...engineArguments[backend]], timeoutMs: 120_000 });
  });
  after(async () => {
    await engine?.stop();
  });

  test(`${backend}: QMP resync — garbage, then a control character or 0xFF, then a command answered on the same connection`, { timeout: 120_000 }, async () => {
    const client = await engine.connect();
    try {
      const wedging = ['{"execute":"query-st', '{"execute":"query-status","arguments":{"a":[1,{"b":', '{"id":"x\\', "{'execute", '[[[[[[', 'hello {{{ "unterminated'];
      for (const [index, garbage] of wedging.entries()) {
        for (const resync of [Buffer.from('\x1b'), Buffer.from([0xff])]) {
          client.sendRaw(Buffer.concat([Buffer.from(garbage), resync]));
          const answer = await client.request({ execute: 'query-status', id: `resync-${index}-${resync[0]}` }, 20_000);
          assert.ok(answer.return, `answered after ${garbage} + 0x${resync[0]?.toString(16)}: ${JSON.stringify(answer)}`);
          const errors = await drainReplies(client);
          assert.ok(errors.length >= 1 && errors.every((reply) => reply.error?.class === 'GenericError'), `the aborted input was reported: ${JSON.stringify(errors)}`);
        }
      }
      // The exact sequence from the issue, on one write.
      client.sendRaw('{"execute": "query-status", "arguments": {"x": [1, 2\x1b{"execute":"query-status","id":"issue"}\n');
      assert.ok((await client.request({ execute: 'query-version', id: 'then' }, 20_000)).return);
      const replies = await drainReplies(client);
      assert.ok(replies.find((reply) => reply.id === 'issue')?.return, `the command after the ESC is answered: ${JSON.stringify(replies)}`);
    } finally {
      client.close();
    }
  });

  test(`${backend}: a request nested 100k levels deep in id or arguments gets GenericError and the engine lives`, { timeout: 120_000 }, async () => {
    const client = await engine.connect();
    try {
      const deep = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
      for (const member of ['id', 'arguments']) {
        client.sendRaw(`{"execute":"query-status","${member}":${deep}}\n`);
        const refused = await client.nextReply(30_000);
        assert.deepEqual(refused.error, { class: 'GenericError', desc: 'JSON nesting depth limit exceeded (more than 1024 levels)' });
        assert.equal('id' in refused, false, 'a refused message has no id to echo (as in QEMU)');
        assert.ok(await client.execute('query-status', {}, 30_000), 'the same connection answers');
      }
      // An object nested the same way, and one exactly at the limit (accepted).
      client.sendRaw(`{"execute":"query-status","id":${'{"a":'.repeat(100_000)}1${'}'.repeat(100_000)}}\n`);
      assert.match((await client.nextReply(30_000)).error?.desc ?? '', /JSON nesting depth limit exceeded/);
      const atLimit = await client.request({ execute: 'query-status', id: JSON.parse(`${'['.repeat(1023)}${']'.repeat(1023)}`) as unknown }, 30_000);
      assert.ok(atLimit.return, 'an id 1023 levels deep inside the request (1024 in all) is echoed');
      const fresh = await engine.connect();
      assert.ok(await fresh.execute('query-version'));
      fresh.close();
      assert.equal(engine.child.exitCode, null, 'the engine is still running');
    } finally {
      client.close();
    }
  });

  test(`${backend}: thousands of hostile messages in batches; after each the engine answers on the same and a fresh connection`, { timeout: 180_000 }, async () => {
    const seed = fuzzSeed();
    await withSeed(seed, `${backend} engine socket`, async (where) => {
      const client = await engine.connect();
      try {
        const make = generator(seed);
        const batches = 30;
        const perBatch = 100;
        const separators = [Buffer.from('\n'), Buffer.from(''), Buffer.from(' '), Buffer.from('\r\n')];
        const pickSeparator = random(seed ^ 0x9e3779b9);
        for (let batch = 0; batch < batches; batch++) {
          where(`batch ${batch}`);
          const pieces: Buffer[] = [];
          for (let index = 0; index < perBatch; index++) pieces.push(make(), separators[Math.floor(pickSeparator() * separators.length)] as Buffer);
          // ESC resynchronises whatever the batch left open (QMP spec, "known-good state").
          client.sendRaw(Buffer.concat([...pieces, Buffer.from('\x1b')]));
          const status = await client.request({ execute: 'query-status', id: `batch-${batch}` }, 30_000);
          // QEMU says prelaunch after a system_reset of a paused guest (and the engine now
          // reports QEMU's state after stop and cont); cont starts it like paused.
          assert.ok(['running', 'paused', 'prelaunch'].includes((status.return as { status?: string } | undefined)?.status ?? ''), `status after the batch: ${JSON.stringify(status)}`);
          for (const reply of await drainReplies(client)) {
            assert.ok(('return' in reply) !== ('error' in reply), `a reply has return or error: ${JSON.stringify(reply).slice(0, 300)}`);
            if (reply.error) assert.equal(typeof reply.error.desc, 'string');
          }
          const fresh = await engine.connect();
          try {
            assert.ok(await fresh.execute('query-version', {}, 30_000));
          } finally {
            fresh.close();
          }
        }
        assert.equal(engine.child.exitCode, null, 'the engine is still running');
      } finally {
        client.close();
      }
    });
  });

  test(`${backend}: a connection spewing random bytes does not disturb others and resyncs itself`, { timeout: 120_000 }, async () => {
    const seed = fuzzSeed() ^ 42;
    await withSeed(seed, `${backend} random bytes`, async () => {
      const noisy = await engine.connect({ negotiate: false });
      const next = random(seed);
      for (let chunk = 0; chunk < 50; chunk++) {
        noisy.sendRaw(Buffer.from(Array.from({ length: 1 + Math.floor(next() * 2000) }, () => Math.floor(next() * 256))));
      }
      const other = await engine.connect();
      try {
        const status = (await other.execute('query-status', {}, 30_000)) as { status: string };
        assert.equal(typeof status.status, 'string');
        noisy.sendRaw('\x1b');
        const answer = await noisy.request({ execute: 'qmp_capabilities', id: 'resynced' }, 30_000);
        assert.ok(answer.return ?? answer.error, 'the noisy connection answers again after ESC');
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
  });
}
