/**
 * Engine protocol conformance: the run state around snapshot jobs. A snapshot-save and a
 * snapshot-load on a running guest stop and resume it within moments; afterwards the last
 * STOP/RESUME event a client saw and `query-status` must both say running (a client that follows
 * the events, as the app does, must not show a running guest as paused). On a paused guest both
 * jobs leave it paused, with no event saying otherwise. Written against the
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

    /** Runs a job to its end, then checks the events and the status agree: the guest is as it was before. */
    const runJobAndCheckState = async (type: 'snapshot-save' | 'snapshot-load', tag: string, state: 'running' | 'paused' = 'running'): Promise<void> => {
      const running = state === 'running';
      assert.equal(((await client.execute('query-status')) as { status: string }).status, state, `the guest is ${state} before the job`);
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
      assert.deepEqual(status, { status: state, running }, `the engine says ${state} after ${type}`);
      const last = running ? 'RESUME' : 'STOP';
      assert.ok(runEvents.length === 0 || runEvents.at(-1) === last, `the last run-state event after ${type} says ${state} (events: ${runEvents.join(', ')})`);
      if (!running) assert.deepEqual(runEvents, [], `a paused guest is not reported running for ${type}, not even for a moment`);
      if (backend === 'qemu' && running) assert.ok(runEvents.length > 0, `QEMU stops the guest for ${type} and says so (events: ${runEvents.join(', ')})`);
    };

    test('after snapshot-save and snapshot-load on a running guest, the last STOP/RESUME and query-status both say running', async () => {
      await runJobAndCheckState('snapshot-save', 'state-check');
      await runJobAndCheckState('snapshot-load', 'state-check');
      // A quick second round: the stop and resume of a job come within moments of each other.
      await runJobAndCheckState('snapshot-load', 'state-check');
      await runJobAndCheckState('snapshot-save', 'state-check-2');
    });

    test('after snapshot-save and snapshot-load on a paused guest it stays paused; events and query-status agree', async () => {
      const mark = client.events.length;
      await client.execute('stop');
      await client.waitForEvent('STOP', 10_000, undefined, mark);
      await runJobAndCheckState('snapshot-save', 'paused-check', 'paused');
      await runJobAndCheckState('snapshot-load', 'paused-check', 'paused');
      // A state saved while the guest ran is loaded paused too: the guest does not start by itself.
      await runJobAndCheckState('snapshot-load', 'state-check', 'paused');
      const resumed = client.events.length;
      await client.execute('cont');
      await client.waitForEvent('RESUME', 10_000, undefined, resumed);
      assert.equal(((await client.execute('query-status')) as { status: string }).status, 'running');
    });

    test('a snapshot loaded after the guest powered off waits for cont, and cont runs it', async () => {
      const screenLines = async (): Promise<string[]> => ((await client.execute('query-screen-text')) as { lines: string[] }).lines;
      await poll('the GRUB menu', 60_000, async () => ((await screenLines()).some((line) => line.includes('GNU GRUB')) ? true : undefined));
      await client.execute('input-type-text', { text: 'c' });
      await poll('the GRUB prompt', 30_000, async () => ((await screenLines()).some((line) => line.startsWith('grub>')) ? true : undefined));
      const off = client.events.length;
      await client.execute('input-type-text', { text: 'halt\n' });
      await client.waitForEvent('SHUTDOWN', 60_000, undefined, off);
      await poll('status shutdown', 10_000, async () => (((await client.execute('query-status')) as { status: string }).status === 'shutdown' ? true : undefined));
      const id = `state-${++jobs}`;
      const mark = client.events.length;
      await client.execute('snapshot-load', { 'job-id': id, tag: 'state-check' });
      await client.waitForEvent('JOB_STATUS_CHANGE', 120_000, (event) => event.data.id === id && event.data.status === 'concluded', mark);
      const job = ((await client.execute('query-jobs')) as { id: string; error?: string }[]).find((entry) => entry.id === id);
      assert.equal(job?.error, undefined, 'the load succeeded');
      await client.execute('job-dismiss', { id });
      const loaded = (await client.execute('query-status')) as { status: string; running: boolean };
      assert.equal(loaded.running, false, `a loaded state waits for cont (status ${loaded.status})`);
      assert.ok(['paused', 'prelaunch'].includes(loaded.status), `status ${loaded.status} is one cont leaves`);
      const resumed = client.events.length;
      await client.execute('cont');
      await client.waitForEvent('RESUME', 10_000, undefined, resumed);
      assert.equal(((await client.execute('query-status')) as { status: string }).status, 'running');
      await poll('the GRUB menu of the loaded state', 60_000, async () => ((await screenLines()).some((line) => line.includes('GNU GRUB')) ? true : undefined));
    });
  });
}
