/**
 * The app core (library + supervisor behind the API) with a real SQLite library and a real v86
 * guest: validation, library commands, settings, the VM commands on a running grub-rescue guest,
 * and a crashed engine surfacing as a MACHINE_STATE event with its reason.
 */
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdtempSync, rmSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { PNG } from 'pngjs';
import { HangarCore } from '../../src/main/core/hangar-core.js';
import type { CoreEvent } from '../../src/main/core/hangar-core.js';

const cdrom = '/usr/lib/grub-rescue/grub-rescue-cdrom.iso';
const floppy = '/usr/lib/grub-rescue/grub-rescue-floppy.img';
const home = mkdtempSync(join(tmpdir(), 'hangar-core-'));
let core: HangarCore;
const events: CoreEvent[] = [];

before(async () => {
  core = await HangarCore.open({ folder: home });
  core.subscribe((event) => events.push(event));
});
after(async () => {
  await core?.close();
  rmSync(home, { recursive: true, force: true });
});

async function until(check: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

test('every call is validated against the schema', async () => {
  const wrongType = await core.call('machines.create', { name: 'a', engine: 'v86', memoryMib: 'lots' });
  assert.deepEqual(wrongType.ok ? undefined : wrongType.error.class, 'InvalidArgument');
  const unknownField = await core.call('settings.get', { key: 'x', extra: 1 });
  assert.equal(unknownField.ok, false);
  assert.match(unknownField.ok ? '' : unknownField.error.desc, /extra/);
  assert.equal((await core.call('nope', {})).ok, false);
  const badPath = await core.call('media.add', { path: join(home, 'missing.iso') });
  assert.equal(badPath.ok ? '' : badPath.error.class, 'InvalidArgument');
});

test('settings, media and OS detection', async () => {
  assert.deepEqual(await core.call('settings.set', { key: 'ui.theme', value: { dark: true } }), { ok: true, value: {} });
  assert.deepEqual(await core.call('settings.get', { key: 'ui.theme' }), { ok: true, value: { key: 'ui.theme', value: { dark: true } } });
  const added = await core.call('media.add', { path: cdrom });
  assert.equal(added.ok, true);
  const media = await core.call('media.list', {});
  assert.deepEqual(media.ok && (media.value as { path: string }[]).map((m) => m.path), [cdrom]);
  const detected = await core.call('os.detect', { path: cdrom });
  assert.equal(detected.ok, true);
  assert.ok(events.some((e) => e.event === 'LIBRARY_CHANGED' && e.data.entity === 'media'));
});

test('OS catalog, engines, and a machine created with a new disk', async () => {
  const catalog = await core.call('os.list', {});
  assert.ok(catalog.ok && (catalog.value as { id: string }[]).some((os) => os.id === 'grub'));
  const engines = await core.call('engines.query', {});
  assert.deepEqual(engines.ok && [(engines.value as { v86Available: boolean }).v86Available, (engines.value as { qemuAvailable: boolean }).qemuAvailable], [true, true]);
  const created = await core.call('machines.create', { name: 'with-disk', engine: 'qemu', memoryMib: 64, diskMib: 16 });
  assert.equal(created.ok, true, JSON.stringify(created));
  const disks = (created.ok ? (created.value as { disks: { path: string; sizeBytes: number; format: string }[] }).disks : []);
  assert.equal(disks.length, 1);
  assert.equal(disks[0]?.sizeBytes, 16 << 20);
  assert.ok(existsSync(disks[0]?.path ?? ''));
  assert.equal((await core.call('machines.delete', { id: 'with-disk' })).ok, true);
  assert.equal(existsSync(disks[0]?.path ?? ''), false, 'deleting the machine removes its disk');
});

test('a machine whose media file vanished is not started, with a clear reason', async () => {
  const iso = join(home, 'vanishing.iso');
  copyFileSync(cdrom, iso);
  assert.equal((await core.call('machines.create', { name: 'doomed', engine: 'v86', memoryMib: 32, cdrom: iso })).ok, true);
  unlinkSync(iso);
  const started = await core.call('vm.start', { id: 'doomed' });
  assert.equal(started.ok ? '' : started.error.class, 'InvalidArgument', JSON.stringify(started));
  assert.match(started.ok ? '' : started.error.desc, /vanishing\.iso .*is missing/);
  const machine = await core.call('machines.get', { id: 'doomed' });
  assert.notEqual(machine.ok && (machine.value as { state: string }).state, 'running');
  assert.equal((await core.call('machines.delete', { id: 'doomed' })).ok, true);
});

test('VM commands on a running v86 guest; a killed engine is reported crashed', async () => {
  const created = await core.call('machines.create', { name: 'vm', engine: 'v86', memoryMib: 32, cdrom, osId: 'grub' });
  assert.equal(created.ok, true, JSON.stringify(created));
  const updated = await core.call('machines.update', { id: 'vm', patch: { memoryMib: 48, notes: 'test' } });
  assert.equal(updated.ok && (updated.value as { memoryMib: number }).memoryMib, 48);
  const started = await core.call('vm.start', { id: 'vm' });
  assert.equal(started.ok, true, JSON.stringify(started));
  assert.equal((await core.call('vm.start', { id: 'vm' })).ok ? '' : 'refused', 'refused', 'a second start is refused');

  assert.deepEqual(await core.call('vm.pause', { id: 'vm' }), { ok: true, value: {} });
  await until(() => events.some((e) => e.event === 'MACHINE_STATE' && e.data.state === 'paused'), 'paused event');
  const paused = await core.call('vm.status', { id: 'vm' });
  // Exactly the API's shape (QEMU's own query-status adds singlestep, which the API's answer does not have).
  assert.deepEqual(paused, { ok: true, value: { status: 'paused', running: false } });
  assert.equal((await core.call('vm.resume', { id: 'vm' })).ok, true);
  await until(() => (core.supervisor.status(String((started.ok && (started.value as { id: string }).id) || '')).state === 'running'), 'running again');

  const shot = await core.call('vm.screenshot', { id: 'vm' });
  assert.equal(shot.ok, true, JSON.stringify(shot));
  const png = PNG.sync.read(Buffer.from((shot.ok && (shot.value as { png: string }).png) || '', 'base64'));
  assert.ok(png.width > 0 && png.height > 0, `screenshot ${png.width}x${png.height}`);

  assert.equal((await core.call('vm.eject', { id: 'vm', slot: 'cd0', force: true })).ok, true);
  assert.equal((await core.call('vm.insert', { id: 'vm', slot: 'fd0', path: floppy })).ok, true);
  const blocks = await core.call('vm.execute', { id: 'vm', command: 'query-block' });
  assert.equal(blocks.ok, true);
  const byId = new Map((blocks.ok ? (blocks.value as { device: string; qdev?: string; inserted?: { file: string } }[]) : []).map((b) => [b.qdev ?? b.device, b]));
  assert.ok([...byId.values()].some((b) => b.inserted?.file === floppy), JSON.stringify(blocks));
  assert.equal((await core.call('vm.send-keys', { id: 'vm', keys: ['ctrl', 'alt', 'delete'] })).ok, true);
  const typed = await core.call('vm.type-text', { id: 'vm', text: 'ls\n' });
  assert.equal(typed.ok && (typed.value as { typed: number }).typed, 3);
  const unsupported = await core.call('vm.execute', { id: 'vm', command: 'no-such-command' });
  assert.equal(unsupported.ok ? '' : unsupported.error.class, 'NotSupported');

  const machineId = (started.ok && (started.value as { id: string }).id) || '';
  const pid = core.supervisor.session(machineId)?.channel.pid;
  assert.ok(pid);
  const killedAt = Date.now();
  process.kill(pid, 'SIGKILL');
  await until(() => events.some((e) => e.event === 'MACHINE_STATE' && e.data.id === machineId && e.data.state === 'crashed'), 'crashed event', 2000);
  assert.ok(Date.now() - killedAt < 2000);
  const crashed = await core.call('machines.get', { id: 'vm' });
  assert.equal(crashed.ok && (crashed.value as { state: string }).state, 'crashed');
  assert.match(crashed.ok ? String((crashed.value as { reason?: string }).reason) : '', /SIGKILL/);
  assert.equal((await core.call('vm.status', { id: 'vm' })).ok ? '' : 'unavailable', 'unavailable');

  // It can be started again after a crash, and powered off.
  assert.equal((await core.call('vm.start', { id: 'vm' })).ok, true);
  assert.equal((await core.call('vm.poweroff', { id: 'vm' })).ok, true);
  assert.equal(core.supervisor.status(machineId).state, 'stopped');
  assert.equal((await core.call('machines.delete', { id: 'vm' })).ok, true);
});
