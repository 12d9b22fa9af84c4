/**
 * Engine protocol conformance: serial bursts and typed line breaks, where the two engines once
 * differed. A floppy boot sector (fixtures/serial-keys.asm, built with nasm at test time) writes
 * a 64 KiB burst to COM1 when poked, then echoes every key the BIOS delivers to COM1, so the test
 * sees exactly which keys a guest got; it takes at most one key per BIOS timer tick (55 ms), so
 * typing must be paced by what the guest takes. Written against the protocol only.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { SERIAL_BATCH_BYTES } from '../../src/emulator/common/serial-batch.js';
import { planTyping } from '../../src/emulator/common/typing.js';
import type { EngineProcess } from '../support/engine-process.js';
import { startEngine } from '../support/engine-process.js';
import type { QmpClient } from '../support/qmp-client.js';
import { conformanceBackends, engineArguments } from './backends.js';

const BURST_BYTES = 65_536;

/** The bytes of every SERIAL_OUTPUT event since event index `from`, one buffer per event. */
function serialChunks(client: QmpClient, from = 0): Buffer[] {
  return client.events
    .slice(from)
    .filter((event) => event.event === 'SERIAL_OUTPUT')
    .map((event) => Buffer.from((event.data as { data: string }).data, 'base64'));
}

async function poll<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined> | T | undefined): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

for (const backend of conformanceBackends) {
  describe(`engine protocol conformance: ${backend}: serial bursts and typed line breaks`, { timeout: 300_000 }, () => {
    let folder = '';
    let engine: EngineProcess | undefined;
    let client: QmpClient;
    let afterBurst = 0;

    before(async () => {
      folder = mkdtempSync(join(tmpdir(), 'hangar-conformance-serial-'));
      chmodSync(folder, 0o700);
      const image = join(folder, 'serial-keys.img');
      execFileSync('nasm', ['-f', 'bin', '-o', image, fileURLToPath(new URL('fixtures/serial-keys.asm', import.meta.url))], { timeout: 30_000 });
      truncateSync(image, 1_474_560);
      engine = await startEngine({ engine: backend, memoryMib: 16, floppy: image, args: ['--boot', 'floppy', ...engineArguments[backend]] });
      client = engine.client;
    });
    after(async () => {
      await engine?.stop();
      rmSync(folder, { recursive: true, force: true });
    });

    test('a 64 KiB burst arrives complete and in order, in a bounded number of bounded SERIAL_OUTPUT events', async () => {
      const mark = client.events.length;
      // The guest starts the burst on the first byte it reads; poke until it answers.
      await poll('the burst to start', 120_000, async () => {
        if (serialChunks(client, mark).length > 0) return true;
        await client.execute('serial-write', { data: 'go' });
        await new Promise((resolve) => setTimeout(resolve, 400));
        return undefined;
      });
      await poll('the whole burst', 180_000, () => (Buffer.concat(serialChunks(client, mark)).length >= BURST_BYTES ? true : undefined));
      const chunks = serialChunks(client, mark);
      const received = Buffer.concat(chunks);
      assert.equal(received.length, BURST_BYTES, 'nothing more than the burst');
      const wrong = received.findIndex((byte, index) => byte !== ((index & 0xff) ^ (index >> 8)));
      assert.equal(wrong, -1, `byte ${wrong} of the burst is lost, changed or out of order`);
      const largest = Math.max(...chunks.map((chunk) => chunk.length));
      assert.ok(largest <= SERIAL_BATCH_BYTES, `no event carries more than ${SERIAL_BATCH_BYTES} bytes (largest: ${largest}, ${chunks.length} events)`);
      // Batched, not byte by byte: on average at least 64 bytes an event even on a loaded host.
      assert.ok(chunks.length <= BURST_BYTES / 64, `${chunks.length} events for ${BURST_BYTES} bytes`);
      afterBurst = client.events.length;
    });

    test('CR LF, a lone LF and a lone CR each reach the guest as exactly one Enter', async () => {
      assert.ok(afterBurst > 0, 'the burst test ran first');
      const typed = await client.execute('input-type-text', { text: 'ab\r\ncd\ne\rf' });
      assert.deepEqual(typed, { typed: 9, skipped: 0 });
      const echoed = await poll('the typed keys echoed on COM1', 30_000, () => {
        const text = Buffer.concat(serialChunks(client, afterBurst)).toString('latin1');
        return text.endsWith('f') ? text : undefined;
      });
      // Enter's ASCII code is CR: the guest got a, b, Enter, c, d, Enter, e, Enter, f.
      assert.equal(JSON.stringify(echoed), JSON.stringify('ab\rcd\re\rf'));
    });

    test('a line typed with no delay arrives whole at a guest slower than the keys: typing is paced by what the guest takes', async () => {
      const mark = client.events.length;
      const line = 'The Quick Brown Fox, 0123456789 (jumps) over the lazy dog: ABCDEFGHIJ qrstuvwxyz.';
      assert.deepEqual(await client.execute('input-type-text', { text: line, 'delay-ms': 0 }), { typed: line.length, skipped: 0 });
      const echoed = await poll('the line echoed on COM1', 60_000, () => {
        const text = Buffer.concat(serialChunks(client, mark)).toString('latin1');
        return text.endsWith('.') ? text : undefined;
      }).catch(() => Buffer.concat(serialChunks(client, mark)).toString('latin1'));
      assert.equal(echoed, line, 'the guest got every key, in order');
    });

    test('keys sent live (input-send-event, one command per key event, as a display sends them) all arrive at a guest slower than the keys', async () => {
      const mark = client.events.length;
      const line = 'Live keys: 42 of them, Sent Faster than read!';
      // Every key event its own command, all sent at once: the engine, not the sender, must pace them.
      const events = planTyping(line).strokes.flat();
      const replies = await Promise.all(events.map((key) => client.execute('input-send-event', { events: [{ type: 'key', data: { down: key.down, key: { type: 'qcode', data: key.key } } }] })));
      assert.equal(replies.length, events.length);
      const echoed = await poll('the live keys echoed on COM1', 60_000, () => {
        const text = Buffer.concat(serialChunks(client, mark)).toString('latin1');
        return text.endsWith('!') ? text : undefined;
      }).catch(() => Buffer.concat(serialChunks(client, mark)).toString('latin1'));
      assert.equal(echoed, line, 'the guest got every key, in order');
    });
  });
}
