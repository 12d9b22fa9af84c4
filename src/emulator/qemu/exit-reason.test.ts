/**
 * qemuExitReason on what a real QEMU prints when a disk is held by another QEMU (the write
 * lock) and when an image is missing: the reason keeps QEMU's explanation and the option's id,
 * not the echoed option text.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { killTree, spawnOwned } from '../../node/owned-child.js';
import { qemuExitReason } from './exit-reason.js';

const folder = mkdtempSync(join(tmpdir(), 'hangar-exit-reason-'));
after(() => rmSync(folder, { recursive: true, force: true }));

function runQemu(args: string[]): string {
  const result = spawnSync('qemu-system-x86_64', args, { encoding: 'utf8', timeout: 60_000 });
  assert.notEqual(result.status, 0, 'QEMU refused to start');
  return `${result.stdout}${result.stderr}`;
}

test('a held write lock: the reason is QEMU\'s explanation with the drive id, not the -drive text', async () => {
  const disk = join(folder, 'held.qcow2');
  assert.equal(spawnSync('qemu-img', ['create', '-q', '-f', 'qcow2', disk, '16M']).status, 0);
  const qmp = join(folder, 'holder.sock');
  const holder = spawnOwned('qemu-system-x86_64', ['-S', '-display', 'none', '-nodefaults', '-qmp', `unix:${qmp},server=on,wait=off`, '-drive', `file=${disk},format=qcow2,if=none,id=holder`], { stdio: 'ignore' });
  try {
    const deadline = Date.now() + 30_000;
    while (!existsSync(qmp) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    const drive = `if=none,id=drive-hd0,file=${disk},format=qcow2,node-name=node-hd0,werror=stop,rerror=stop`;
    const args = ['-S', '-display', 'none', '-nodefaults', '-drive', drive];
    const output = runQemu(args);
    assert.ok(output.includes(drive), 'QEMU echoes the whole option (what the reason must not repeat)');
    const reason = qemuExitReason(output, args);
    assert.match(reason, /^-drive drive-hd0: Failed to get "write" lock\. Is another process using the image \[.*held\.qcow2\]\?$/);
    assert.ok(!reason.includes('werror'), reason);
  } finally {
    killTree(holder.pid);
  }
});

test('a missing image names the file; long output is cut; a crash keeps the last lines', () => {
  const missing = join(folder, 'missing.img');
  const args = ['-display', 'none', '-nodefaults', '-drive', `file=${missing},format=raw,if=none`];
  const reason = qemuExitReason(runQemu(args), args);
  assert.match(reason, /^-drive: Could not open '.*missing\.img': No such file or directory$/);
  assert.ok(qemuExitReason('x'.repeat(5000), []).length <= 600);
  assert.equal(qemuExitReason('qemu-system-x86_64: one\ntwo\nthree\nfour', [], 'end'), 'two. three. four');
});
