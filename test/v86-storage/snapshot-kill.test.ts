/**
 * SIGKILL in the middle of snapshot-save, repeatedly: no file that looks complete is left
 * half-written (every *.hsnap reads back with valid checksums), and earlier snapshots still load.
 */
import assert from 'node:assert/strict';
import { spawnOwned } from '../../src/node/owned-child.js';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { PARTIAL_SUFFIX } from '../../src/emulator/snapshot/atomic.js';
import { SNAPSHOT_EXTENSION, readSnapshotHeader, readSnapshotSection } from '../../src/emulator/snapshot/format.js';
import { startMachine } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'hangar-v86-kill-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const child = fileURLToPath(new URL('./snapshot-writer.ts', import.meta.url));

/**
 * Runs the writer and kills it with SIGKILL `delayMs` after its `saves`-th `marker` line
 * ("saving": somewhere in a save; "committing": file written, not yet renamed).
 */
async function killDuringSave(n: number, marker: 'saving' | 'committing', saves: number, delayMs: number): Promise<void> {
  const args = ['--import', 'tsx', child, dir, String(n), marker === 'committing' ? 'commit' : ''];
  const process_ = spawnOwned(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  process_.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<NodeJS.Signals | null>((resolve) => process_.on('exit', (_code, signal) => resolve(signal)));
  try {
    await new Promise<void>((resolve, reject) => {
      let seen = 0;
      let buffered = '';
      const timer = setTimeout(() => reject(new Error(`the writer did not reach save ${saves} in 120 s: ${stderr}`)), 120_000);
      process_.stdout?.on('data', (chunk: Buffer) => {
        buffered += chunk.toString();
        const lines = buffered.split('\n');
        buffered = lines.pop() ?? '';
        for (const line of lines) {
          if (line === marker && ++seen === saves) {
            clearTimeout(timer);
            setTimeout(() => {
              process_.kill('SIGKILL');
              resolve();
            }, delayMs);
          }
        }
      });
      void exited.then(() => reject(new Error(`the writer exited early: ${stderr}`)));
    });
    assert.equal(await exited, 'SIGKILL');
  } finally {
    process_.kill('SIGKILL');
  }
}

function checkEverySnapshotFile(folder: string): { complete: string[]; partial: string[] } {
  const names = readdirSync(folder);
  const complete = names.filter((name) => name.endsWith(SNAPSHOT_EXTENSION));
  for (const name of complete) {
    const path = join(folder, name);
    const { header } = readSnapshotHeader(path); // throws on a half-written file
    for (const section of header.sections) readSnapshotSection(path, header, section.name); // checksums
  }
  return { complete, partial: names.filter((name) => name.endsWith(PARTIAL_SUFFIX)) };
}

test('SIGKILL during snapshot-save never leaves a complete-looking broken file; earlier snapshots load', { timeout: 600_000 }, async () => {
  const runs = [
    { marker: 'committing', delay: 50 },
    { marker: 'saving', delay: 5 },
    { marker: 'committing', delay: 200 },
    { marker: 'saving', delay: 40 },
  ] as const;
  let partialSeen = 0;
  for (let n = 0; n < runs.length; n++) {
    const run = runs[n];
    if (!run) continue;
    await killDuringSave(n, run.marker, 1 + (n % 2), run.delay);
    const { complete, partial } = checkEverySnapshotFile(join(dir, 'snapshots'));
    partialSeen += partial.length;
    assert.ok(complete.length >= n + 1, `keep-0..keep-${n} are complete (${complete.join(', ')})`);
  }
  const vm = await startMachine({ memoryMib: 128, cdrom: '/usr/lib/grub-rescue/grub-rescue-cdrom.iso', runtimeDir: dir, stateDir: dir, paused: true });
  try {
    // The engine cleared what killed writers left behind.
    assert.deepEqual(readdirSync(join(dir, 'snapshots')).filter((name) => name.endsWith(PARTIAL_SUFFIX)), []);
    const tags = (await vm.call<{ tag: string }[]>('query-snapshots')).map((entry) => entry.tag);
    for (let n = 0; n < runs.length; n++) assert.ok(tags.includes(`keep-${n}`), `keep-${n} listed`);
    const job = await vm.runJob('snapshot-load', 'keep-0');
    assert.equal(job.error, undefined);
    await vm.call('cont');
    await vm.waitForText('the GRUB menu from keep-0', (text) => text.includes('GNU GRUB'), 20_000);
  } finally {
    await vm.dispose();
  }
  assert.ok(partialSeen >= 2, `kills landed between writing and renaming (${partialSeen} partial files seen)`);
});
