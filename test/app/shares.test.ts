/**
 * Shared folders through the app: bad folders are refused when saved (API InvalidArgument,
 * nothing stored) and again at start (the share named, the machine not started); the machine
 * view and `vm.shares` show them with their tags and mount commands; a QEMU machine started
 * with two shares gets them from the engine (`--share`): the Linux test guest mounts host9p with
 * the command the API gives, reads a host file, writes one that appears on the host, and the
 * read-only second share refuses writes. One boot.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { HangarCore } from '../../src/main/core/hangar-core.js';
import type { ApiCallName } from '../../src/shared/protocol/api/client.js';
import { coreCalls } from '../support/core-calls.js';
import { coreConsole, ensureGuestIso, guestShell, waitForGuestBoot } from '../support/linux-guest.js';
import type { GuestConsole } from '../support/linux-guest.js';

const home = mkdtempSync(join(tmpdir(), 'hangar-app-shares-'));
const host = join(home, 'host');
let core: HangarCore;

before(async () => {
  mkdirSync(host, { recursive: true });
  core = await HangarCore.open({ folder: join(home, 'library') });
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

function folder(name: string): string {
  const path = join(host, name);
  mkdirSync(path, { recursive: true });
  return path;
}

test('bad share folders are refused when saved and when the machine starts', async () => {
  const data = folder('data');
  const file = join(host, 'not-a-folder');
  writeFileSync(file, 'x');
  await refused('machines.create', { name: 'Bad', engine: 'v86', memoryMib: 64, shares: [{ hostPath: join(host, 'missing') }] }, 'InvalidArgument', /shared folder "missing" .* does not exist; create the folder or choose another one/);
  await refused('machines.create', { name: 'Bad', engine: 'v86', memoryMib: 64, shares: [{ hostPath: file }] }, 'InvalidArgument', /is not a folder/);
  assert.equal((await ok('machines.list', {})).length, 0, 'nothing was created');

  const machine = await ok('machines.create', { name: 'Sharer', engine: 'v86', memoryMib: 64, shares: [{ hostPath: data, readOnly: true }] });
  assert.deepEqual(machine.shares, [{ hostPath: data, name: 'data', readOnly: true }]);
  await refused('machines.update', { id: machine.id, patch: { shares: [{ hostPath: data }, { hostPath: data, name: 'DATA' }] } }, 'InvalidArgument', /Two shared folders are called "data"/);
  await refused('machines.update', { id: machine.id, patch: { shares: [{ hostPath: 'relative/path' }] } }, 'InvalidArgument', /not absolute/);
  assert.deepEqual((await ok('machines.get', { id: machine.id })).shares, [{ hostPath: data, name: 'data', readOnly: true }], 'nothing was stored');

  const stopped = await ok('vm.shares', { id: machine.id });
  assert.deepEqual(stopped, {
    running: false,
    engine: 'v86',
    shares: [{ name: 'data', tag: 'host9p', hostPath: data, readOnly: true, status: 'stored', mountCommand: 'mount -t 9p -o trans=virtio,version=9p2000.L host9p /mnt' }],
  });

  // The folder goes away: the start is refused naming the share and what to do; nothing runs.
  rmSync(data, { recursive: true });
  assert.match((await ok('vm.shares', { id: machine.id })).shares[0]?.error ?? '', /does not exist.*does not start/);
  await refused('vm.start', { id: machine.id }, 'InvalidArgument', /"Sharer" was not started: The shared folder "data" \(.*\) does not exist; create the folder or choose another one\. Or stop sharing it: hangar modify "Sharer" --no-share data/);
  assert.equal((await ok('machines.get', { id: machine.id })).state, 'stopped');
  await ok('machines.delete', { id: machine.id });
});

let guest: (GuestConsole & { close(): void }) | undefined;
after(() => guest?.close());

test('a QEMU machine serves its shares to the guest: host9p read and written, the read-only one refuses writes', { timeout: 600_000 }, async () => {
  const iso = ensureGuestIso();
  const work = folder('work');
  const docs = folder('docs');
  // Guest-created files must land as the host user: the folders belong to the test's user.
  chmodSync(work, 0o755);
  const payload = randomBytes(256 * 1024);
  writeFileSync(join(work, 'from-host.bin'), payload);
  writeFileSync(join(docs, 'readme.txt'), 'docs-share\n');
  const machine = await ok('machines.create', {
    name: 'Share guest',
    engine: 'qemu',
    memoryMib: 256,
    cdrom: iso,
    network: { mode: 'none' },
    shares: [{ hostPath: work }, { hostPath: docs, name: 'docs', readOnly: true }],
  });
  await ok('machines.update', { id: machine.id, patch: { forceTcg: true } });
  guest = coreConsole(core, machine.id);
  await ok('vm.start', { id: machine.id });

  const live = await ok('vm.shares', { id: machine.id });
  assert.equal(live.running, true);
  assert.deepEqual(
    live.shares.map((share) => [share.name, share.tag, share.readOnly, share.status, share.error]),
    [
      ['work', 'host9p', false, 'active', undefined],
      ['docs', 'docs', true, 'active', undefined],
    ],
  );
  await waitForGuestBoot(guest, { timeoutMs: 300_000 });
  const shell = async (command: string): Promise<{ status: number; output: string }> => guestShell(guest as GuestConsole, command, 60_000);

  // Exactly the command the API (and the UI) hands to the user.
  const first = await shell(live.shares[0]?.mountCommand ?? '');
  assert.equal(first.status, 0, `mounting host9p: ${first.output}`);
  const sum = await shell('sha256sum /mnt/from-host.bin');
  assert.equal(sum.status, 0, sum.output);
  assert.match(sum.output, new RegExp(createHash('sha256').update(payload).digest('hex')));
  assert.equal((await shell('echo written-by-guest > /mnt/from-guest.txt && sync')).status, 0);
  assert.equal(readFileSync(join(work, 'from-guest.txt'), 'utf8'), 'written-by-guest\n');
  assert.equal(statSync(join(work, 'from-guest.txt')).uid, process.getuid?.(), 'the guest\'s file belongs to the host user');

  const second = await shell(live.shares[1]?.mountCommand ?? '');
  assert.equal(second.status, 0, `mounting docs: ${second.output}`);
  assert.match((await shell('cat /mnt/docs/readme.txt')).output, /docs-share/);
  const write = await shell('echo nope > /mnt/docs/new.txt');
  assert.notEqual(write.status, 0);
  assert.match(write.output, /Read-only file system/);
  assert.equal(existsSync(join(docs, 'new.txt')), false);

  await ok('vm.poweroff', { id: machine.id });
});
