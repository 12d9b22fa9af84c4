/**
 * Engine protocol conformance: what a CD or floppy image must be, at launch and when inserted
 * (src/emulator/common/medium.ts). Both engines refuse the same images with the same words; a
 * CD image never becomes a writable floppy. Written against the protocol only.
 */
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { EngineProcess } from '../support/engine-process.js';
import { startEngine } from '../support/engine-process.js';
import { QmpCommandError } from '../support/qmp-client.js';
import { conformanceBackends, engineArguments, grubRescueCdrom } from './backends.js';

const grubRescueFloppy = '/usr/lib/grub-rescue/grub-rescue-floppy.img';

for (const backend of conformanceBackends) {
  describe(`engine protocol conformance: ${backend}: medium checks`, { timeout: 180_000 }, () => {
    let folder = '';
    let engine: EngineProcess | undefined;

    before(() => {
      folder = mkdtempSync(join(tmpdir(), 'hangar-conformance-media-'));
    });
    after(async () => {
      await engine?.stop();
      rmSync(folder, { recursive: true, force: true });
    });

    test('an engine refuses to launch with a CD image in the floppy drive', async () => {
      let launched: EngineProcess;
      try {
        launched = await startEngine({ engine: backend, memoryMib: 16, floppy: grubRescueCdrom, args: [...engineArguments[backend]] });
      } catch (error) {
        assert.match(String(error), /grub-rescue-cdrom\.iso is a CD\/DVD image \(\.iso\), not a floppy image; insert it into cd0/);
        return;
      }
      await launched.stop();
      assert.fail('the engine launched with a CD image in its floppy drive');
    });

    test('blockdev-change-medium refuses missing, folder, empty and wrong-kind images alike', async () => {
      engine = await startEngine({ engine: backend, memoryMib: 16, floppy: grubRescueFloppy, args: ['--boot', 'floppy', ...engineArguments[backend]] });
      const empty = join(folder, 'empty.img');
      writeFileSync(empty, '');
      const dos = join(folder, 'dos.ima');
      writeFileSync(dos, Buffer.alloc(1_474_560));
      const small = join(folder, 'small.iso');
      copyFileSync(grubRescueFloppy, small);
      const directory = join(folder, 'folder.img');
      mkdirSync(directory);
      const refusals: [string, string, RegExp][] = [
        ['cd0', join(folder, 'missing.iso'), /^The CD\/DVD image \S+missing\.iso does not exist: check the path\.$/],
        ['fd0', directory, /^\S+folder\.img is a directory, not a floppy image: choose an image file\.$/],
        ['fd0', empty, /^The floppy image \S+empty\.img is empty \(0 bytes\)\.$/],
        ['fd0', small, /small\.iso is a CD\/DVD image \(\.iso\), not a floppy image; insert it into cd0\.$/],
        ['cd0', dos, /dos\.ima is a floppy image, not a CD\/DVD image; insert it into fd0\.$/],
      ];
      for (const [id, filename, message] of refusals) {
        await assert.rejects(
          engine.client.execute('blockdev-change-medium', { id, filename }),
          (error: unknown) => error instanceof QmpCommandError && error.errorClass === 'GenericError' && message.test(error.desc),
          `${filename} into ${id}`,
        );
      }
      await engine.client.execute('blockdev-change-medium', { id: 'cd0', filename: grubRescueCdrom });
      const blocks = (await engine.client.execute('query-block')) as { qdev: string; inserted?: { file: string } }[];
      assert.equal(blocks.find((block) => block.qdev === 'cd0')?.inserted?.file, grubRescueCdrom);
    });
  });
}
