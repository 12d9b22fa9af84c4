/** The remembered "KVM is unusable" holds only for the QEMU binary and kernel it was learnt with. */
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { forgetKvmUnusable, hostFingerprint, hostStatePath, readHostState, writeHostState } from './qemu-host-state.js';

describe('QEMU host state', () => {
  const folder = mkdtempSync(join(tmpdir(), 'hangar-host-state-'));
  after(() => rmSync(folder, { recursive: true, force: true }));

  /** A file standing in for the QEMU binary: only its path, size and mtime matter here. */
  const binary = join(folder, 'qemu-system-x86_64');
  writeFileSync(binary, 'version 1', { mode: 0o700 });

  const remember = (path: string, kernel: string): void =>
    writeHostState(path, { kvmUnusable: { reason: 'probe too slow', at: '2026-01-01T00:00:00.000Z', fingerprint: hostFingerprint(binary, kernel) } });

  it('keeps a remembered failure while the binary and the kernel are the same', () => {
    const path = hostStatePath(join(folder, 'same'));
    remember(path, '6.1.0-1');
    assert.equal(readHostState(path, hostFingerprint(binary, '6.1.0-1')).kvmUnusable?.reason, 'probe too slow');
    assert.equal(statSync(path).mode & 0o777, 0o600);
    assert.equal(statSync(join(folder, 'same')).mode & 0o777, 0o700);
  });

  it('drops it when the kernel release changes', () => {
    const path = hostStatePath(join(folder, 'kernel'));
    remember(path, '6.1.0-1');
    assert.equal(readHostState(path, hostFingerprint(binary, '6.1.0-2')).kvmUnusable, undefined);
    // Dropped from the file too, not only from this answer.
    assert.equal(readHostState(path).kvmUnusable, undefined);
  });

  it('drops it when the QEMU binary changes (size or modification time)', () => {
    const path = hostStatePath(join(folder, 'binary'));
    remember(path, 'k');
    utimesSync(binary, new Date(), new Date(Date.now() + 60_000));
    assert.equal(readHostState(path, hostFingerprint(binary, 'k')).kvmUnusable, undefined);
    remember(path, 'k');
    appendFileSync(binary, ' and a patch');
    const stat = statSync(binary);
    utimesSync(binary, stat.atime, stat.mtime);
    assert.equal(readHostState(path, hostFingerprint(binary, 'k')).kvmUnusable, undefined);
    remember(path, 'k');
    assert.equal(readHostState(path, hostFingerprint(join(folder, 'another-qemu'), 'k')).kvmUnusable, undefined);
  });

  it('drops a failure remembered before fingerprints existed', () => {
    const path = hostStatePath(join(folder, 'old'));
    writeHostState(path, { kvmUnusable: { reason: 'old', at: '2025-01-01T00:00:00.000Z' } });
    assert.equal(readHostState(path, hostFingerprint(binary)).kvmUnusable, undefined);
  });

  it('forgets on request ("Try KVM again") and says what it forgot', () => {
    const path = hostStatePath(join(folder, 'forget'));
    remember(path, 'k');
    assert.equal(forgetKvmUnusable(path)?.reason, 'probe too slow');
    assert.equal(readHostState(path).kvmUnusable, undefined);
    assert.equal(forgetKvmUnusable(path), undefined);
  });
});
