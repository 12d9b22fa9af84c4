/**
 * Snapshot jobs on a qcow2 disk with RAM (QEMU's snapshot-save/-load/-delete), with the
 * clipboard agent channel detached around them; a failed load; and SIGKILL of QEMU giving a
 * clear engine-exit report.
 */
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { EngineBackend } from '../../src/emulator/backend.js';
import type { ProtocolError } from '../../src/emulator/backend.js';
import type { QemuBackend } from '../../src/emulator/qemu/index.js';
import { createQemuBackend } from '../../src/emulator/qemu/index.js';
import { createDiskImage } from '../../src/library/disk-images.js';
import { grubCommand } from './grub-typing.js';
import { RecordingHost, poll } from './recording-host.js';

const iso = '/usr/lib/grub-rescue/grub-rescue-cdrom.iso';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Handler = (args: any) => Promise<any>;

describe('QEMU snapshots on qcow2, clipboard agent, and QEMU dying', () => {
  let folder: string;
  let backend: EngineBackend;
  const host = new RecordingHost();
  const call = async (name: string, args: Record<string, unknown> = {}): Promise<Record<string, unknown>> =>
    (backend.handlers as Record<string, Handler>)[name]!(args);
  const screenText = async (): Promise<string> => ((await call('query-screen-text')).lines as string[]).join('\n');
  // The disk is written and read through QEMU itself (HMP qemu-io), so the check sees what the
  // guest would see; qemu-io prints to QEMU's stdout, which the backend keeps.
  const writeDisk = (pattern: number): Promise<string> => (backend as QemuBackend).hmp(`qemu-io drive-hd0 "write -P ${pattern} 0 4096"`);
  const readDiskByte = async (): Promise<string | undefined> => {
    const qemu = backend as QemuBackend;
    const dumps = (): string[] => [...qemu.output.matchAll(/^00000000:\s+([0-9a-f]{2})/gm)].map((match) => match[1]!);
    const before = dumps().length;
    await qemu.hmp('qemu-io drive-hd0 "read -v 0 16"');
    return poll(() => (dumps().length > before ? dumps().at(-1) : undefined), 10_000);
  };
  const runJob = async (type: string, args: Record<string, unknown>): Promise<Record<string, unknown>> => {
    const from = host.events.length;
    await call(type, args);
    await host.waitForEvent('JOB_STATUS_CHANGE', (data) => data.id === args['job-id'] && data.status === 'concluded', 90_000, from);
    const jobs = (await call('query-jobs')) as unknown as Record<string, unknown>[];
    const job = jobs.find((entry) => entry.id === args['job-id']);
    assert.ok(job, 'concluded job is listed');
    await call('job-dismiss', { id: args['job-id'] });
    return job;
  };

  before(async () => {
    folder = mkdtempSync(join(tmpdir(), 'hangar-qemu-snap-'));
    chmodSync(folder, 0o700);
    const disk = join(folder, 'disk.qcow2');
    await createDiskImage(disk, { format: 'qcow2', sizeBytes: 16 * 1024 * 1024 });
    backend = await createQemuBackend(
      { engine: 'qemu', memoryMib: 64, cdrom: iso, disk, bootOrder: ['cdrom', 'disk'], runtimeDir: folder, options: { accelerator: 'tcg', hostStateDir: folder, clipboard: true } },
      host,
    );
    assert.ok(await poll(async () => ((await screenText()).includes('*GNU/Linux') ? true : undefined), 60_000), 'GRUB menu');
    // Stop the menu countdown by opening the command line.
    await call('send-key', { keys: [{ type: 'qcode', data: 'c' }] });
    assert.ok(await poll(async () => ((await screenText()).includes('grub>') ? true : undefined), 30_000), 'GRUB prompt');
  });

  after(async () => {
    await backend?.dispose();
    rmSync(folder, { recursive: true, force: true });
  });

  it('saves, changes screen and disk, loads: both restored; the clipboard agent is detached and re-attached', async () => {
    assert.deepEqual(await call('query-clipboard'), { enabled: true, attached: true, connected: false });
    await writeDisk(0x11);
    assert.equal(await readDiskByte(), '11');
    await grubCommand(call, 'echo before', false);
    assert.ok(await poll(async () => ((await screenText()).includes('grub> echo before') ? true : undefined), 30_000));

    const from = host.events.length;
    const saved = await runJob('snapshot-save', { 'job-id': 'save1', tag: 'one' });
    assert.equal(saved.error, undefined, `save failed: ${String(saved.error)}`);
    const agent = host.events.slice(from).filter((event) => event.name === 'CLIPBOARD_AGENT').map((event) => event.data.attached);
    assert.deepEqual(agent.slice(0, 1), [false]);
    assert.ok(await poll(async () => ((await call('query-clipboard')).attached === true ? true : undefined), 30_000), 'agent re-attached');
    const snapshots = (await call('query-snapshots')) as unknown as { tag: string; 'vm-state-size': number }[];
    assert.equal(snapshots[0]?.tag, 'one');
    assert.ok((snapshots[0]?.['vm-state-size'] ?? 0) > 0);

    await call('send-key', { keys: [{ type: 'qcode', data: 'ret' }] });
    await grubCommand(call, 'X');
    await grubCommand(call, 'echo after', false);
    assert.ok(await poll(async () => ((await screenText()).includes('grub> echo after') ? true : undefined), 30_000));
    await writeDisk(0x22);
    assert.equal(await readDiskByte(), '22');

    const loaded = await runJob('snapshot-load', { 'job-id': 'load1', tag: 'one' });
    assert.equal(loaded.error, undefined, `load failed: ${String(loaded.error)}`);
    const screen = await screenText();
    assert.ok(screen.includes('grub> echo before'), `screen not restored:\n${screen}`);
    assert.ok(!screen.includes('echo after'), `screen not restored:\n${screen}`);
    assert.equal(await readDiskByte(), '11');
    assert.ok(await poll(async () => ((await call('query-clipboard')).attached === true ? true : undefined), 30_000), 'agent re-attached after load');
    assert.deepEqual(await call('clipboard-set', { text: 'hello' }), {});
  });

  it('reports a failed load as a concluded job with an error, leaving a clear state', async () => {
    const from = host.events.length;
    const job = await runJob('snapshot-load', { 'job-id': 'load2', tag: 'no-such-snapshot' });
    assert.match(String(job.error), /no-such-snapshot|not found|find/i);
    const status = (await call('query-status')).status as string;
    assert.ok(['running', 'paused', 'restore-vm'].includes(status), `status ${status}`);
    if (status !== 'running') {
      const report = host.events.slice(from).filter((event) => event.name === 'ENGINE_ERROR');
      assert.equal(report.length, 1, 'one clear report');
      assert.match(String(report[0]?.data.reason), /no-such-snapshot.*system_reset/);
      await assert.rejects(call('cont'), (error: ProtocolError) => error.errorClass === 'WrongState');
      await assert.rejects(call('set-speed-limit', { mips: 250 }), (error: ProtocolError) => error.errorClass === 'WrongState');
      // Recovery: reset and continue boots the guest again.
      await call('system_reset');
      if ((await call('query-status')).status !== 'running') await call('cont');
      assert.ok(await poll(async () => ((await screenText()).includes('*GNU/Linux') ? true : undefined), 60_000), 'GRUB menu after reset');
      await call('send-key', { keys: [{ type: 'qcode', data: 'c' }] });
      assert.ok(await poll(async () => ((await screenText()).includes('grub>') ? true : undefined), 30_000), 'GRUB prompt');
    }
    const deleted = await runJob('snapshot-delete', { 'job-id': 'del1', tag: 'one' });
    assert.equal(deleted.error, undefined);
    assert.deepEqual(await call('query-snapshots'), []);
  });

  it('changes the speed limit with the clipboard agent on (detached for the move, re-attached after)', async () => {
    const before = await screenText();
    const from = host.events.length;
    assert.deepEqual(await call('set-speed-limit', { mips: 250 }), { mips: 250 });
    assert.equal(await screenText(), before);
    assert.deepEqual(await call('query-clipboard'), { enabled: true, attached: true, connected: false });
    const agent = host.events.slice(from).filter((event) => event.name === 'CLIPBOARD_AGENT').map((event) => event.data.attached);
    assert.deepEqual(agent, [false, true]);
    assert.equal(backend.status(), 'running');
  });

  it('reports QEMU killed with SIGKILL as a fatal engine error, and commands fail fast', async () => {
    const pid = (backend as QemuBackend).pid;
    assert.ok(pid !== undefined);
    const from = host.events.length;
    process.kill(pid, 'SIGKILL');
    const report = await host.waitForEvent('ENGINE_ERROR', (data) => data.fatal === true, 30_000, from);
    assert.match(String(report.data.reason), /SIGKILL/);
    const started = Date.now();
    await assert.rejects(call('stop'), (error: ProtocolError) => error.errorClass === 'GenericError' && /SIGKILL/.test(error.message));
    assert.ok(Date.now() - started < 5000);
    assert.equal((await call('query-status')).running, false);
  });
});
