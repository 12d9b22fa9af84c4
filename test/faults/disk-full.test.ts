/**
 * A snapshot save into a library whose file system is full, for both engines, through the real
 * app core: the library lives on a small tmpfs (or a loop-mounted ext4 image) and a filler file
 * takes every free byte. The take must fail with a clear error (it names the full disk and says
 * what to do), add no snapshot row or folder and leave no partial file; the guest keeps running;
 * the library passes `PRAGMA integrity_check`; and once space is freed, earlier snapshots still
 * load and a new snapshot can be taken.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, test } from 'node:test';
import { HangarCore } from '../../src/main/core/hangar-core.js';
import type { SnapshotViewValue } from '../../src/shared/protocol/api/index.js';
import { coreCalls } from '../support/core-calls.js';
import { grubCdrom, menuEntry, selectEntry, waitForScreen } from '../support/grub-screen.js';
import { assertIntegrity, snapshotFolders, snapshotRowIds } from '../support/library-health.js';
import { assertNoProcessWithMarker, processesWithMarker } from '../support/processes.js';
import { mountSmallFileSystem } from '../support/small-fs.js';
import type { SmallFileSystem } from '../support/small-fs.js';
import { until } from '../support/waiting.js';

const execFileAsync = promisify(execFile);

const machines = {
  v86: { name: 'full-v86', engine: 'v86', memoryMib: 32, cdrom: grubCdrom, osId: 'grub' },
  qemu: { name: 'full-qemu', engine: 'qemu', memoryMib: 64, cdrom: grubCdrom, osId: 'grub', diskMib: 32 },
} as const;
type EngineName = keyof typeof machines;

let smallFs: SmallFileSystem | undefined;
let home = '';
let core: HangarCore | undefined;
const ids: Partial<Record<EngineName, string>> = {};
/** Snapshots each machine has committed; each must keep loading. */
const taken: Record<EngineName, SnapshotViewValue[]> = { v86: [], qemu: [] };
const { ok } = coreCalls(() => {
  assert.ok(core, 'the core is open');
  return core;
});
const app = (): HangarCore => {
  assert.ok(core, 'the core is open');
  return core;
};

before(async () => {
  // 64 MiB holds the database, QEMU's small qcow2 disk and a few snapshots of each guest.
  smallFs = mountSmallFileSystem(64);
  home = join(smallFs.path, 'library');
  core = await HangarCore.open({ folder: home, controlSocket: false });
  for (const engine of ['v86', 'qemu'] as const) {
    const spec = machines[engine];
    ids[engine] = (await ok<{ id: string }>('machines.create', spec)).id;
    await ok('vm.start', { id: spec.name });
  }
  for (const engine of ['v86', 'qemu'] as const) {
    const name = machines[engine].name;
    await waitForScreen(app(), name, menuEntry.first, `the GRUB menu under ${engine}`);
    // Every snapshot here shows the second entry; a fresh boot shows the first.
    await selectEntry(app(), name, 'second');
    taken[engine].push(await ok<SnapshotViewValue>('snapshots.take', { id: name, name: 'before the disk filled' }));
  }
}, { timeout: 180_000 });

after(async () => {
  try {
    await core?.close();
    // Engines a failed test left behind would keep the file system busy.
    if (smallFs) {
      for (const survivor of processesWithMarker(smallFs.path)) {
        try {
          process.kill(survivor.pid, 'SIGKILL');
        } catch {
          // Already gone.
        }
      }
    }
  } finally {
    await smallFs?.unmount();
  }
}, { timeout: 60_000 });

/** The guest still runs: the engine says so and the screen follows keys (seen in screendumps, which go to the system's temp folder). */
async function assertGuestRuns(engine: EngineName): Promise<void> {
  const name = machines[engine].name;
  const status = await ok<{ status: string }>('vm.status', { id: name });
  assert.equal(status.status, 'running', `${engine}: the guest runs on after the failed save`);
  for (const key of ['up', 'down']) {
    const before = (await ok<{ png: string }>('vm.thumbnail', { id: name, maxWidth: 320 })).png;
    await ok('vm.send-keys', { id: name, keys: [key] });
    await until(async () => ((await ok<{ png: string }>('vm.thumbnail', { id: name, maxWidth: 320 })).png !== before ? true : undefined), `${engine}: the screen to follow the ${key} key`, 15_000);
  }
}

/** No row, folder, partial file or engine-side copy beyond the committed snapshots. */
async function assertNothingHalfWritten(engine: EngineName): Promise<void> {
  const id = ids[engine];
  assert.ok(id);
  const rows = snapshotRowIds(home, id);
  assert.deepEqual(rows, taken[engine].map((snapshot) => snapshot.id).sort(), `${engine}: the library lists exactly the snapshots taken`);
  assert.deepEqual(snapshotFolders(home, id), rows, `${engine}: every snapshot folder has its row and no more`);
  const tags = (await ok<{ tag: string }[]>('vm.execute', { id: machines[engine].name, command: 'query-snapshots' })).map((entry) => entry.tag).sort();
  assert.deepEqual(tags, rows, `${engine}: the engine holds exactly the library's snapshots`);
  if (engine === 'v86') {
    const engineFolder = join(home, 'machines', id, 'engine', 'snapshots');
    assert.deepEqual(readdirSync(engineFolder).filter((entry) => entry.endsWith('.partial')), [], 'no partial snapshot file is left');
  }
}

/** Restores every snapshot taken so far (the second menu entry comes back each time). */
async function assertEverySnapshotLoads(engine: EngineName): Promise<void> {
  const name = machines[engine].name;
  for (const snapshot of taken[engine]) {
    await selectEntry(app(), name, 'first');
    await ok('snapshots.restore', { id: name, snapshotId: snapshot.id });
    await waitForScreen(app(), name, menuEntry.second, `${engine}: the saved selection of "${snapshot.name}"`, 30_000);
    assert.equal((await ok<{ status: string }>('vm.status', { id: name })).status, 'running', `${engine}: running after restoring "${snapshot.name}"`);
  }
}

async function assertQcow2Sound(): Promise<void> {
  const disk = (await ok<{ disks: { path: string }[] }>('machines.get', { id: machines.qemu.name })).disks[0]?.path;
  assert.ok(disk, 'the QEMU machine has a disk');
  // 0: clean; 3: leaked clusters only (space a failed save allocated); 2: corruption.
  await execFileAsync('qemu-img', ['check', '-U', disk]).catch((error: { code?: number; stdout?: string; stderr?: string }) => {
    if (error.code !== 3) throw new Error(`qemu-img check exited ${String(error.code)}: ${error.stdout ?? ''}${error.stderr ?? ''}`);
  });
}

describe('a snapshot save into a full library file system', { concurrency: 1 }, () => {
  for (const engine of ['v86', 'qemu'] as const) {
    test(`${engine}: the save fails clearly, nothing is half-written, the guest runs on, and it works again once space is freed`, { timeout: 180_000 }, async (t) => {
      assert.ok(smallFs);
      const name = machines[engine].name;
      // Every check runs, so one report shows everything that is wrong.
      const problems: string[] = [];
      const check = async (what: string, work: () => Promise<void> | void): Promise<void> => {
        try {
          await work();
        } catch (error) {
          problems.push(`${what}: ${(error as Error).message}`);
        }
      };
      const filled = smallFs.fill();
      t.diagnostic(`${smallFs.kind} at ${smallFs.path}: filled with ${filled} bytes, ${smallFs.freeBytes()} left`);
      try {
        assert.ok(smallFs.freeBytes() < 64 * 1024, `the file system is full (${smallFs.freeBytes()} bytes free)`);
        const result = await app().call('snapshots.take', { id: name, name: 'into a full disk' });
        t.diagnostic(`the take answered ${JSON.stringify(result)}`);
        assert.equal(result.ok, false, `${engine}: a save into a full file system cannot succeed`);
        const error = (result as { error: { class: string; desc: string } }).error;
        await check('the error names the full disk', () => assert.match(error.desc, /ENOSPC|no space left|disk is full|file system is full/i));
        await check('the error says what to do', () => assert.match(error.desc, /free (up )?(some )?(disk )?space|make room|delete (some )?files/i));
        // A full library is a storage problem, not an engine failure, wherever the write failed.
        await check('the error is classed NoSpace and names the library folder', () => {
          assert.equal(error.class, 'NoSpace');
          assert.ok(error.desc.includes(home), `the message names ${home}: ${error.desc}`);
        });
        await check('the guest runs on', () => assertGuestRuns(engine));
        await check('the screen text can still be read', () => waitForScreen(app(), name, menuEntry.second, 'the screen text', 5_000));
        await check('nothing is half-written', () => assertNothingHalfWritten(engine));
        await check('library integrity while full', () => assertIntegrity(home, `${engine}, disk full`));
      } finally {
        smallFs.release();
      }
      // Space is back: nothing was lost and saving works again.
      await check('library integrity once space is freed', () => assertIntegrity(home, `${engine}, space freed`));
      await check('earlier snapshots load', () => assertEverySnapshotLoads(engine));
      await check('a snapshot can be taken again', async () => {
        taken[engine].push(await ok<SnapshotViewValue>('snapshots.take', { id: name, name: 'after space was freed' }));
        await assertNothingHalfWritten(engine);
        await assertEverySnapshotLoads(engine);
      });
      if (engine === 'qemu') await check('the qcow2 disk has no corruption', () => assertQcow2Sound());
      assert.equal(problems.length, 0, `${engine}, snapshot into a full file system:\n${problems.join('\n')}`);
    });
  }

  test('closing leaves no process on the small file system', { timeout: 60_000 }, async () => {
    assert.ok(smallFs);
    await app().close();
    await assertNoProcessWithMarker(smallFs.path, 'engines of the closed core', 10_000);
    await until(() => (app().supervisor.active().length === 0 ? true : undefined), 'no active engine', 5_000);
  });
});
