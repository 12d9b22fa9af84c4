/**
 * The QEMU backend inside the real engine process (src/emulator/host/entry.ts), driven over
 * its QMP socket exactly as Hangar and outside tools drive it.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { startEngine, type EngineProcess } from '../support/engine-process.js';
import { poll } from './recording-host.js';

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
