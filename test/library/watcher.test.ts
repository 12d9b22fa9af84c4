// The media watcher on real folders: files copied in, renamed and deleted show up within seconds;
// missing media stays registered and referenced.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Library, type LibraryChange, type Media } from '../../src/library/index.js';

const grubIso = '/usr/lib/grub-rescue/grub-rescue-cdrom.iso';

async function waitFor<T>(what: string, probe: () => T | undefined | false, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('media watcher', () => {
  let folder: string;
  let downloads: string;
  let library: Library;
  const changes: LibraryChange[] = [];

  before(async () => {
    folder = mkdtempSync(join(tmpdir(), 'hangar-watch-'));
    downloads = mkdtempSync(join(tmpdir(), 'hangar-downloads-'));
    copyFileSync(grubIso, join(downloads, 'already-here.iso'));
    library = await Library.open(folder, { watchStabilityMs: 200 });
    library.on('change', (change) => changes.push(change));
  });
  after(async () => {
    await library.close();
    rmSync(folder, { recursive: true, force: true });
    rmSync(downloads, { recursive: true, force: true });
  });

  it('watches the library media folder by default', () => {
    const folders = library.media.folders();
    assert.equal(folders.length, 1);
    assert.equal(folders[0]?.path, join(folder, 'media'));
    assert.equal(folders[0]?.isDefault, true);
    assert.throws(() => library.media.removeFolder(folders[0]?.id ?? ''), /always watched/);
  });

  it('sees a file copied in, with kind, size, label and detected OS', async () => {
    const path = join(folder, 'media', 'rescue.iso');
    const started = Date.now();
    copyFileSync(grubIso, path);
    const media = await waitFor('the copied ISO', () => library.media.findByPath(path));
    assert.ok(Date.now() - started < 10_000);
    assert.equal(media.kind, 'iso');
    assert.equal(media.present, true);
    assert.equal(media.volumeLabel, 'ISOIMAGE');
    assert.equal(media.osId, 'grub');
    assert.equal(media.osName, 'GRUB rescue');
    assert.equal(media.folderId, library.media.folders()[0]?.id);
    assert.ok(changes.some((change) => change.entity === 'media' && change.action === 'added' && change.id === media.id));
  });

  it('ignores files that are not media', async () => {
    writeFileSync(join(folder, 'media', 'notes.txt'), 'hello');
    const floppy = join(folder, 'media', 'disk.img');
    writeFileSync(floppy, Buffer.alloc(1474560));
    await waitFor('the floppy', () => library.media.findByPath(floppy));
    assert.equal(library.media.findByPath(join(folder, 'media', 'notes.txt')), undefined);
    assert.equal(library.media.findByPath(floppy)?.kind, 'floppy');
  });

  it('keeps the row (and references to it) when a file is renamed', async () => {
    const from = join(folder, 'media', 'rescue.iso');
    const to = join(folder, 'media', 'renamed.iso');
    const before = library.media.findByPath(from) as Media;
    const machine = library.machines.create({ name: 'Uses rescue', osId: 'grub', engine: 'v86' });
    library.machines.setDrive(machine.id, 'cd0', before.id);
    renameSync(from, to);
    const after = await waitFor('the renamed ISO', () => {
      const found = library.media.findByPath(to);
      return found?.present ? found : undefined;
    });
    assert.equal(after.id, before.id, 'same media row after rename');
    assert.equal(library.media.findByPath(from), undefined);
    assert.equal(library.machines.get(machine.id).drives.cd0, before.id);
  });

  it('marks deleted media missing; drives keep the reference', async () => {
    const path = join(folder, 'media', 'renamed.iso');
    const media = library.media.findByPath(path) as Media;
    rmSync(path);
    await waitFor('the ISO to show as missing', () => library.media.get(media.id).present === false);
    const machine = library.machines.findByName('Uses rescue');
    assert.equal(machine?.drives.cd0, media.id);
    // It comes back when the file does.
    copyFileSync(grubIso, path);
    await waitFor('the ISO to be present again', () => library.media.get(media.id).present);
  });

  it('watches user-added folders, including files already there', async () => {
    const watched = await library.addWatchedFolder(downloads);
    assert.equal(watched.isDefault, false);
    const existing = await waitFor('the pre-existing ISO', () => library.media.findByPath(join(downloads, 'already-here.iso')));
    assert.equal(existing.folderId, watched.id);
    const added = join(downloads, 'new.iso');
    copyFileSync(grubIso, added);
    await waitFor('the new download', () => library.media.findByPath(added));
    await library.removeWatchedFolder(watched.id);
    rmSync(added);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    assert.equal(library.media.findByPath(added)?.present, true, 'an unwatched folder is no longer followed');
    assert.equal(library.media.refreshPresence().length, 1, 'an explicit refresh notices the missing file');
  });

  it('reconcile at open marks media that vanished while closed, never drops it', async () => {
    const path = join(folder, 'media', 'renamed.iso');
    const id = library.media.findByPath(path)?.id;
    await library.close();
    rmSync(path);
    library = await Library.open(folder, { watchStabilityMs: 200 });
    const checked = await library.mediaChecked;
    assert.ok(checked.some((issue) => issue.kind === 'media-presence-changed' && issue.id === id));
    assert.ok(library.reconcileReport.issues.some((issue) => issue.kind === 'media-presence-changed' && issue.id === id));
    assert.equal(library.media.findByPath(path)?.present, false);
  });
});
