// Machine proposals from real detections (xorriso-built ISOs): engine from architecture and what
// is installed, with a reason that is true for that pair; memory from the OS's resources.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { detectOs } from './osinfo.js';
import { proposeMachine } from './proposal.js';
import { defaultConfig } from './validate.js';

const folder = mkdtempSync(join(tmpdir(), 'hangar-proposal-'));
after(() => rmSync(folder, { recursive: true, force: true }));

function iso(name: string, volumeId: string): string {
  const content = join(folder, `${name}-content`);
  mkdirSync(content, { recursive: true });
  writeFileSync(join(content, 'README.TXT'), name);
  const path = join(folder, `${name}.iso`);
  execFileSync('xorriso', ['-as', 'mkisofs', '-V', volumeId, '-o', path, content], { stdio: 'pipe' });
  return path;
}

describe('machine proposals', () => {
  it('an i386 Debian runs on both engines: QEMU when installed (for its size), v86 otherwise, and never "needs 64-bit"', () => {
    const debian = detectOs(iso('debian11-i386', 'Debian 11.7.0 i386 n'));
    assert.equal(debian.arch, 'i686');
    const withQemu = proposeMachine(debian, undefined, { qemu: true });
    assert.equal(withQemu.machine.engine, 'qemu');
    assert.match(withQemu.notes[0] ?? '', /^QEMU: Debian 11 is a 32-bit guest \(i686\), which both engines run; it recommends 1024 MiB/);
    assert.doesNotMatch(withQemu.notes.join(' '), /64-bit/);
    const without = proposeMachine(debian, undefined, { qemu: false });
    assert.equal(without.machine.engine, 'v86');
    assert.match(without.notes[0] ?? '', /^v86: Debian 11 is a 32-bit guest \(i686\), and QEMU is not installed/);
    assert.equal(without.machine.memoryMib, 1024, 'the OS recommendation, within v86');
    assert.equal(without.machine.cpus, 1);
  });

  it('a 64-bit medium needs QEMU, and says so when QEMU is missing', () => {
    const debian = detectOs(iso('debian12-amd64', 'Debian 12.8.0 amd64 n'));
    const withQemu = proposeMachine(debian, undefined, { qemu: true });
    assert.equal(withQemu.machine.engine, 'qemu');
    assert.match(withQemu.notes[0] ?? '', /64-bit guests cannot run on v86/);
    const without = proposeMachine(debian, undefined, { qemu: false });
    assert.equal(without.machine.engine, 'qemu');
    assert.match(without.notes[0] ?? '', /needs QEMU, which is not installed \(install qemu-system-x86\)/);
  });

  it('an unknown medium gets v86 with 512 MiB and an honest "unknown architecture"', () => {
    const other = detectOs(iso('unknown', 'XYZZY_42'));
    const proposal = proposeMachine(other, undefined, { qemu: true });
    assert.equal(proposal.machine.engine, 'v86');
    assert.equal(proposal.machine.memoryMib, 512);
    assert.match(proposal.notes[0] ?? '', /does not say whether Other is 32- or 64-bit/);
    // The disc (built without a boot record) cannot start a machine; the proposal says so.
    assert.match(proposal.notes[1] ?? '', /no El Torito boot record/);
  });

  it('a medium for another CPU is named as such', () => {
    const arm = detectOs(iso('debian11-arm64', 'Debian 11.7.0 arm64 n'));
    assert.equal(arm.arch, 'aarch64');
    assert.match(proposeMachine(arm, undefined, { qemu: true }).notes[0] ?? '', /built for ARM 64-bit \(aarch64\); both engines emulate an x86 PC/);
  });

  it('a machine created without a memory size gets 512 MiB on v86 unless Hangar knows its OS', () => {
    assert.equal(defaultConfig({ name: 'A', osId: 'other', engine: 'v86' }).memoryMib, 512);
    assert.equal(defaultConfig({ name: 'A', osId: 'http://example.com/unknown/1', engine: 'v86' }).memoryMib, 512);
    assert.equal(defaultConfig({ name: 'A', osId: 'grub', engine: 'v86' }).memoryMib, 64);
  });

  it('GRUB rescue stays a small v86 machine without a disk', () => {
    const grub = proposeMachine(detectOs('/usr/lib/grub-rescue/grub-rescue-cdrom.iso'), undefined, { qemu: true });
    assert.deepEqual([grub.machine.engine, grub.machine.memoryMib, grub.diskBytes], ['v86', 64, 0]);
  });
});
