/**
 * Media added on their own (not through a watched folder) are watched too: deleting the file on
 * disk marks it missing within 5 s, for files added in this session and for files registered
 * before the library was opened.
 */
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { Library } from './library.js';

const grubIso = '/usr/lib/grub-rescue/grub-rescue-cdrom.iso';
const grubFloppy = '/usr/lib/grub-rescue/grub-rescue-floppy.img';
const home = mkdtempSync(join(tmpdir(), 'hangar-single-watch-'));
const elsewhere = mkdtempSync(join(tmpdir(), 'hangar-elsewhere-'));
after(() => {
  rmSync(home, { recursive: true, force: true });
  rmSync(elsewhere, { recursive: true, force: true });
});

/** Milliseconds until `probe` holds, failing after `timeoutMs`. */
async function within(timeoutMs: number, what: string, probe: () => boolean): Promise<number> {
  const started = Date.now();
  while (!probe()) {
    if (Date.now() - started > timeoutMs) throw new Error(`${what} did not happen within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return Date.now() - started;
}

test('a media file added on its own and then deleted on disk shows as missing within 5 s', async () => {
  const iso = join(elsewhere, 'added.iso');
  const floppy = join(elsewhere, 'before-open.img');
  copyFileSync(grubIso, iso);
  copyFileSync(grubFloppy, floppy);
  // Registered before the library (and its watcher) opens: watched from the start.
  const first = await Library.open(home, { watchStabilityMs: 200 });
  first.media.add(floppy);
  await first.close();

  const library = await Library.open(home, { watchStabilityMs: 200 });
  try {
    const added = library.media.add(iso);
    assert.equal(added.folderId, null, 'added on its own');
    assert.equal(added.present, true);
    rmSync(iso);
    await within(5_000, 'the deleted ISO to be marked missing', () => library.media.get(added.id).present === false);

    const earlier = library.media.findByPath(floppy);
    assert.ok(earlier?.present);
    rmSync(floppy);
    await within(5_000, 'the deleted floppy registered before open to be marked missing', () => library.media.get(earlier.id).present === false);
  } finally {
    await library.close();
  }
});
