/**
 * Runtime media the guest can read (issue 16 item 3), through the engine protocol on real
 * engines: GRUB booted from the rescue CD, a second ISO (made here with xorriso, with a known
 * file) swapped into cd0 and a floppy (made with mtools) inserted into the empty fd0; GRUB's
 * `ls (cd)/` and `ls (fd0)/` list the new files without a reboot.
 *
 * Before the fix QEMU failed both: its CD kept answering every read with UNIT ATTENTION (SeaBIOS
 * never sends REQUEST SENSE, so GRUB said "unknown filesystem" until a power cycle), and an fd0
 * empty at launch was a 2.88 MB drive whose geometry made a 1.44 MB floppy unreadable past its
 * first track. On v86 GRUB hung on the small disc: a read past its end (GRUB's UDF probe at
 * sector 256) left the drive busy forever instead of failing.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { engineArguments, grubRescueCdrom } from '../conformance/backends.js';
import type { EngineProcess } from '../support/engine-process.js';
import { startEngine } from '../support/engine-process.js';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** An ISO9660 image holding one file, `name`. */
function makeIso(folder: string, name: string): string {
  const tree = join(folder, 'iso-tree');
  mkdirSync(tree);
  writeFileSync(join(tree, name), 'swapped in while the guest ran\n');
  const iso = join(folder, 'swap.iso');
  execFileSync('xorriso', ['-as', 'mkisofs', '-quiet', '-V', 'HANGARSWAP', '-o', iso, tree], { stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000 });
  return iso;
}

/** A 1.44 MB FAT floppy image holding one file, `name` (8.3). */
function makeFloppy(folder: string, name: string): string {
  const image = join(folder, 'swap.img');
  const file = join(folder, 'floppy-file.txt');
  writeFileSync(file, 'on the floppy\n');
  execFileSync('mformat', ['-C', '-f', '1440', '-i', image, '::'], { stdio: ['ignore', 'pipe', 'pipe'], timeout: 30_000 });
  execFileSync('mcopy', ['-i', image, file, `::${name}`], { stdio: ['ignore', 'pipe', 'pipe'], timeout: 30_000 });
  return image;
}

for (const backend of ['qemu', 'v86'] as const) {
  describe(`runtime media on ${backend}: GRUB reads a disc and a floppy inserted while it runs`, { timeout: 420_000 }, () => {
    let folder = '';
    let engine: EngineProcess | undefined;
    let marker = 0;

    const call = async (name: string, args: Record<string, unknown> = {}): Promise<unknown> => {
      assert.ok(engine, 'the engine runs');
      return engine.client.execute(name, args, 60_000);
    };
    const screen = async (): Promise<string[]> => ((await call('query-screen-text')) as { lines: string[] }).lines;

    /**
     * Runs `command` at the GRUB prompt followed by `echo` of a fresh marker, and answers the
     * lines it printed (between the command line and the marker). A lost key (a loaded machine)
     * shows as no marker: the line is cleared and typed again.
     */
    const grub = async (command: string): Promise<string> => {
      for (let attempt = 0; attempt < 3; attempt++) {
        const mark = `MARK${++marker}`;
        await call('input-type-text', { text: `${command}; echo ${mark}\n`, 'delay-ms': 30 });
        const deadline = Date.now() + 90_000;
        while (Date.now() < deadline) {
          const lines = await screen();
          const end = lines.findIndex((line) => line.trim() === mark);
          if (end >= 0) {
            const start = lines.findLastIndex((line, index) => index < end && line.includes(`echo ${mark}`));
            return lines.slice(start + 1, end).join('\n').trim();
          }
          await sleep(300);
        }
        await call('send-key', { keys: [{ type: 'qcode', data: 'ctrl' }, { type: 'qcode', data: 'u' }] });
        await call('send-key', { keys: [{ type: 'qcode', data: 'ret' }] });
      }
      throw new Error(`GRUB did not finish "${command}"; the screen shows:\n${(await screen()).join('\n')}`);
    };

    before(async () => {
      folder = mkdtempSync(join(tmpdir(), 'hangar-runtime-media-'));
      engine = await startEngine({ engine: backend, memoryMib: 64, cdrom: grubRescueCdrom, args: ['--boot', 'cdrom', ...engineArguments[backend]] });
      const deadline = Date.now() + 120_000;
      while (!(await screen()).join('\n').includes('GNU/Linux')) {
        assert.ok(Date.now() < deadline, `GRUB's menu did not appear; screen:\n${(await screen()).join('\n')}`);
        await sleep(300);
      }
      await call('send-key', { keys: [{ type: 'qcode', data: 'c' }] });
      while (!(await screen()).some((line) => line.startsWith('grub>'))) {
        assert.ok(Date.now() < deadline, `no GRUB prompt; screen:\n${(await screen()).join('\n')}`);
        await sleep(300);
      }
    });
    after(async () => {
      await engine?.stop();
      rmSync(folder, { recursive: true, force: true });
    });

    test('a floppy inserted into the empty fd0 is read at once', async () => {
      // GRUB's `ls` looks at the empty drive first, as a user's would: the BIOS settles the
      // drive's geometry then (a 2.88 MB drive made every later 1.44 MB floppy unreadable).
      assert.match(await grub('ls'), /\(fd0\)/);
      const image = makeFloppy(folder, 'FLOPPYOK.TXT');
      await call('blockdev-change-medium', { id: 'fd0', filename: image });
      await sleep(1000);
      assert.match(await grub('ls'), /\(fd0/);
      // The BIOS answers the first access after a change with "disk changed" (int 13h status 06h),
      // as PC BIOSes do; GRUB's next command reads the new floppy.
      let listed = await grub('ls (fd0)/');
      if (!/floppyok/i.test(listed)) {
        await sleep(6000);
        listed = await grub('ls (fd0)/');
      }
      assert.match(listed, /floppyok\.txt/i, `GRUB listed: ${listed}`);
    });

    // After the floppy test: GRUB loads its file system drivers (fat.mod) from the disc it booted.
    test('a disc swapped into cd0 is read at once', async () => {
      assert.match(await grub('ls (cd)/'), /boot\//, 'the rescue CD is readable before the swap');
      const iso = makeIso(folder, 'HANGAR-SWAP.TXT');
      await call('blockdev-change-medium', { id: 'cd0', filename: iso });
      // GRUB keeps what it read for 2 s of guest time after a disk is closed (a loaded machine's
      // guest clock runs slow); past that it reads the drive again.
      await sleep(6000);
      let listed = await grub('ls (cd)/');
      // v86's drive reports the change as ATAPI does (NOT READY, then UNIT ATTENTION, cleared by
      // the next command), which fails GRUB's first read once; QEMU's reset leaves nothing to report.
      if (backend === 'v86' && !/HANGAR-SWAP/i.test(listed)) {
        await sleep(6000);
        listed = await grub('ls (cd)/');
      }
      assert.match(listed, /HANGAR-SWAP\.TXT/i, `GRUB listed: ${listed}`);
    });
  });
}
