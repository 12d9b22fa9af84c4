/**
 * The run state a window shows comes from the engine (issue 16 item 1). After a snapshot of a
 * running machine the supervisor's state, the MACHINE_STATE events a window follows and the
 * engine's own query-status must all say running once `snapshots.take` (and a restore) has
 * returned, on both engines, three takes in a row (the bug showed 3 of 3 times). And through
 * pause, resume, a guest power-off and a reset, the state shown is what the engine says; a
 * reset of a guest that powered itself off boots it again.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { HangarCore } from '../../src/main/core/hangar-core.js';
import { shownRunState } from '../../src/main/supervisor/supervisor.js';
import type { CoreEvent } from '../../src/main/core/hangar-core.js';
import type { SnapshotViewValue } from '../../src/shared/protocol/api/index.js';
import { coreCalls } from '../support/core-calls.js';
import { engineLogTail } from '../support/library-health.js';
import { until } from '../support/waiting.js';

const cdrom = '/usr/lib/grub-rescue/grub-rescue-cdrom.iso';
const home = mkdtempSync(join(tmpdir(), 'hangar-snap-state-'));
let core: HangarCore;
const events: CoreEvent[] = [];

before(async () => {
  core = await HangarCore.open({ folder: home, controlSocket: false });
  core.subscribe((event) => events.push(event));
});
after(async () => {
  await core?.close();
  rmSync(home, { recursive: true, force: true });
});

const { ok } = coreCalls(() => core);

async function screen(machine: string): Promise<string> {
  const result = await core.call('vm.execute', { id: machine, command: 'query-screen-text' });
  return result.ok ? (result.value as { lines: string[] }).lines.join('\n') : '';
}

/** The last state a window following MACHINE_STATE events has seen for `machineId` since `from`. */
function windowState(machineId: string, from: number): string | undefined {
  const states = events
    .slice(from)
    .filter((event) => event.event === 'MACHINE_STATE' && (event.data as { id: string }).id === machineId)
    .map((event) => (event.data as { state: string }).state);
  return states.at(-1);
}

// QEMU with the clipboard agent too: its port is unplugged and plugged back around each job.
for (const [engine, clipboardMode] of [['qemu', 'off'], ['qemu', 'bidirectional'], ['v86', 'off']] as const) {
  test(`${engine} (clipboard ${clipboardMode}): a running machine is reported running after snapshots are taken and restored`, { timeout: 300_000 }, async () => {
    const name = `state-${engine}-${clipboardMode}`;
    const machine = await ok<{ id: string }>('machines.create', { name, engine, memoryMib: 64, cdrom, osId: 'grub', clipboardMode, ...(engine === 'qemu' ? { diskMib: 32 } : {}) });
    await ok('vm.start', { id: name });
    await until(async () => ((await screen(name)).includes('GNU GRUB') ? true : undefined), `the GRUB menu under ${engine}`, 90_000);
    const startMark = events.length;
    for (let take = 1; take <= 3; take++) {
      const mark = events.length;
      const taken = await ok<SnapshotViewValue>('snapshots.take', { id: name, name: `take ${take}` });
      assert.equal(taken.engine, engine);
      const status = (await ok<{ status: string; running: boolean }>('vm.execute', { id: name, command: 'query-status' })).status;
      assert.equal(status, 'running', `the engine runs the guest after take ${take}`);
      assert.equal(core.supervisor.status(machine.id).state, 'running', `the app says running after take ${take}`);
      const seen = windowState(machine.id, mark) ?? windowState(machine.id, startMark) ?? 'running';
      assert.equal(seen, 'running', `a window following the events shows running after take ${take} (events: ${JSON.stringify(events.slice(mark).filter((event) => event.event === 'MACHINE_STATE'))})`);
    }
    // A little later (late events would have arrived by now) it still says running.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    assert.equal(core.supervisor.status(machine.id).state, 'running', 'still running a moment later');
    assert.equal(windowState(machine.id, startMark) ?? 'running', 'running');

    const mark = events.length;
    await ok('snapshots.restore', { id: name, snapshotId: 'take 1' });
    await until(() => (core.supervisor.status(machine.id).state === 'running' ? true : undefined), 'running after the restore', 10_000);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    assert.equal((await ok<{ status: string }>('vm.execute', { id: name, command: 'query-status' })).status, 'running');
    assert.equal(core.supervisor.status(machine.id).state, 'running', 'the app says running after the restore');
    assert.equal(windowState(machine.id, mark) ?? 'running', 'running', 'a window shows running after the restore');
    await ok('vm.poweroff', { id: name });
  });
}

for (const engine of ['qemu', 'v86'] as const) {
  test(`${engine}: through pause, resume, a guest power-off and a reset, the state shown is the engine's`, { timeout: 300_000 }, async () => {
    const name = `steps-${engine}`;
    const machine = await ok<{ id: string }>('machines.create', { name, engine, memoryMib: 64, cdrom, osId: 'grub' });
    /** Waits until the app shows what the engine says, and returns it. */
    const agrees = async (step: string): Promise<string> => {
      let last = '';
      return until(
        async () => {
          const status = (await ok<{ status: string }>('vm.execute', { id: name, command: 'query-status' })).status;
          const shown = core.supervisor.status(machine.id).state;
          last = `engine ${status}, app ${shown}, window ${windowState(machine.id, 0)}`;
          return shown === shownRunState(status) && windowState(machine.id, 0) === shown ? shown : undefined;
        },
        `the app to show the engine's state after ${step} (${last})`,
        10_000,
      ).catch((error: unknown) => assert.fail(`${(error as Error).message}; last: ${last}${engineLogTail(home, machine.id)}`));
    };
    const expectState = async (step: string, expected: string): Promise<void> => {
      const shown = await agrees(step);
      // When it fails (seen once in CI, never here), what the engine did says why.
      assert.equal(shown, expected, `after ${step}${engineLogTail(home, machine.id)}`);
    };
    await ok('vm.start', { id: name });
    await until(async () => ((await screen(name)).includes('GNU GRUB') ? true : undefined), `the GRUB menu under ${engine}`, 90_000);
    await expectState('the start', 'running');
    await ok('vm.pause', { id: name });
    await expectState('pause', 'paused');
    await ok('vm.resume', { id: name });
    await expectState('resume', 'running');
    await ok('vm.type-text', { id: name, text: 'c' });
    await until(async () => ((await screen(name)).includes('grub>') ? true : undefined), 'the GRUB prompt');
    await ok('vm.type-text', { id: name, text: 'halt\n' });
    await until(() => (core.supervisor.status(machine.id).state === 'shutdown' ? true : undefined), 'the guest to power off', 30_000);
    await expectState('the guest powered off', 'shutdown');
    // Reset of a guest that powered itself off boots it again: running, and GRUB's menu comes back.
    await ok('vm.reset', { id: name });
    await expectState('a reset of the powered-off guest', 'running');
    // The menu's selected entry, not GRUB's header (also on the prompt screen that said halt).
    await until(async () => ((await screen(name)).includes('*GNU/Linux') ? true : undefined), `the GRUB menu after the reset under ${engine}`, 90_000);
    await ok('vm.poweroff', { id: name });
  });
}
