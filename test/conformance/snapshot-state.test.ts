/**
 * Engine protocol conformance: the run state around snapshot jobs. A snapshot-save and a
 * snapshot-load on a running guest stop and resume it within moments; afterwards the last
 * STOP/RESUME event a client saw and `query-status` must both say running (a client that follows
 * the events, as the app does, must not show a running guest as paused). Written against the
 * protocol only; QEMU keeps RAM snapshots in a qcow2 disk, so its engine gets one.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, test } from 'node:test';
import type { EngineProcess } from '../support/engine-process.js';
import { startEngine } from '../support/engine-process.js';
import type { QmpClient } from '../support/qmp-client.js';
import { conformanceBackends, engineArguments, grubRescueCdrom } from './backends.js';

const execFileAsync = promisify(execFile);

async function poll<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

for (const backend of conformanceBackends) {
  describe(`engine protocol conformance: ${backend}: run state after snapshot jobs`, { timeout: 300_000 }, () => {
    let folder = '';
    let engine: EngineProcess | undefined;
    let client: QmpClient;
    let jobs = 0;

    before(async () => {
      folder = mkdtempSync(join(tmpdir(), 'hangar-conformance-snap-'));
      chmodSync(folder, 0o700);
      const disk: string[] = [];
      if (backend === 'qemu') {
        const path = join(folder, 'disk.qcow2');
        await execFileAsync('qemu-img', ['create', '-q', '-f', 'qcow2', path, '16M'], { timeout: 30_000 });
        disk.push('--disk', path, '--disk-format', 'qcow2', '--boot', 'cdrom,disk');
      }
      engine = await startEngine({ engine: backend, memoryMib: 64, cdrom: grubRescueCdrom, args: [...disk, ...engineArguments[backend]] });
      client = engine.client;
      await poll('the GRUB menu', 90_000, async () => {
        const screen = (await client.execute('query-screen-text')) as { lines: string[] };
        return screen.lines.some((line) => line.includes('GNU GRUB')) ? true : undefined;
      });
    });
    after(async () => {
      await engine?.stop();
      rmSync(folder, { recursive: true, force: true });
    });

    /** Runs a job to its end on a running guest, then checks the events and the status agree: running. */
    const runJobAndCheckState = async (type: 'snapshot-save' | 'snapshot-load', tag: string): Promise<void> => {
      assert.equal(((await client.execute('query-status')) as { status: string }).status, 'running', 'the guest runs before the job');
      const id = `state-${++jobs}`;
      const mark = client.events.length;
      await client.execute(type, { 'job-id': id, tag });
      await client.waitForEvent('JOB_STATUS_CHANGE', 120_000, (event) => event.data.id === id && event.data.status === 'concluded', mark);
      const job = ((await client.execute('query-jobs')) as { id: string; error?: string }[]).find((entry) => entry.id === id);
      assert.ok(job, `${type} is listed once concluded`);
      assert.equal(job.error, undefined, `${type} succeeded`);
      await client.execute('job-dismiss', { id });
      // This reply comes after every event the engine sent before it, including a late STOP.
      const status = (await client.execute('query-status')) as { status: string; running: boolean };
      const runEvents = client.events.slice(mark).filter((event) => event.event === 'STOP' || event.event === 'RESUME').map((event) => event.event);
      assert.deepEqual(status, { status: 'running', running: true }, `the engine says running after ${type}`);
      assert.ok(runEvents.length === 0 || runEvents.at(-1) === 'RESUME', `the last run-state event after ${type} says running (events: ${runEvents.join(', ')})`);
      if (backend === 'qemu') assert.ok(runEvents.length > 0, `QEMU stops the guest for ${type} and says so (events: ${runEvents.join(', ')})`);
    };

    test('after snapshot-save and snapshot-load on a running guest, the last STOP/RESUME and query-status both say running', async () => {
      await runJobAndCheckState('snapshot-save', 'state-check');
      await runJobAndCheckState('snapshot-load', 'state-check');
      // A quick second round: the stop and resume of a job come within moments of each other.
      await runJobAndCheckState('snapshot-load', 'state-check');
      await runJobAndCheckState('snapshot-save', 'state-check-2');
    });
  });
}
