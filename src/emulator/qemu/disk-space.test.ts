import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { explainSnapshotFailure, freeBytes } from './disk-space.js';

const qemuText = 'Error while writing VM state: Input/output error';

test('a write failure on a file system with less room than the save needs names the full disk first, QEMU last', () => {
  const folder = mkdtempSync(join(tmpdir(), 'hangar-disk-space-'));
  try {
    const disk = join(folder, 'disk.qcow2');
    const free = freeBytes(folder);
    assert.ok(free !== undefined && free > 0, 'statfs reads the temp folder');
    // Needing more than the file system has is what a full disk looks like to a save.
    const message = explainSnapshotFailure(qemuText, disk, free * 2 + 1);
    assert.match(message, new RegExp(`^no space left on the disk holding ${disk} \\([0-9.]+ MiB free\\); free some space and try again \\(QEMU: ${qemuText}\\)$`));
    // With room to spare, QEMU's text is left alone.
    assert.equal(explainSnapshotFailure(qemuText, disk, 0), free >= 16 * 1024 * 1024 ? qemuText : message);
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
});

test('failures that are not writes, and unreadable folders, keep QEMU text as is', () => {
  assert.equal(explainSnapshotFailure("Device 'hd0' is writable but does not support snapshots", '/tmp/x.qcow2', Number.MAX_SAFE_INTEGER), "Device 'hd0' is writable but does not support snapshots");
  assert.equal(explainSnapshotFailure(qemuText, '/no/such/folder/disk.qcow2', Number.MAX_SAFE_INTEGER), qemuText);
});
