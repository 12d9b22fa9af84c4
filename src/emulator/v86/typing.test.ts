/**
 * Typed text reaches a guest that reads the keyboard through the BIOS (GRUB) intact, even when
 * it is sent with no delay between keys: the engine paces keys by what the guest has taken.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { EngineBackend } from '../backend.js';
import { createV86Backend } from './index.js';
import { RecordingHost, waitFor } from './test-host.js';

const ISO = '/usr/lib/grub-rescue/grub-rescue-cdrom.iso';
let dir: string;
let backend: EngineBackend;

type Handler = (args: unknown) => Promise<unknown>;
async function call<T>(name: string, args: unknown = {}): Promise<T> {
  const handler = (backend.handlers as Record<string, Handler | undefined>)[name];
  assert.ok(handler, `no handler for ${name}`);
  return (await handler(args)) as T;
}
const screenLines = async (): Promise<string[]> => (await call<{ lines: string[] }>('query-screen-text')).lines;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'hangar-v86-typing-'));
  backend = await createV86Backend({ engine: 'v86', memoryMib: 32, cdrom: ISO, runtimeDir: dir }, new RecordingHost());
});
after(async () => {
  await backend?.dispose();
  rmSync(dir, { recursive: true, force: true });
});

test('a long line typed with no delay between keys arrives whole at the GRUB prompt', async () => {
  await waitFor('the GRUB menu', async () => ((await screenLines()).some((line) => line.includes('GNU GRUB')) ? true : undefined), 60_000);
  await call('input-type-text', { text: 'c' });
  await waitFor('the GRUB prompt', async () => ((await screenLines()).some((line) => line.startsWith('grub>')) ? true : undefined), 30_000);
  // Longer than the BIOS's 15-key buffer many times over, with mixed shifted characters.
  const line = 'echo The Quick Brown Fox, 0123456789 (jumps) over the lazy dog: ABCDEFGHIJKLMNOP qrstuvwxyz';
  const typed = await call<{ typed: number; skipped: number }>('input-type-text', { text: line, 'delay-ms': 0 });
  assert.deepEqual(typed, { typed: line.length, skipped: 0 });
  const shown = await waitFor(
    'the whole line on screen',
    async () => {
      const text = (await screenLines()).join('');
      return text.includes('lazy dog: ABCDEFGHIJKLMNOP qrstuvwxyz') ? text : undefined;
    },
    15_000,
  ).catch(async () => (await screenLines()).join('\n'));
  assert.ok(shown.replace(/\s+/g, ' ').includes(`grub> ${line}`.replace(/\s+/g, ' ')), `GRUB shows every key:\n${shown}`);
});
