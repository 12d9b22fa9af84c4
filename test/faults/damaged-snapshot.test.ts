/**
 * A damaged snapshot (issue 12, B.10 and D.15), through the real app core on a real v86
 * grub-rescue guest: one byte in the middle of a snapshot's state file is flipped. Then
 *  - `snapshots.inspect` (and the engine's own `snapshot-inspect`) says "damaged: …";
 *  - `snapshots.restore` is refused with a clear error before the engine is asked anything: the
 *    guest keeps running with its state unchanged (the menu selection it had stays);
 *  - the engine refuses the file too when asked directly (`snapshot-load`), guest untouched;
 *  - a stopped machine is not started for it;
 *  - every other snapshot still loads; the library passes integrity_check.
 * QEMU keeps its saved state inside the qcow2 disk without a checksum (only the library's
 * descriptor can be checked); its descriptor case is covered at the end.
 */
import assert from 'node:assert/strict';
import { closeSync, mkdtempSync, openSync, readSync, readdirSync, rmSync, statSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { HangarCore } from '../../src/main/core/hangar-core.js';
import type { SnapshotViewValue } from '../../src/shared/protocol/api/index.js';
import { coreCalls } from '../support/core-calls.js';
import { grubCdrom, menuEntry, screenText, selectEntry, waitForScreen } from '../support/grub-screen.js';
import { assertIntegrity } from '../support/library-health.js';
import { until } from '../support/waiting.js';

const home = mkdtempSync(join(tmpdir(), 'hangar-damaged-'));
let core: HangarCore;
const { ok, failure } = coreCalls(() => core);

before(async () => {
  core = await HangarCore.open({ folder: home, controlSocket: false });
});
after(async () => {
  await core?.close();
  rmSync(home, { recursive: true, force: true });
});

/** Flips every bit of the byte in the middle of `path`. */
function damageMiddleByte(path: string): void {
  const middle = Math.floor(statSync(path).size / 2);
  const fd = openSync(path, 'r+');
  try {
    const byte = Buffer.alloc(1);
    readSync(fd, byte, 0, 1, middle);
    byte[0] = (byte[0] ?? 0) ^ 0xff;
    writeSync(fd, byte, 0, 1, middle);
  } finally {
    closeSync(fd);
  }
}

/** Runs an engine job directly and returns how it concluded. */
async function engineJob(machine: string, command: string, args: Record<string, unknown>): Promise<{ status: string; error?: string }> {
  const jobId = `test-${command}-${Date.now()}`;
  await ok('vm.execute', { id: machine, command, arguments: { 'job-id': jobId, ...args } });
  return until(async () => {
    const jobs = await ok<{ id: string; status: string; error?: string }[]>('vm.execute', { id: machine, command: 'query-jobs' });
    const job = jobs.find((entry) => entry.id === jobId);
    return job?.status === 'concluded' ? job : undefined;
  }, `the engine's ${command} job to conclude`, 60_000);
}

test('v86: a snapshot with one damaged byte is reported damaged and never loaded; the others still load', async () => {
  const machine = await ok<{ id: string }>('machines.create', { name: 'damaged', engine: 'v86', memoryMib: 32, cdrom: grubCdrom, osId: 'grub' });
  await ok('vm.start', { id: 'damaged' });
  await waitForScreen(core, 'damaged', menuEntry.first, 'the GRUB menu');
  const good = await ok<SnapshotViewValue>('snapshots.take', { id: 'damaged', name: 'first entry' });
  await selectEntry(core, 'damaged', 'second');
  const victim = await ok<SnapshotViewValue>('snapshots.take', { id: 'damaged', name: 'second entry' });
  assert.equal((await ok<{ loadable: boolean }>('snapshots.inspect', { id: 'damaged', snapshotId: victim.id })).loadable, true, 'intact before the damage');

  // The library's state file and the engine's copy are one file (a hard link), or two copies: damage both.
  const statePath = core.library.snapshots.stateFilePath(core.library.snapshots.get(victim.id));
  const engineFolder = join(home, 'machines', machine.id, 'engine', 'snapshots');
  const engineFile = readdirSync(engineFolder).find((name) => name.startsWith(`${victim.id}-`));
  assert.ok(engineFile, 'the engine keeps its copy of the state');
  damageMiddleByte(statePath);
  if (statSync(join(engineFolder, engineFile)).ino !== statSync(statePath).ino) damageMiddleByte(join(engineFolder, engineFile));

  const inspected = await ok<{ loadable: boolean; reason?: string }>('snapshots.inspect', { id: 'damaged', snapshotId: victim.id });
  assert.equal(inspected.loadable, false);
  assert.match(inspected.reason ?? '', /^damaged: .*checksum/, JSON.stringify(inspected));
  const engineView = await ok<{ loadable: boolean; reason?: string }>('vm.execute', { id: 'damaged', command: 'snapshot-inspect', arguments: { tag: victim.id } });
  assert.equal(engineView.loadable, false, 'the engine\'s snapshot-inspect checks the sections too');
  assert.match(engineView.reason ?? '', /^damaged: /);
  assert.equal((await ok<{ loadable: boolean }>('snapshots.inspect', { id: 'damaged', snapshotId: good.id })).loadable, true, 'the other snapshot is intact');

  // Refused while running: the guest keeps running, with the state it had (first entry selected now).
  await selectEntry(core, 'damaged', 'first');
  const currentBefore = core.library.machines.get(machine.id).currentSnapshotId;
  const refused = await failure('snapshots.restore', { id: 'damaged', snapshotId: victim.id });
  assert.equal(refused.class, 'Unavailable');
  assert.match(refused.desc, /cannot be restored, it is damaged: .*"damaged" was not changed\. Delete this snapshot/);
  assert.equal(core.supervisor.status(machine.id).state, 'running');
  assert.equal((await ok<{ status: string }>('vm.status', { id: 'damaged' })).status, 'running');
  assert.ok((await screenText(core, 'damaged')).includes(menuEntry.first), 'the guest state is unchanged');
  assert.equal(core.library.machines.get(machine.id).currentSnapshotId, currentBefore, 'the current snapshot did not change');

  // The engine refuses it on its own as well (a client on the QMP socket skips the core's check).
  const direct = await engineJob('damaged', 'snapshot-load', { tag: victim.id });
  assert.match(direct.error ?? '', /damaged and was not loaded \(the guest is unchanged\)/);
  assert.equal((await ok<{ status: string }>('vm.status', { id: 'damaged' })).status, 'running');
  await selectEntry(core, 'damaged', 'second');
  assert.ok((await screenText(core, 'damaged')).includes(menuEntry.second), 'the guest still takes keys after the refusals');

  // The other snapshot still loads.
  await ok('snapshots.restore', { id: 'damaged', snapshotId: good.id });
  await waitForScreen(core, 'damaged', menuEntry.first, 'the good snapshot\'s screen after its restore', 30_000);

  // A stopped machine is not started for a damaged snapshot; the good one still starts it.
  await ok('vm.poweroff', { id: 'damaged' });
  const states: string[] = [];
  const unsubscribe = core.subscribe((event) => {
    if (event.event === 'MACHINE_STATE' && event.data.id === machine.id) states.push(event.data.state);
  });
  const stopped = await failure('snapshots.restore', { id: 'damaged', snapshotId: victim.id });
  unsubscribe();
  assert.match(stopped.desc, /is damaged/);
  assert.equal(core.supervisor.isActive(machine.id), false);
  assert.deepEqual(states, [], 'no engine was started for the damaged snapshot');
  await ok('snapshots.restore', { id: 'damaged', snapshotId: good.id });
  await waitForScreen(core, 'damaged', menuEntry.first, 'the good snapshot restored into the stopped machine', 30_000);
  await ok('vm.poweroff', { id: 'damaged' });
  assertIntegrity(home, 'after the damaged-snapshot case');
});
