/**
 * The v86 storage features through a real engine process and its QMP socket: media changes
 * with DEVICE_TRAY_MOVED on the wire, snapshot jobs with JOB_STATUS_CHANGE, query-jobs,
 * snapshot-inspect, the speed limit; then the engine is killed with SIGKILL in the middle of
 * snapshot-save, repeatedly, and a new engine still loads the earlier snapshot.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { SNAPSHOT_EXTENSION, readSnapshotHeader, readSnapshotSection } from '../../src/emulator/snapshot/format.js';
import { startEngine } from '../support/engine-process.js';
import type { EngineProcess } from '../support/engine-process.js';
import type { QmpClient } from '../support/qmp-client.js';
import { FLOPPY, ISO } from './helpers.js';

const stateDir = mkdtempSync(join(tmpdir(), 'hangar-v86-qmp-state-'));
const engines: EngineProcess[] = [];
after(async () => {
  for (const engine of engines) await engine.stop();
  rmSync(stateDir, { recursive: true, force: true });
});

async function start(extra: string[] = []): Promise<EngineProcess> {
  const engine = await startEngine({ engine: 'v86', memoryMib: 128, cdrom: ISO, args: ['--state-dir', stateDir, '--boot', 'cdrom,floppy', ...extra] });
  engines.push(engine);
  return engine;
}

async function waitForMenu(client: QmpClient): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const screen = (await client.execute('query-screen-text')) as { lines: string[] };
    if (screen.lines.some((line) => line.includes('GNU GRUB'))) return;
    if (Date.now() > deadline) throw new Error('no GRUB menu within 60 s');
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

async function runJob(client: QmpClient, command: string, id: string, tag: string): Promise<Record<string, unknown>> {
  const since = client.events.length;
  await client.execute(command, { 'job-id': id, tag });
  await client.waitForEvent('JOB_STATUS_CHANGE', 120_000, (event) => event.data['id'] === id && event.data['status'] === 'concluded', since);
  const jobs = (await client.execute('query-jobs')) as Record<string, unknown>[];
  const job = jobs.find((entry) => entry['id'] === id);
  assert.ok(job);
  await client.execute('job-dismiss', { id });
  return job;
}

test('media, snapshot jobs and the speed limit over QMP', { timeout: 180_000 }, async () => {
  const engine = await start();
  const { client } = engine;
  await waitForMenu(client);
  const saved = await runJob(client, 'snapshot-save', 'save-1', 'menu');
  assert.equal(saved['error'], undefined);
  const statuses = client.events.filter((event) => event.event === 'JOB_STATUS_CHANGE' && event.data['id'] === 'save-1').map((event) => event.data['status']);
  assert.deepEqual(statuses, ['created', 'running', 'pending', 'concluded', 'null']);
  const inspect = (await client.execute('snapshot-inspect', { tag: 'menu' })) as { loadable: boolean; 'file-size': number; 'format-version': number };
  assert.equal(inspect.loadable, true);
  assert.equal(inspect['format-version'], 1);
  assert.ok(inspect['file-size'] < 8 * 1024 * 1024);

  let since = client.events.length;
  await client.execute('eject', { id: 'cd0' });
  await client.waitForEvent('DEVICE_TRAY_MOVED', 10_000, (event) => event.data['id'] === 'cd0' && event.data['tray-open'] === true, since);
  since = client.events.length;
  await client.execute('blockdev-change-medium', { id: 'fd0', filename: FLOPPY, 'read-only-mode': 'read-only' });
  await client.waitForEvent('DEVICE_TRAY_MOVED', 10_000, (event) => event.data['id'] === 'fd0' && event.data['tray-open'] === false, since);
  const blocks = (await client.execute('query-block')) as { qdev: string; inserted?: { file: string } }[];
  assert.deepEqual(blocks.map((block) => [block.qdev, block.inserted?.file]), [['cd0', undefined], ['fd0', FLOPPY]]);
  await assert.rejects(client.execute('blockdev-change-medium', { id: 'cd0', filename: '/nonexistent.iso' }), /GenericError: .*does not exist/);
  await assert.rejects(client.execute('eject', { id: 'nope0' }), /DeviceNotFound/);

  assert.deepEqual(await client.execute('set-speed-limit', { mips: 50 }), { mips: 50 });
  assert.equal(((await client.execute('query-speed-limit')) as { mips: number }).mips, 50);
  await client.execute('set-speed-limit', { mips: 0 });

  const loaded = await runJob(client, 'snapshot-load', 'load-1', 'menu');
  assert.equal(loaded['error'], undefined);
  await waitForMenu(client);
  const after = (await client.execute('query-block')) as { qdev: string; inserted?: { file: string } }[];
  assert.equal(after.find((block) => block.qdev === 'cd0')?.inserted?.file, ISO);
  await engine.stop();
});

test('SIGKILL of the engine during snapshot-save, repeatedly: no broken complete-looking file; earlier snapshots load', { timeout: 300_000 }, async () => {
  const folder = join(stateDir, 'snapshots');
  for (const [round, delay] of [20, 120, 250].entries()) {
    const engine = await start();
    await waitForMenu(engine.client);
    const since = engine.client.events.length;
    await engine.client.execute('snapshot-save', { 'job-id': `kill-${round}`, tag: `victim-${round}` });
    await engine.client.waitForEvent('JOB_STATUS_CHANGE', 30_000, (event) => event.data['status'] === 'running', since);
    await new Promise((resolve) => setTimeout(resolve, delay));
    engine.child.kill('SIGKILL');
    assert.equal(await engine.exited, null, 'killed by the signal');
    for (const name of readdirSync(folder).filter((entry) => entry.endsWith(SNAPSHOT_EXTENSION))) {
      const path = join(folder, name);
      const { header } = readSnapshotHeader(path);
      for (const section of header.sections) readSnapshotSection(path, header, section.name);
    }
  }
  const engine = await start(['--paused']);
  const tags = ((await engine.client.execute('query-snapshots')) as { tag: string }[]).map((entry) => entry.tag);
  assert.ok(tags.includes('menu'), `the first snapshot survives (${tags.join(', ')})`);
  const loaded = await runJob(engine.client, 'snapshot-load', 'load-after', 'menu');
  assert.equal(loaded['error'], undefined);
  await engine.client.execute('cont');
  await waitForMenu(engine.client);
});
