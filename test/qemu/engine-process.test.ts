/**
 * The QEMU backend inside the real engine process (src/emulator/host/entry.ts), driven over
 * its QMP socket exactly as Hangar and outside tools drive it.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { killTree, spawnOwned } from '../../src/node/owned-child.js';
import { startEngine, type EngineProcess } from '../support/engine-process.js';
import { poll } from './recording-host.js';

/** The engine's QEMU child (QEMU runs as a direct child: the parent-death guard execs it). */
function qemuChildOf(pid: number | undefined): number | undefined {
  const children = execFileSync('pgrep', ['-P', String(pid)], { encoding: 'utf8' }).trim().split('\n').map(Number);
  return children.find((child) => {
    try {
      return readFileSync(`/proc/${child}/comm`, 'utf8').startsWith('qemu');
    } catch {
      return false;
    }
  });
}

/** True while `pid` runs (a zombie holds no locks, so it counts as gone). */
function running(pid: number): boolean {
  try {
    return !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return false;
  }
}

describe('QEMU backend in the engine process', () => {
  let engine: EngineProcess;

  before(async () => {
    engine = await startEngine({
      engine: 'qemu',
      memoryMib: 64,
      cdrom: '/usr/lib/grub-rescue/grub-rescue-cdrom.iso',
      args: ['--options', JSON.stringify({ accelerator: 'tcg' })],
      timeoutMs: 60_000,
    });
  });

  after(async () => {
    await engine?.stop();
  });

  it('answers over QMP: engine, accelerator, status and the GRUB text screen', async () => {
    // The host may accept connections before the backend has finished starting QEMU.
    const info = await poll(async () => {
      try {
        return (await engine.client.execute('query-engine', {})) as { engine: string; accelerator: string; version: string };
      } catch {
        return undefined;
      }
    }, 60_000);
    assert.ok(info, 'query-engine answered');
    assert.equal(info.engine, 'qemu');
    assert.equal(info.accelerator, 'tcg');
    assert.match(info.version, /^\d+\.\d+\.\d+$/);
    const menu = await poll(async () => {
      const screen = (await engine.client.execute('query-screen-text', {})) as { mode: string; lines: string[] };
      return screen.lines.join('\n').includes('*GNU/Linux') ? screen : undefined;
    }, 60_000);
    assert.equal(menu?.mode, 'text');
    const status = (await engine.client.execute('query-status', {})) as { status: string; running: boolean };
    assert.deepEqual(status, { status: 'running', running: true });
  });

  it('reports QEMU dying (SIGKILL) as ENGINE_ERROR over QMP instead of hanging', async () => {
    // The QEMU process is the engine's child.
    const children = execFileSync('pgrep', ['-P', String(engine.child.pid)], { encoding: 'utf8' }).trim().split('\n').map(Number);
    const qemu = children.find((pid) => execFileSync('ps', ['-o', 'comm=', '-p', String(pid)], { encoding: 'utf8' }).includes('qemu'));
    assert.ok(qemu, `QEMU child of the engine (children: ${children.join(', ')})`);
    const since = engine.client.events.length;
    process.kill(qemu, 'SIGKILL');
    const event = await engine.client.waitForEvent('ENGINE_ERROR', 30_000, (event) => /SIGKILL/.test(String((event as { data?: { reason?: unknown } }).data?.reason)), since);
    assert.ok(event);
    const started = Date.now();
    await assert.rejects(engine.client.execute('stop', {}, 10_000));
    assert.ok(Date.now() - started < 5000, 'commands fail fast');
  });
});

describe('QEMU dies with its engine, and its disk is free again', () => {
  const folder = mkdtempSync(join(tmpdir(), 'hangar-qemu-owned-'));
  const disk = join(folder, 'disk.qcow2');
  const options = ['--options', JSON.stringify({ accelerator: 'tcg' })];
  const engines: EngineProcess[] = [];
  const strays: number[] = [];

  before(() => {
    execFileSync('qemu-img', ['create', '-q', '-f', 'qcow2', disk, '32M']);
  });

  after(async () => {
    for (const pid of strays) killTree(pid);
    await Promise.all(engines.map((engine) => engine.stop()));
    rmSync(folder, { recursive: true, force: true });
  });

  it('SIGKILL of the engine ends QEMU within seconds; a new engine starts on the same qcow2', async () => {
    const first = await startEngine({ engine: 'qemu', memoryMib: 64, disk, args: options, timeoutMs: 60_000 });
    engines.push(first);
    const qemu = await poll(() => Promise.resolve(qemuChildOf(first.child.pid)), 30_000);
    assert.ok(qemu, 'the engine runs QEMU');
    strays.push(qemu);
    first.child.kill('SIGKILL');
    await first.exited;
    const gone = await poll(() => Promise.resolve(running(qemu) ? undefined : true), 5000);
    assert.ok(gone, `QEMU (pid ${qemu}) is gone within 5 s of its engine's SIGKILL`);

    const second = await startEngine({ engine: 'qemu', memoryMib: 64, disk, args: options, timeoutMs: 60_000 });
    engines.push(second);
    const status = (await second.client.execute('query-status', {}, 30_000)) as { status: string };
    assert.equal(status.status, 'running', 'the disk\'s write lock was free for the next start');
    await second.stop();
  });

  it('a disk locked by another process: the engine fails with QEMU\'s reason, the command line stays in its log', async () => {
    const qmp = join(folder, 'holder.sock');
    const holder = spawnOwned('qemu-system-x86_64', ['-S', '-display', 'none', '-nodefaults', '-qmp', `unix:${qmp},server=on,wait=off`, '-drive', `file=${disk},format=qcow2,if=none,id=holder`], { stdio: 'ignore' });
    strays.push(holder.pid ?? -1);
    try {
      assert.ok(await poll(() => Promise.resolve(existsSync(qmp) || undefined), 30_000), 'the holder QEMU is up');
      const failure = await startEngine({ engine: 'qemu', memoryMib: 64, disk, args: options, timeoutMs: 60_000 }).then(
        (engine) => {
          engines.push(engine);
          return undefined;
        },
        (error: Error) => error.message,
      );
      assert.ok(failure, 'the engine did not start');
      const failedLine = failure.split('\n').find((line) => line.startsWith('[engine] failed: '));
      assert.ok(failedLine, failure);
      assert.match(failedLine, /QEMU exited with code 1: -drive drive-hd0: Failed to get "write" lock\. Is another process using the image/);
      assert.ok(failedLine.length < 400, `a short reason, not the command line: ${failedLine}`);
      assert.match(failure, /\[engine\] qemu: \S*qemu-system-x86_64 .*-drive if=none,id=drive-hd0,file=/, 'the full command line is in the engine log');
    } finally {
      killTree(holder.pid);
    }
  });
});
