/**
 * Pointer input through the v86 backend, checked by a real guest: a boot sector (assembled with
 * nasm at test time) that turns on the PS/2 mouse via the BIOS and prints what each packet says.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import type { EngineBackend } from '../backend.js';
import { createV86Backend } from './index.js';
import { RecordingHost, waitFor } from './test-host.js';

let dir: string;
let backend: EngineBackend;

type Handler = (args: unknown) => Promise<unknown>;
const call = async (name: string, args: unknown = {}): Promise<unknown> =>
  (backend.handlers as Record<string, Handler>)[name]?.(args);
const lines = async (): Promise<string[]> => ((await call('query-screen-text')) as { lines: string[] }).lines;
/** The packets the guest printed so far, as "xyb" triples. */
const packets = async (): Promise<string[]> => ((await lines())[1] ?? '').split(' ').filter((packet) => packet.length === 3);

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'hangar-v86-mouse-'));
  const image = join(dir, 'mouse.img');
  execFileSync('nasm', ['-f', 'bin', '-o', image, fileURLToPath(new URL('fixtures/ps2-mouse.asm', import.meta.url))]);
  truncateSync(image, 1474560);
  backend = await createV86Backend({ engine: 'v86', memoryMib: 32, floppy: image, bootOrder: ['floppy'], runtimeDir: dir }, new RecordingHost());
  await waitFor('the guest to enable the mouse', async () => {
    const first = (await lines())[0];
    assert.notEqual(first, 'F', 'the BIOS refused to enable the PS/2 mouse');
    return first === 'R' ? true : undefined;
  });
});

after(async () => {
  await backend?.dispose();
  rmSync(dir, { recursive: true, force: true });
});

async function sendAndRead(events: unknown[]): Promise<string> {
  const count = (await packets()).length;
  await call('input-send-event', { events });
  const now = await waitFor('a mouse packet', async () => {
    const seen = await packets();
    return seen.length > count ? seen : undefined;
  }, 10_000);
  return now[count] ?? '';
}

test('relative motion reaches the PS/2 mouse with QMP signs (y grows downwards)', async () => {
  assert.equal(await sendAndRead([{ type: 'rel', data: { axis: 'y', value: 10 } }]), '0D-');
  assert.equal(
    await sendAndRead([
      { type: 'rel', data: { axis: 'x', value: -10 } },
      { type: 'rel', data: { axis: 'y', value: -5 } },
    ]),
    'LU-',
  );
  assert.equal(await sendAndRead([{ type: 'rel', data: { axis: 'x', value: 7 } }]), 'R0-');
});

test('buttons press and release', async () => {
  assert.equal(await sendAndRead([{ type: 'btn', data: { down: true, button: 'left' } }]), '00B');
  assert.equal(await sendAndRead([{ type: 'btn', data: { down: false, button: 'left' } }]), '00-');
});
