/**
 * Disks after creation from the real `hangar` command (node bin/hangar.js, the library opened by
 * the command itself in a temp HANGAR_HOME): `modify --add-disk 8G` (qcow2 on QEMU, 0600),
 * `disk resize NAME hda SIZE` (grows, refuses to shrink with exit 1), `modify --remove-disk hda`
 * keeps the file, `--attach-disk FILE` takes it back, `--remove-disk hda --delete-disk-file`
 * deletes it, `disk convert`, and usage errors exit 2.
 */
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, test } from 'node:test';

const bin = fileURLToPath(new URL('../../bin/hangar.js', import.meta.url));
const home = mkdtempSync(join(tmpdir(), 'hangar-cli-disks-'));
after(() => rmSync(home, { recursive: true, force: true }));

function hangar(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [bin, ...args], { env: { ...process.env, HANGAR_HOME: home }, timeout: 120_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
    });
  });
}

interface Shown {
  disks: { path: string; format: string; sizeBytes: number }[];
}

async function disks(name: string): Promise<Shown['disks']> {
  const shown = await hangar('show', name, '--json');
  assert.equal(shown.code, 0, shown.stderr);
  return (JSON.parse(shown.stdout) as Shown).disks;
}

test('modify --add-disk / --remove-disk / --attach-disk and disk resize / convert', { timeout: 300_000 }, async () => {
  assert.equal((await hangar('create', 'Box', '--engine', 'qemu', '--memory', '32', '--nic', 'none')).code, 0);

  const added = await hangar('modify', 'Box', '--add-disk', '8G');
  assert.equal(added.code, 0, added.stderr);
  assert.match(added.stdout, /Added a new hard disk to "Box": .*disk0\.qcow2 \(qcow2, 8192 MiB\)/);
  const [disk] = await disks('Box');
  assert.ok(disk);
  assert.deepEqual([disk.format, disk.sizeBytes], ['qcow2', 8 * 1024 ** 3]);
  assert.equal(statSync(disk.path).mode & 0o777, 0o600);

  const resized = await hangar('disk', 'resize', 'Box', 'hda', '16G');
  assert.equal(resized.code, 0, resized.stderr);
  assert.match(resized.stdout, /Resized the hard disk hda of "Box": .*\(qcow2, 16 GiB\)\. Grow the partition inside the guest/);
  assert.equal((JSON.parse(execFileSync('qemu-img', ['info', '--output=json', disk.path], { encoding: 'utf8' })) as { 'virtual-size': number })['virtual-size'], 16 * 1024 ** 3);
  const shrink = await hangar('disk', 'resize', 'Box', 'hda', '4G');
  assert.equal(shrink.code, 1);
  assert.match(shrink.stderr, /4 GiB is smaller than the disk's 16 GiB; Hangar only grows disks/);

  const removed = await hangar('modify', 'Box', '--remove-disk', 'hda');
  assert.equal(removed.code, 0, removed.stderr);
  const kept = join(home, 'lost+found', 'disk-Box-disk0.qcow2');
  assert.match(removed.stdout, /Removed the hard disk hda of "Box"; its file was kept: (.*)\.\n/);
  assert.ok(removed.stdout.includes(kept), removed.stdout);
  assert.deepEqual(await disks('Box'), []);
  // The next command opens the library again (and reconciles it): the kept file stays put.
  assert.equal((await hangar('list')).code, 0);
  assert.ok(existsSync(kept));

  const attached = await hangar('modify', 'Box', '--attach-disk', kept, '--memory', '48');
  assert.equal(attached.code, 0, attached.stderr);
  assert.match(attached.stdout, /Attached .*disk0\.qcow2 \(qcow2, 16384 MiB\) to "Box"\./);
  assert.match(attached.stdout, /Modified "Box": qemu, 48 MiB/, 'other options apply with the disk change');

  const missing = await hangar('disk', 'resize', 'Box', 'hdb', '20G');
  assert.equal(missing.code, 3);
  assert.match(missing.stderr, /no hard disk hdb; its disks are hda/);

  const deleted = await hangar('modify', 'Box', '--remove-disk', 'hda', '--delete-disk-file');
  assert.equal(deleted.code, 0, deleted.stderr);
  assert.match(deleted.stdout, /and deleted its file/);
  assert.equal(existsSync(kept), false);

  assert.equal((await hangar('modify', 'Box', '--add-disk', '64M', '--disk-raw')).code, 0);
  const converted = await hangar('disk', 'convert', 'Box', 'hda', 'qcow2');
  assert.equal(converted.code, 0, converted.stderr);
  assert.match(converted.stdout, /Converted the hard disk hda of "Box": .*disk0\.qcow2 \(qcow2, 64 MiB\)/);

  for (const usage of [['modify', 'Box', '--add-disk', 'lots'], ['modify', 'Box', '--delete-disk-file'], ['disk', 'resize', 'Box', 'hda'], ['disk', 'convert', 'Box', 'hda', 'vmdk']]) {
    const result = await hangar(...usage);
    assert.equal(result.code, 2, `${usage.join(' ')}: ${result.stderr}`);
  }
});
