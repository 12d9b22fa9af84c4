/**
 * Hostile input against the control socket of a real core (HangarCore opened in-process on a
 * library in a temporary folder, serving `<library>/control.sock` as `hangar gui`, `web` and
 * `start --headless` do): a few thousand random, truncated, oversized, deeply nested,
 * control-character and invalid-UTF-8 lines in batches. Every answer is a well-formed
 * `{id, result: {ok, …}}` (or an event), and after each batch the core answers on the same
 * connection and on a fresh one. The seed is fixed (printed on failure); HANGAR_FUZZ_SEED=<n>
 * replays or varies it.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ControlClient } from '../../src/main/control/control-client.js';
import { HangarCore } from '../../src/main/core/hangar-core.js';
import { fuzzSeed, random, withSeed } from './fuzz-random.js';

/** Calls that cannot start machines or touch files outside the library, plus names that do not exist. */
const callPool = ['machines.list', 'machines.get', 'settings.get', 'settings.set', 'media.list', 'folders.list', 'snapshots.list', 'vm.status', 'vm.pause', 'vm.eject', 'no.such', '', 'MACHINES.LIST', 'machines'];
const controlBytes = [0x00, 0x01, 0x04, 0x07, 0x08, 0x0b, 0x0c, 0x1b, 0x1f];

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
      case 4: return pick(['', 'k', 'name', 'id', '\u0000', '😀', '../../etc/passwd', '\u202e', 'x'.repeat(int(300))]);
      case 5: return Array.from({ length: int(4) }, () => value(depth + 1));
      default: return Object.fromEntries(Array.from({ length: int(4) }, () => [pick(['key', 'value', 'id', 'name', 'machine', 'drive', 'x']), value(depth + 1)]));
    }
  };
  const call = (): string => JSON.stringify({ id: next() < 0.8 ? int(100_000) : value(1), call: pick(callPool), args: value(0) });
  const insert = (text: string, bytes: number[]): Buffer => {
    const cut = int(text.length);
    return Buffer.concat([Buffer.from(text.slice(0, cut)), Buffer.from(bytes), Buffer.from(text.slice(cut))]);
  };
  const nested = (depth: number): string => `${'['.repeat(depth)}${']'.repeat(depth)}`;
  const garbageChars = 'abcdefghijklmnopqrstuvwxyz0123456789 ,:{}[]"\'\\\t\u00e9\u20ac%@#-.';
  return (): Buffer => {
    switch (int(10)) {
      case 0:
        return Buffer.from(Array.from({ length: 1 + int(60) }, () => pick([...garbageChars])).join(''));
      case 1:
        return Buffer.from(JSON.stringify(pick([[1, 2], [[]], 'machines.list', 42, null, true])));
      case 2: // members missing or of the wrong type
        return Buffer.from(JSON.stringify({ ...(next() < 0.5 ? { id: value(1) } : {}), ...(next() < 0.5 ? { call: value(1) } : {}), ...(next() < 0.5 ? { args: value(0) } : {}) }));
      case 3:
        return Buffer.from(call());
      case 4: { // truncated
        const text = call();
        return Buffer.from(text.slice(0, 1 + int(text.length - 1)));
      }
      case 5:
        return insert(call(), [pick(controlBytes)]);
      case 6:
        return insert(call(), pick([[0xff], [0xfe], [0xc3, 0x28], [0x80], [0xed, 0xa0, 0x80]]));
      case 7: // nesting around the limit in args or call
        return Buffer.from(`{"id":${int(1000)},"${pick(['args', 'call'])}":${nested(1000 + int(100))}${next() < 0.5 ? ',"call":"settings.get"' : ''}}`);
      case 8: // random bytes
        return Buffer.from(Array.from({ length: 1 + int(200) }, () => int(256)));
      default: // rarely far past the limits: 100k levels, or a line over 8 MiB
        if (next() < 0.97) return Buffer.from(call());
        return Buffer.from(next() < 0.7 ? `{"id":1,"call":"settings.get","args":${nested(100_000)}}` : `{"id":1,"call":"settings.get","args":{"key":"${'z'.repeat((8 << 20) + int(1000))}"}}`);
    }
  };
}

/** A raw connection collecting every message the server sends. */
function rawClient(path: string): Promise<{ socket: Socket; received: Record<string, unknown>[]; waitFor: (id: string) => Promise<Record<string, unknown>> }> {
  return new Promise((resolve, reject) => {
    const socket = connect(path);
    const received: Record<string, unknown>[] = [];
    let buffer = '';
    socket.setEncoding('utf8').on('data', (text: string) => {
      buffer += text;
      let newline: number;
      while ((newline = buffer.indexOf('\n')) >= 0) {
        received.push(JSON.parse(buffer.slice(0, newline)) as Record<string, unknown>);
        buffer = buffer.slice(newline + 1);
      }
    });
    const waitFor = async (id: string): Promise<Record<string, unknown>> => {
      const deadline = Date.now() + 30_000;
      for (;;) {
        const found = received.find((message) => message.id === id);
        if (found) return found;
        if (socket.destroyed) throw new Error(`the connection closed while waiting for ${id}`);
        if (Date.now() > deadline) throw new Error(`no answer ${id} within 30 s; last messages: ${JSON.stringify(received.slice(-3)).slice(0, 500)}`);
        await new Promise((r) => setTimeout(r, 10));
      }
    };
    socket.once('connect', () => resolve({ socket, received, waitFor }));
    socket.once('error', reject);
  });
}

test('control socket: thousands of hostile lines in batches; after each the core answers on the same and a fresh connection', { timeout: 180_000 }, async () => {
  const folder = mkdtempSync(join(tmpdir(), 'hangar-control-fuzz-'));
  const core = await HangarCore.open({ folder });
  try {
    const path = core.controlSocket;
    assert.ok(path, 'the core serves a control socket');
    const seed = fuzzSeed();
    await withSeed(seed, 'control socket', async (where) => {
      const { socket, received, waitFor } = await rawClient(path);
      try {
        const make = generator(seed);
        const separators = ['\n', '\n', '\r\n', ' '];
        const pickSeparator = random(seed ^ 0x85ebca6b);
        for (let batch = 0; batch < 30; batch++) {
          where(`batch ${batch}`);
          const pieces: Buffer[] = [];
          for (let index = 0; index < 100; index++) pieces.push(make(), Buffer.from(separators[Math.floor(pickSeparator() * separators.length)] as string));
          const sentinel = `batch-${batch}`;
          // The line feed ends whatever the batch left open (line mode).
          socket.write(Buffer.concat([...pieces, Buffer.from(`\n${JSON.stringify({ id: sentinel, call: 'settings.get', args: { key: 'fuzz' } })}\n`)]));
          assert.deepEqual((await waitFor(sentinel)).result, { ok: true, value: { key: 'fuzz', value: null } });
          for (const message of received.splice(0)) {
            if ('event' in message) continue;
            const result = message.result as { ok?: unknown; error?: { class?: unknown; desc?: unknown } } | undefined;
            assert.ok(result && typeof result.ok === 'boolean', `a well-formed answer: ${JSON.stringify(message).slice(0, 300)}`);
            if (!result.ok) assert.ok(typeof result.error?.class === 'string' && typeof result.error.desc === 'string', `a well-formed error: ${JSON.stringify(message).slice(0, 300)}`);
          }
          const fresh = await ControlClient.connect(path);
          assert.ok(fresh, 'the control socket accepts a fresh connection');
          try {
            assert.equal((await fresh.call('machines.list', {}, 30_000)).ok, true);
          } finally {
            fresh.close();
          }
        }
      } finally {
        socket.destroy();
      }
    });
  } finally {
    await core.close();
    rmSync(folder, { recursive: true, force: true });
  }
});
