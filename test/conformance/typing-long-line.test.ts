/**
 * Engine protocol conformance: paste-as-typing of a long line (issue 16 item 2). A line of more
 * than 200 characters holding every printable ASCII character is typed (`input-type-text`, the
 * app's default pacing, and with no delay at all) into a guest that reads the keyboard
 * controller itself, slower than the keys come (fixtures/slow-keyboard.asm, built with nasm at
 * test time: BIOS keyboard interrupt masked, one byte per 10 ms tick, every byte echoed to
 * COM1). The BIOS buffer says nothing there; only pacing by what the guest took from the
 * keyboard controller gets every key through the emulator's small PS/2 queue. The echoed scan
 * codes must be exactly those of the typed line, on both engines. Written against the protocol only.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { planTyping } from '../../src/emulator/common/typing.js';
import { qkeycodeBytes } from '../../src/shared/input/qkeycode.js';
import type { EngineProcess } from '../support/engine-process.js';
import { startEngine } from '../support/engine-process.js';
import type { QmpClient } from '../support/qmp-client.js';
import { conformanceBackends, engineArguments } from './backends.js';

/** Every printable ASCII character, forwards then backwards, then a tail: 209 characters. */
const printable = Array.from({ length: 95 }, (_, index) => String.fromCharCode(32 + index)).join('');
const longLine = `${printable}${[...printable].reverse().join('')}|end of the line!!!!`.trim();

/** The set-1 scan code bytes a guest gets for `text` (both engines' keyboard controllers translate to set 1). */
function scanCodes(text: string): number[] {
  return planTyping(text).strokes.flatMap((stroke) => stroke.flatMap((key) => qkeycodeBytes(key.key, key.down) ?? []));
}

/** The bytes on COM1 since event index `from`. */
function serialBytes(client: QmpClient, from: number): Buffer {
  return Buffer.concat(
    client.events
      .slice(from)
      .filter((event) => event.event === 'SERIAL_OUTPUT')
      .map((event) => Buffer.from((event.data as { data: string }).data, 'base64')),
  );
}

async function poll<T>(what: string, timeoutMs: number, probe: () => T | undefined): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

for (const backend of conformanceBackends) {
  describe(`engine protocol conformance: ${backend}: a long typed line reaches a slow guest intact`, { timeout: 300_000 }, () => {
    let folder = '';
    let engine: EngineProcess | undefined;
    let client: QmpClient;

    before(async () => {
      folder = mkdtempSync(join(tmpdir(), 'hangar-conformance-typing-'));
      chmodSync(folder, 0o700);
      const image = join(folder, 'slow-keyboard.img');
      execFileSync('nasm', ['-f', 'bin', '-o', image, fileURLToPath(new URL('fixtures/slow-keyboard.asm', import.meta.url))], { timeout: 30_000 });
      truncateSync(image, 1_474_560);
      engine = await startEngine({ engine: backend, memoryMib: 16, floppy: image, args: ['--boot', 'floppy', ...engineArguments[backend]] });
      client = engine.client;
      await poll('the guest to start reading keys', 120_000, () => (serialBytes(client, 0).includes('K') ? true : undefined));
    });
    after(async () => {
      await engine?.stop();
      rmSync(folder, { recursive: true, force: true });
    });

    for (const delay of [undefined, 0]) {
      test(`${longLine.length} characters with every printable ASCII character (${delay === undefined ? 'default pacing' : 'no delay'})`, async () => {
        assert.ok(longLine.length >= 200);
        for (let code = 33; code < 127; code++) assert.ok(longLine.includes(String.fromCharCode(code)), `the line holds ${String.fromCharCode(code)}`);
        const expected = scanCodes(longLine);
        const mark = client.events.length;
        const typed = await client.execute('input-type-text', { text: longLine, ...(delay === undefined ? {} : { 'delay-ms': delay }) });
        assert.deepEqual(typed, { typed: longLine.length, skipped: 0 });
        // The guest takes a byte every 10 ms; whatever it has not taken when typing returns is in flight.
        const got = await poll('every scan code echoed', 60_000, () => {
          const bytes = serialBytes(client, mark);
          return bytes.length >= expected.length ? bytes : undefined;
        }).catch(() => serialBytes(client, mark));
        const first = [...got].findIndex((byte, index) => byte !== expected[index]);
        assert.ok(
          got.length === expected.length && first === -1,
          `the guest got ${got.length} of ${expected.length} scan code bytes; the first wrong one is at ${first} (expected ${expected.slice(Math.max(0, first - 4), first + 8).map((b) => b.toString(16))}, got ${[...got.subarray(Math.max(0, first - 4), first + 8)].map((b) => b.toString(16))})`,
        );
      });
    }
  });
}
