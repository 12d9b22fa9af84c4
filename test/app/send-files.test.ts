/**
 * Send files through the app: host files (one with a non-ASCII name) and an uploaded one go on a
 * CD image into the running Linux test guest's drive, where `mount /dev/sr0` shows them with
 * identical sha256; the medium they replaced (the guest's own boot ISO) comes back when asked.
 * Bad input (missing files, more than a floppy holds, uploads out of order or over the limit)
 * gives clear errors and changes nothing. One machine per engine (QEMU, v86), one boot each.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { HangarCore } from '../../src/main/core/hangar-core.js';
import { sentMediumKey } from '../../src/main/core/send-files.js';
import type { CoreEvent } from '../../src/main/core/hangar-core.js';
import type { ApiCallName } from '../../src/shared/protocol/api/client.js';
import { coreCalls } from '../support/core-calls.js';
import { sendFilesCalls, UPLOAD_CHUNK_BYTES, uploadFiles } from '../../src/renderer/features/vm-window/send-files-calls.js';
import { coreConsole, ensureGuestIso, guestRun, guestShell, waitForGuestBoot } from '../support/linux-guest.js';

const home = mkdtempSync(join(tmpdir(), 'hangar-app-send-files-'));
const files = join(home, 'host-files');
let core: HangarCore;
let guestIso: string;
const events: CoreEvent[] = [];

before(async () => {
  guestIso = ensureGuestIso();
  core = await HangarCore.open({ folder: join(home, 'library') });
  core.subscribe((event) => events.push(event));
  mkdirSync(files);
});
after(async () => {
  await core?.close();
  rmSync(home, { recursive: true, force: true });
});

const { ok, failure } = coreCalls(() => core);

async function refused(name: ApiCallName, args: unknown, errorClass: string, pattern: RegExp): Promise<void> {
  const error = await failure(name, args);
  assert.equal(error.class, errorClass, error.desc);
  assert.match(error.desc, pattern);
}

const sha = (data: Buffer): string => createHash('sha256').update(data).digest('hex');
const sendFolder = (machineId: string): string => join(home, 'library', 'machines', machineId, 'send-files');
/** Files in the machine's send-files folder (images and upload staging folders). */
const leftovers = (machineId: string): string[] => (existsSync(sendFolder(machineId)) ? readdirSync(sendFolder(machineId)).filter((name) => name !== 'uploads') : []);
const cdPath = async (id: string): Promise<string | null> => {
  const machine = await ok('machines.get', { id });
  const mediaId = (machine.drives as Record<string, string | null> | undefined)?.cd0 ?? null;
  if (mediaId === null) return null;
  return (await ok('media.list', {})).find((media) => media.id === mediaId)?.path ?? null;
};

test('bad input gives clear errors and changes nothing', { timeout: 120_000 }, async () => {
  const machine = await ok('machines.create', { name: 'Refusals', engine: 'qemu', memoryMib: 64, cdrom: guestIso });
  const missing = join(files, 'no-such-file.txt');
  await refused('vm.send-files', { id: machine.id, paths: [missing] }, 'InvalidArgument', new RegExp(`${missing} does not exist`));
  await refused('vm.send-files', { id: machine.id, paths: ['relative.txt'] }, 'InvalidArgument', /not an absolute path/);
  await refused('vm.send-files', { id: machine.id }, 'InvalidArgument', /No files to send/);
  // A folder that fits neither a floppy's 1.44 MiB as a whole.
  const big = join(files, 'too big for a floppy');
  mkdirSync(big);
  writeFileSync(join(big, 'a.bin'), randomBytes(900_000));
  writeFileSync(join(big, 'b.bin'), randomBytes(900_000));
  await refused('vm.send-files', { id: machine.id, paths: [big], target: 'fd0' }, 'InvalidArgument', /more than the 1\.39 MiB \(1457664 bytes\) a 1\.44 MiB floppy holds/);
  await refused('vm.restore-medium', { id: machine.id }, 'NotFound', /Nothing to put back/);
  await refused('vm.send-files', { id: 'no such machine', paths: [big] }, 'NotFound', /No machine/);

  // Uploads: chunks in order, names without folders, base64, and a size limit that says so.
  const first = await ok('vm.upload-file', { id: machine.id, name: 'up.bin', offset: 0, data: Buffer.from('hello').toString('base64') });
  assert.equal(first.size, 5);
  await refused('vm.upload-file', { id: machine.id, uploadId: first.uploadId, name: 'up.bin', offset: 2, data: 'AAAA' }, 'InvalidArgument', /starts at byte 2, but 5 bytes of it were received/);
  await refused('vm.upload-file', { id: machine.id, uploadId: first.uploadId, name: '../escape', offset: 0, data: 'AAAA' }, 'InvalidArgument', /is not a file name/);
  await refused('vm.upload-file', { id: machine.id, uploadId: first.uploadId, name: 'x', offset: 0, data: 'not base64!' }, 'InvalidArgument', /not valid base64/);
  await ok('settings.set', { key: 'sendFiles.uploadLimitBytes', value: 1000 });
  await refused('vm.upload-file', { id: machine.id, uploadId: first.uploadId, name: 'up.bin', offset: 5, data: randomBytes(996).toString('base64') }, 'InvalidArgument', /more than its limit of 1000 bytes \(setting sendFiles\.uploadLimitBytes\)/);
  // The window's uploader gives up at the limit with the same sentence and leaves no staging folder behind.
  const tooMuch = await uploadFiles(core.api.call, machine.id, [new File([randomBytes(600)], 'one.bin'), new File([randomBytes(600)], 'two.bin')]);
  assert.equal(tooMuch.ok, false);
  if (!tooMuch.ok) assert.match(tooMuch.error.desc, /more than its limit of 1000 bytes/);
  assert.deepEqual(readdirSync(join(sendFolder(machine.id), 'uploads')).sort(), [first.uploadId]);
  await ok('settings.set', { key: 'sendFiles.uploadLimitBytes', value: null });
  await ok('vm.upload-cancel', { id: machine.id, uploadId: first.uploadId });
  await refused('vm.send-files', { id: machine.id, uploadId: first.uploadId }, 'NotFound', /No upload/);

  // Nothing changed: the drive holds the ISO it had, no image was left behind, nothing to put back.
  assert.equal(await cdPath(machine.id), guestIso);
  assert.deepEqual(leftovers(machine.id), []);
  assert.deepEqual(await ok('vm.sent-medium', { id: machine.id }), { active: false });
  assert.equal((await ok('media.list', {})).length, 1, 'no media row was added');
});

test('a stopped machine gets the files in its stored drive, and its medium back', { timeout: 120_000 }, async () => {
  const machine = await ok('machines.create', { name: 'Stopped', engine: 'v86', memoryMib: 64, cdrom: guestIso });
  const file = join(files, 'stopped.txt');
  writeFileSync(file, 'for a stopped machine\n');
  const sent = await ok('vm.send-files', { id: machine.id, paths: [file] });
  assert.equal(sent.slot, 'cd0');
  assert.equal(sent.replaced, guestIso);
  assert.equal(await cdPath(machine.id), sent.image);
  // Sending again keeps the original medium as the one to put back, and drops the earlier image.
  const again = await ok('vm.send-files', { id: machine.id, paths: [file] });
  assert.equal(again.replaced, sent.image);
  assert.equal(existsSync(sent.image), false);
  assert.deepEqual(await ok('vm.sent-medium', { id: machine.id }), { active: true, slot: 'cd0', image: again.image, previous: guestIso });
  assert.deepEqual(await ok('vm.restore-medium', { id: machine.id }), { slot: 'cd0', restored: guestIso });
  assert.equal(await cdPath(machine.id), guestIso);
  assert.equal(existsSync(again.image), false);
  assert.deepEqual(leftovers(machine.id), []);
});

test('deleting a machine drops the record of what was sent to it', { timeout: 120_000 }, async () => {
  const machine = await ok('machines.create', { name: 'Deleted after a send', engine: 'v86', memoryMib: 64, cdrom: guestIso });
  const file = join(files, 'deleted.txt');
  writeFileSync(file, 'for a machine about to go\n');
  await ok('vm.send-files', { id: machine.id, paths: [file] });
  assert.notEqual((await ok('settings.get', { key: sentMediumKey(machine.id) })).value, null);
  await ok('machines.delete', { id: machine.id });
  assert.equal((await ok('settings.get', { key: sentMediumKey(machine.id) })).value, null);
});

for (const engine of ['qemu', 'v86'] as const) {
  test(`${engine}: three files (one non-ASCII name, one uploaded) arrive in the running guest's CD with identical sha256, and the boot ISO comes back`, { timeout: 900_000 }, async () => {
    const machine = await ok('machines.create', { name: `Send guest ${engine}`, engine, memoryMib: 256, cdrom: guestIso, network: { mode: 'none' } });
    if (engine === 'qemu') await ok('machines.update', { id: machine.id, patch: { forceTcg: true } });
    const guest = coreConsole(core, machine.id);
    try {
      await ok('vm.start', { id: machine.id });
      await waitForGuestBoot(guest, { timeoutMs: 400_000 });

      const contents = new Map<string, Buffer>([
        ['binary.bin', randomBytes(1024 * 1024 + 123)],
        ['Grüße – 日本語.txt', Buffer.from('non-ASCII name\n')],
      ]);
      for (const [name, data] of contents) writeFileSync(join(files, name), data);
      // The third one the way the window sends a dropped file: uploaded in chunks by the renderer's own code.
      const uploaded = randomBytes(UPLOAD_CHUNK_BYTES * 2 + 4321);
      contents.set('uploaded.dat', uploaded);
      const phases: string[] = [];
      const calls = sendFilesCalls(core.api.call, (listener) => core.subscribe((event) => event.event === 'PROGRESS' && listener(event.data as { operation: string; fraction: number; done: boolean })), machine.id);
      const progressFrom = events.length;
      const settled = await calls.send({
        paths: [join(files, 'binary.bin'), join(files, 'Grüße – 日本語.txt')],
        files: [new File([uploaded], 'uploaded.dat')],
        target: 'auto',
        onProgress: (phase, fraction) => phases.push(`${phase}:${fraction.toFixed(2)}`),
      });
      if (!settled.ok) assert.fail(`send: ${settled.error.class}: ${settled.error.desc}`);
      const sent = settled.value;
      assert.deepEqual(phases.filter((phase) => phase.startsWith('upload')), ['upload:0.50', 'upload:1.00', 'upload:1.00'], 'three chunks, progress by bytes');
      assert.equal(sent.slot, 'cd0');
      assert.equal(sent.files, 3);
      assert.equal(sent.replaced, guestIso, 'it says what it replaced');
      assert.equal(statSync(sent.image).mode & 0o777, 0o600);
      assert.ok(sent.image.startsWith(sendFolder(machine.id)), `${sent.image} is in the machine's folder`);
      assert.deepEqual(readdirSync(join(sendFolder(machine.id), 'uploads')), [], 'the staging folder is gone');
      const progress = events.slice(progressFrom).filter((event) => event.event === 'PROGRESS' && (event.data as { operation: string }).operation === 'send-files');
      assert.deepEqual(progress.at(-1)?.data, { machineId: machine.id, operation: 'send-files', fraction: 1, done: true });

      // The guest mounts the disc and reads every file (names as UTF-8 bytes, hashed in the guest).
      await guestRun(guest, 'modprobe sr_mod 2>/dev/null; modprobe isofs 2>/dev/null; mkdir -p /mnt/cd; true');
      let mounted = await guestShell(guest, 'mount -t iso9660 -o ro /dev/sr0 /mnt/cd', 60_000);
      // The guest may see the media change a moment after the engine made it.
      for (let attempt = 0; mounted.status !== 0 && attempt < 10; attempt++) {
        await new Promise((resolve) => setTimeout(resolve, 2000));
        mounted = await guestShell(guest, 'mount -t iso9660 -o ro /dev/sr0 /mnt/cd', 60_000);
      }
      assert.equal(mounted.status, 0, `mount /dev/sr0 failed:\n${mounted.raw.slice(-1500)}`);
      const listing = await guestRun(guest, 'cd /mnt/cd && sha256sum * && cd /', 120_000);
      const lines = Buffer.from(listing, 'latin1').toString('utf8').split('\n').filter((line) => /^[0-9a-f]{64} {2}/.test(line));
      const seen = new Map(lines.map((line) => [line.slice(66), line.slice(0, 64)]));
      assert.deepEqual([...seen.keys()].sort(), [...contents.keys()].sort(), `the guest lists:\n${listing}`);
      for (const [name, data] of contents) assert.equal(seen.get(name), sha(data), `${name} has the same sha256 in the guest`);
      // While the guest holds the disc mounted (QEMU honours its tray lock), putting the old one back says what to do.
      if (engine === 'qemu') await refused('vm.restore-medium', { id: machine.id }, 'Conflict', /The guest holds the CD drive closed \(a mounted disc\): unmount it in the guest/);
      await guestRun(guest, 'umount /mnt/cd');

      // The medium it replaced comes back: in the engine, in the stored drive, and in the guest.
      assert.deepEqual(await ok('vm.sent-medium', { id: machine.id }), { active: true, slot: 'cd0', image: sent.image, previous: guestIso });
      assert.deepEqual(await ok('vm.restore-medium', { id: machine.id }), { slot: 'cd0', restored: guestIso });
      const blocks = (await ok('vm.execute', { id: machine.id, command: 'query-block' })) as { qdev: string; inserted?: { file: string } }[];
      assert.equal(blocks.find((block) => block.qdev === 'cd0')?.inserted?.file, guestIso);
      assert.equal(await cdPath(machine.id), guestIso);
      assert.equal(existsSync(sent.image), false, 'the sent image is deleted');
      assert.deepEqual(leftovers(machine.id), []);
      let remounted = await guestShell(guest, 'mount -t iso9660 -o ro /dev/sr0 /mnt/cd && ls /mnt/cd', 60_000);
      for (let attempt = 0; remounted.status !== 0 && attempt < 10; attempt++) {
        await new Promise((resolve) => setTimeout(resolve, 2000));
        remounted = await guestShell(guest, 'mount -t iso9660 -o ro /dev/sr0 /mnt/cd && ls /mnt/cd', 60_000);
      }
      assert.equal(remounted.status, 0, `mount of the restored ISO failed:\n${remounted.raw.slice(-1500)}`);
      assert.match(remounted.output, /vmlinuz/, 'the guest sees its boot ISO again');
      assert.doesNotMatch(remounted.output, /binary\.bin/);
      await guestRun(guest, 'umount /mnt/cd');
    } finally {
      guest.close();
      await core.call('vm.poweroff', { id: machine.id });
    }
  });
}
