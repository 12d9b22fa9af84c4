/**
 * QEMU machine controls: COM1 through SERIAL_OUTPUT / serial-write, the speed limit applied at
 * runtime (the guest moves into a QEMU started with -icount and keeps its state), pause and
 * resume, and reset.
 */
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { EngineBackend } from '../../src/emulator/backend.js';
import type { ProtocolError } from '../../src/emulator/backend.js';
import { createQemuBackend } from '../../src/emulator/qemu/index.js';
import { grubCommand } from './grub-typing.js';
import { RecordingHost, poll } from './recording-host.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Handler = (args: any) => Promise<any>;

describe('QEMU machine controls: serial, speed limit, pause, reset', () => {
  let folder: string;
  let backend: EngineBackend;
  const host = new RecordingHost();
  const call = async (name: string, args: Record<string, unknown> = {}): Promise<Record<string, unknown>> =>
    (backend.handlers as Record<string, Handler>)[name]!(args);
  const screenText = async (): Promise<string> => ((await call('query-screen-text')).lines as string[]).join('\n');
  const serialText = (): string =>
    host.events
      .filter((event) => event.name === 'SERIAL_OUTPUT')
      .map((event) => Buffer.from(String(event.data.data), 'base64').toString('latin1'))
      .join('');

  before(async () => {
    folder = mkdtempSync(join(tmpdir(), 'hangar-qemu-machine-'));
    chmodSync(folder, 0o700);
    backend = await createQemuBackend(
      { engine: 'qemu', memoryMib: 64, cdrom: '/usr/lib/grub-rescue/grub-rescue-cdrom.iso', runtimeDir: folder, options: { accelerator: 'tcg', hostStateDir: folder } },
      host,
    );
    assert.ok(await poll(async () => ((await screenText()).includes('*GNU/Linux') ? true : undefined), 60_000), 'GRUB menu');
    await call('send-key', { keys: [{ type: 'qcode', data: 'c' }] });
    assert.ok(await poll(async () => ((await screenText()).includes('grub>') ? true : undefined), 30_000), 'GRUB prompt');
  });

  after(async () => {
    await backend?.dispose();
    rmSync(folder, { recursive: true, force: true });
  });

  it('carries COM1 both ways', async () => {
    for (const command of ['serial --unit=0 --speed=115200', 'terminal_output --append serial', 'terminal_input --append serial', 'echo from-guest']) {
      await grubCommand(call, command);
    }
    assert.ok(await poll(() => (serialText().includes('from-guest') ? true : undefined), 30_000), `serial output: ${JSON.stringify(serialText())}`);
    const written = await call('serial-write', { data: 'echo from-host\r' });
    assert.equal(written.written, 15);
    assert.ok(await poll(async () => ((await screenText()).includes('\nfrom-host') ? true : undefined), 30_000), await screenText());
  });

  it('applies a speed limit at runtime, keeping the guest state', async () => {
    assert.deepEqual(await call('query-speed-limit'), { mips: 0 });
    const before = await screenText();
    const set = await call('set-speed-limit', { mips: 130 });
    assert.equal(set.mips, 125);
    assert.deepEqual(await call('query-speed-limit'), { mips: 125 });
    assert.equal(backend.status(), 'running');
    assert.equal(await screenText(), before, 'screen survives the move to a QEMU with -icount');
    await grubCommand(call, 'echo still-alive');
    assert.ok(await poll(async () => ((await screenText()).includes('\nstill-alive') ? true : undefined), 30_000), await screenText());
    assert.deepEqual(await call('set-speed-limit', { mips: 0 }), { mips: 0 });
    assert.equal(backend.status(), 'running');
    assert.ok(!host.events.some((event) => event.name === 'ENGINE_ERROR'), 'no engine error while moving the guest');
    await grubCommand(call, 'echo unlimited');
    assert.ok(await poll(async () => ((await screenText()).includes('\nunlimited') ? true : undefined), 30_000), await screenText());
  });

  it('pauses, resumes and resets with the matching events', async () => {
    const from = host.events.length;
    await call('stop');
    await host.waitForEvent('STOP', () => true, 10_000, from);
    assert.deepEqual(await call('query-status'), { status: 'paused', running: false });
    await call('cont');
    await host.waitForEvent('RESUME', () => true, 10_000, from);
    await call('system_reset');
    await host.waitForEvent('RESET', (data) => data.guest === false, 10_000, from);
    assert.ok(await poll(async () => ((await screenText()).includes('*GNU/Linux') ? true : undefined), 60_000), 'GRUB menu after reset');
    await call('system_powerdown');
    await host.waitForEvent('POWERDOWN', () => true, 10_000, from);
    await assert.rejects(call('clipboard-set', { text: 'x' }), (error: ProtocolError) => error.errorClass === 'NotSupported');
  });
});
