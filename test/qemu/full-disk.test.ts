/**
 * QEMU when the file system holding the machine's runtime folder and qcow2 disk is full:
 * query-screen-text still reads the screen (the read needs no disk space), a read QEMU cannot
 * serve is reported in words (never a buffer bounds exception), and a failed snapshot-save
 * names the full disk and what to do before QEMU's own "Input/output error". Needs root to
 * mount the small file system (test/support/small-fs.ts).
 */
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { QemuBackend } from '../../src/emulator/qemu/index.js';
import { createQemuBackend } from '../../src/emulator/qemu/index.js';
import { createDiskImage } from '../../src/library/disk-images.js';
import { parsePhysicalDump } from '../../src/emulator/qemu/text-screen.js';
import { mountSmallFileSystem } from '../support/small-fs.js';
import type { SmallFileSystem } from '../support/small-fs.js';
import { RecordingHost, poll } from './recording-host.js';

const iso = '/usr/lib/grub-rescue/grub-rescue-cdrom.iso';

describe('QEMU with a full file system', () => {
  let smallFs: SmallFileSystem | undefined;
  let backend: QemuBackend | undefined;
  const host = new RecordingHost();
  const call = async <T>(name: string, args: Record<string, unknown> = {}): Promise<T> => {
    assert.ok(backend);
    return (backend.handlers as Record<string, (args: unknown) => Promise<T>>)[name]!(args);
  };
  const screenText = async (): Promise<string> => (await call<{ lines: string[] }>('query-screen-text')).lines.join('\n');
  let disk = '';

  before(async () => {
    smallFs = mountSmallFileSystem(8);
    const runtimeDir = join(smallFs.path, 'run');
    mkdirSync(runtimeDir, { mode: 0o700 });
    disk = join(smallFs.path, 'disk.qcow2');
    await createDiskImage(disk, { format: 'qcow2', sizeBytes: 16 * 1024 * 1024 });
    backend = (await createQemuBackend(
      { engine: 'qemu', memoryMib: 64, cdrom: iso, disk, diskFormat: 'qcow2', bootOrder: ['cdrom', 'disk'], runtimeDir, options: { accelerator: 'tcg', hostStateDir: runtimeDir } },
      host,
    )) as QemuBackend;
    assert.ok(await poll(async () => ((await screenText()).includes('GNU GRUB') ? true : undefined), 90_000), 'the GRUB menu appears');
  }, { timeout: 120_000 });

  after(async () => {
    try {
      await backend?.dispose();
    } finally {
      await smallFs?.unmount();
    }
  }, { timeout: 60_000 });

  it('reads the screen text while the disk is full', async () => {
    assert.ok(smallFs);
    smallFs.fill();
    try {
      assert.ok(smallFs.freeBytes() < 64 * 1024, `the file system is full (${smallFs.freeBytes()} bytes free)`);
      const text = await screenText();
      assert.match(text, /GNU GRUB/);
    } finally {
      smallFs.release();
    }
  });

  it('a snapshot-save into the full disk names it and says what to do, QEMU\'s words last', async () => {
    assert.ok(smallFs);
    smallFs.fill();
    try {
      const from = host.events.length;
      await call('snapshot-save', { 'job-id': 'full', tag: 'full' });
      await host.waitForEvent('JOB_STATUS_CHANGE', (data) => data.id === 'full' && data.status === 'concluded', 90_000, from);
      const job = (await call<{ id: string; error?: string }[]>('query-jobs')).find((entry) => entry.id === 'full');
      await call('job-dismiss', { id: 'full' });
      assert.match(
        job?.error ?? 'no error',
        new RegExp(`^no space left on the disk holding ${disk} \\([0-9.]+ MiB free\\); free some space and try again \\(QEMU: .*(Input/output|No space).*\\)$`),
      );
    } finally {
      smallFs.release();
    }
    assert.equal((await call<{ status: string }>('query-status')).status, 'running', 'the guest runs on');
  });

  it('a read QEMU cannot serve is an error in words', async () => {
    assert.ok(backend);
    // Beyond the guest's 64 MiB: QEMU prints "Cannot access memory" instead of bytes.
    const address = 0x1fffffff0;
    const output = await backend.hmp(`xp /16xb 0x${address.toString(16)}`);
    assert.throws(() => parsePhysicalDump(output, address, 16), /cannot read the text screen: QEMU answered ".*Cannot access memory"/);
  });
});
