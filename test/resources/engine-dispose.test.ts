/**
 * An engine backend owns everything it starts: once `dispose()` has resolved, the process holds
 * nothing of it — no timer, socket, child or worker — so `hangar engine` and the engine process
 * end on their own (issue 13, item 3: no process.exit as a workaround). Real backends, in this
 * process, with a running GRUB guest.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { createQemuBackend } from '../../src/emulator/qemu/index.js';
import { createV86Backend } from '../../src/emulator/v86/index.js';
import { RecordingHost, waitFor } from '../../src/emulator/v86/test-host.js';
import { leftOpen } from '../support/leak-check.js';

const cdrom = '/usr/lib/grub-rescue/grub-rescue-cdrom.iso';
const dir = mkdtempSync(join(tmpdir(), 'hangar-dispose-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** What this process holds beyond its start, once whatever is closing has had `ms` to go. */
async function heldAfter(ms: number): Promise<string[]> {
  const deadline = Date.now() + ms;
  while (leftOpen().length > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
  return leftOpen();
}

test('v86: disposing a running backend leaves nothing holding the process (within 1 s)', { timeout: 180_000 }, async () => {
  const host = new RecordingHost();
  const backend = await createV86Backend({ engine: 'v86', memoryMib: 32, cdrom, runtimeDir: dir }, host);
  try {
    const screen = backend.handlers['query-screen-text'] as unknown as () => { lines: string[] };
    await waitFor('the GRUB menu', () => (screen().lines.join('\n').includes('GNU GRUB') ? true : undefined), 120_000);
  } finally {
    await backend.dispose();
  }
  assert.deepEqual(await heldAfter(1000), [], 'what the disposed backend still holds');
});

test('qemu: disposing a running backend leaves nothing holding the process (within 1 s)', { timeout: 180_000 }, async () => {
  const host = new RecordingHost();
  const runtimeDir = mkdtempSync(join(dir, 'qemu-'));
  const backend = await createQemuBackend({ engine: 'qemu', memoryMib: 64, cdrom, runtimeDir, options: { accelerator: 'tcg' } }, host);
  try {
    const screen = backend.handlers['query-screen-text'] as unknown as () => Promise<{ lines: string[] }>;
    await waitFor('the GRUB menu', async () => ((await screen()).lines.join('\n').includes('GNU GRUB') ? true : undefined), 120_000);
  } finally {
    await backend.dispose();
  }
  assert.deepEqual(await heldAfter(1000), [], 'what the disposed backend still holds');
});
