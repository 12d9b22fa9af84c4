/**
 * The supervisor with real v86 engines: two guests at once, a killed engine is reported as
 * crashed with its reason within 2 s while the other keeps answering, and shutdown leaves no
 * engine process behind.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { Supervisor } from '../../src/main/supervisor/index.js';
import type { VmStatus } from '../../src/main/supervisor/index.js';

const cdrom = '/usr/lib/grub-rescue/grub-rescue-cdrom.iso';
const runtimeDir = mkdtempSync(join(tmpdir(), 'hangar-sup-'));
const supervisor = new Supervisor({ runtimeDir });
const states: { id: string; status: VmStatus; at: number }[] = [];
supervisor.on('state', (id, status) => states.push({ id, status, at: Date.now() }));

function alive(pid: number | undefined): boolean {
  if (pid === undefined) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

before(async () => {
  await Promise.all([
    supervisor.start('vm-a', { engine: 'v86', memoryMib: 32, cdrom }),
    supervisor.start('vm-b', { engine: 'v86', memoryMib: 32, cdrom }),
  ]);
});

after(async () => {
  await supervisor.shutdown();
  rmSync(runtimeDir, { recursive: true, force: true });
});

test('two engines run at once and answer query-status', async () => {
  for (const id of ['vm-a', 'vm-b']) {
    const status = (await supervisor.execute(id, 'query-status')) as { status: string; running: boolean };
    assert.equal(status.status, 'running');
    assert.equal(supervisor.status(id).state, 'running');
  }
  assert.deepEqual(supervisor.active().sort(), ['vm-a', 'vm-b']);
});

test('pause and resume are tracked from engine events', async () => {
  await supervisor.execute('vm-b', 'stop');
  const deadline = Date.now() + 10_000;
  while (supervisor.status('vm-b').state !== 'paused' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  assert.equal(supervisor.status('vm-b').state, 'paused');
  await supervisor.execute('vm-b', 'cont');
  while (supervisor.status('vm-b').state !== 'running' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  assert.equal(supervisor.status('vm-b').state, 'running');
});

test('syncRunState resolves with the engine state shown, also when an event asked again while its answer was on the way', async () => {
  await supervisor.execute('vm-b', 'stop');
  await supervisor.syncRunState('vm-b');
  assert.equal(supervisor.status('vm-b').state, 'paused');
  const pid = supervisor.session('vm-b')?.channel.pid;
  assert.ok(pid);
  // With the engine frozen, `cont` and then syncRunState's question wait in its socket. Thawed,
  // it resumes (RESUME, which makes main ask again) before it answers syncRunState's question:
  // that answer is dropped for the newer one, and syncRunState must wait for that one.
  process.kill(pid, 'SIGSTOP');
  const resumed = supervisor.execute('vm-b', 'cont');
  const synced = supervisor.syncRunState('vm-b');
  try {
    await new Promise((resolve) => setTimeout(resolve, 200));
  } finally {
    process.kill(pid, 'SIGCONT');
  }
  await synced;
  assert.equal(supervisor.status('vm-b').state, 'running', 'the state shown once syncRunState has resolved');
  await resumed;
});

test('a SIGKILLed engine is reported crashed with the reason within 2 s; the other still answers', async () => {
  const pid = supervisor.session('vm-a')?.channel.pid;
  assert.ok(pid !== undefined && alive(pid));
  const killedAt = Date.now();
  process.kill(pid, 'SIGKILL');
  const deadline = killedAt + 2000;
  while (supervisor.status('vm-a').state !== 'crashed' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  const status = supervisor.status('vm-a');
  assert.equal(status.state, 'crashed', 'crash not reported within 2 s');
  assert.match(status.reason ?? '', /SIGKILL/);
  const event = states.find((entry) => entry.id === 'vm-a' && entry.status.state === 'crashed');
  assert.ok(event && event.at - killedAt < 2000);
  const other = (await supervisor.execute('vm-b', 'query-status')) as { status: string };
  assert.equal(other.status, 'running');
  await assert.rejects(supervisor.execute('vm-a', 'query-status'), (error: Error & { errorClass?: string }) => error.errorClass === 'Unavailable');
});

test('an engine call that never answers times out', async () => {
  // input-type-text with a long per-key delay keeps the engine busy past the timeout.
  await assert.rejects(
    supervisor.execute('vm-b', 'input-type-text', { text: 'xxxxxxxxxx', 'delay-ms': 1000 }, 300),
    (error: Error & { errorClass?: string }) => error.errorClass === 'Timeout',
  );
});

test('an engine that fails while starting is reported as EngineFailed or crashed, with its reason', async () => {
  // The engine may fail before or just after it answers its first commands: either way the
  // caller learns why, and the VM is not left looking alive.
  let failure = '';
  try {
    await supervisor.start('vm-bad', { engine: 'v86', memoryMib: 32, cdrom: '/nonexistent/missing.iso' });
    const deadline = Date.now() + 30_000;
    while (supervisor.status('vm-bad').state !== 'crashed' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    assert.equal(supervisor.status('vm-bad').state, 'crashed');
    failure = supervisor.status('vm-bad').reason ?? '';
  } catch (error) {
    assert.equal((error as { errorClass?: string }).errorClass, 'EngineFailed');
    failure = (error as Error).message;
  }
  // Either the engine's answer to the start ("failed to start: …") or its exit ("exit code 1"),
  // whichever reaches the supervisor first.
  assert.match(failure, /failed to start|exit code 1/);
  assert.match(failure, /missing\.iso/, 'the reason carries the engine\'s own message');
  assert.equal(supervisor.isActive('vm-bad'), false);
});

test('shutdown stops every engine (no orphans) and refuses new starts', async () => {
  const pid = supervisor.session('vm-b')?.channel.pid;
  assert.ok(alive(pid));
  await supervisor.shutdown();
  assert.equal(alive(pid), false);
  assert.equal(supervisor.status('vm-b').state, 'stopped');
  await assert.rejects(supervisor.start('vm-c', { engine: 'v86', memoryMib: 32, cdrom }));
});

test('a hung engine (stopped with SIGSTOP) is killed by the watchdog and reported crashed with the reason', async () => {
  const folder = mkdtempSync(join(tmpdir(), 'hangar-hung-'));
  const watched = new Supervisor({ runtimeDir: folder, watchdogIntervalMs: 200, watchdogTimeoutMs: 1500 });
  const seen: VmStatus[] = [];
  watched.on('state', (_id, status) => seen.push(status));
  try {
    await watched.start('hung', { engine: 'v86', memoryMib: 32, cdrom });
    const pid = watched.session('hung')?.channel.pid;
    assert.ok(pid);
    process.kill(pid, 'SIGSTOP');
    const deadline = Date.now() + 15_000;
    while (watched.status('hung').state !== 'crashed' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    assert.equal(watched.status('hung').state, 'crashed');
    assert.match(watched.status('hung').reason ?? '', /stopped answering/);
    assert.equal(alive(pid), false, 'the hung engine was killed');
    assert.ok(seen.some((status) => status.state === 'crashed'));
  } finally {
    await watched.shutdown();
    rmSync(folder, { recursive: true, force: true });
  }
});

test('an engine that has exited leaves nothing behind but a crash status: no map entry, no exit hook', async () => {
  const folder = mkdtempSync(join(tmpdir(), 'hangar-owned-'));
  const exitHooks = process.listenerCount('exit');
  try {
    await using owned = new Supervisor({ runtimeDir: folder });
    await Promise.all([owned.start('calm', { engine: 'v86', memoryMib: 32, cdrom }), owned.start('doomed', { engine: 'v86', memoryMib: 32, cdrom })]);
    assert.deepEqual(owned.tracked().sort(), ['calm', 'doomed']);
    assert.equal(process.listenerCount('exit'), exitHooks + 1, 'one exit hook while the supervisor has engines');

    await owned.stop('calm');
    assert.deepEqual(owned.tracked(), ['doomed'], 'a stopped engine is forgotten');
    assert.equal(owned.status('calm').state, 'stopped');

    const pid = owned.session('doomed')?.channel.pid;
    assert.ok(pid !== undefined);
    process.kill(pid, 'SIGKILL');
    await owned.exited('doomed');
    assert.equal(owned.status('doomed').state, 'crashed', 'a crash stays visible after the engine is gone');
    assert.match(owned.status('doomed').reason ?? '', /SIGKILL/);
    assert.deepEqual(owned.tracked(), ['doomed']);
    assert.equal(owned.session('doomed'), undefined);
    assert.equal(process.listenerCount('exit'), exitHooks, 'no exit hook once no engine is left');

    owned.forget('doomed');
    assert.deepEqual(owned.tracked(), []);
    assert.equal(owned.status('doomed').state, 'stopped');
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
  assert.equal(process.listenerCount('exit'), exitHooks);
});
