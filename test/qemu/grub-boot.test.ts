/**
 * QEMU backend against a real QEMU running Debian's grub-rescue CD: boot, keyboard, a
 * graphics mode switch through GRUB's gfxterm (VNC desktop resize → display channel),
 * screendump, and swapping the CD at runtime.
 */
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { PNG } from 'pngjs';
import type { EngineBackend } from '../../src/emulator/backend.js';
import type { ProtocolError } from '../../src/emulator/backend.js';
import { createQemuBackend, type QemuBackend } from '../../src/emulator/qemu/index.js';
import { grubCommand } from './grub-typing.js';
import { RecordingHost, poll } from './recording-host.js';

const iso = '/usr/lib/grub-rescue/grub-rescue-cdrom.iso';
const floppy = '/usr/lib/grub-rescue/grub-rescue-floppy.img';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Handler = (args: any) => Promise<any>;

describe('QEMU backend with grub-rescue', () => {
  let folder: string;
  let backend: EngineBackend;
  const host = new RecordingHost();
  const call = async (name: string, args: Record<string, unknown> = {}): Promise<Record<string, unknown>> =>
    (backend.handlers as Record<string, Handler>)[name]!(args);
  const screenText = async (): Promise<string> => ((await call('query-screen-text')).lines as string[]).join('\n');

  before(async () => {
    folder = mkdtempSync(join(tmpdir(), 'hangar-qemu-grub-'));
    chmodSync(folder, 0o700);
    backend = await createQemuBackend(
      { engine: 'qemu', memoryMib: 64, cdrom: iso, runtimeDir: folder, options: { accelerator: 'tcg', hostStateDir: folder } },
      host,
    );
  });

  after(async () => {
    await backend?.dispose();
    rmSync(folder, { recursive: true, force: true });
  });

  it('boots to the GRUB menu, readable through query-screen-text in VGA text mode', async () => {
    const menu = await poll(async () => ((await screenText()).includes('*GNU/Linux') ? true : undefined), 60_000);
    assert.ok(menu, `GRUB menu not shown; screen:\n${await screenText()}`);
    const screen = await call('query-screen-text');
    assert.equal(screen.mode, 'text');
    assert.equal(screen.cols, 80);
    assert.equal(screen.rows, 25);
    assert.equal(backend.status(), 'running');
    assert.deepEqual(await call('query-status'), { status: 'running', running: true });
    const engine = await call('query-engine');
    assert.equal(engine.engine, 'qemu');
    assert.equal(engine.accelerator, 'tcg');
    // The display channel saw the screen: a mode and rectangles of pixels.
    assert.ok(host.displayMessages.some((message) => message.type === 'mode' && message.mode === 'graphics'));
    assert.ok(host.displayMessages.some((message) => message.type === 'rect' && message.pixels.length === message.width * message.height * 4));
  });

  it('the state the engine answers query-status with is QEMU\'s as soon as stop and cont have replied', async () => {
    // The engine host answers query-status from backend.status(); the STOP/RESUME events that
    // also update it are handled behind a QMP round trip, so a client asking at once was told
    // "running" after a pause (seen in CI under load).
    for (let round = 0; round < 5; round++) {
      await call('stop');
      assert.equal(backend.status(), 'paused', `round ${round}: paused as soon as stop replied`);
      await call('cont');
      assert.equal(backend.status(), 'running', `round ${round}: running as soon as cont replied`);
    }
  });

  it('moves the menu selection with the Down key', async () => {
    await call('input-send-event', { events: [{ type: 'key', data: { down: true, key: { type: 'qcode', data: 'down' } } }] });
    await call('input-send-event', { events: [{ type: 'key', data: { down: false, key: { type: 'qcode', data: 'down' } } }] });
    const moved = await poll(async () => ((await screenText()).includes('*GNU (aka GNU/Hurd)') ? true : undefined), 30_000);
    assert.ok(moved, `selection did not move; screen:\n${await screenText()}`);
    assert.ok(!(await screenText()).includes('*GNU/Linux'));
    assert.equal((backend as QemuBackend).inputsFollowedByRefresh, 2, 'the VNC client kept QEMU\'s refresh going after each key');
    // Up again, as a raw XT number (0xE048): back on the first entry.
    await call('input-send-event', { events: [{ type: 'key', data: { down: true, key: { type: 'number', data: 0xe048 } } }] });
    await call('input-send-event', { events: [{ type: 'key', data: { down: false, key: { type: 'number', data: 0xe048 } } }] });
    assert.ok(await poll(async () => ((await screenText()).includes('*GNU/Linux') ? true : undefined), 30_000), 'Up moved back');
    await call('input-send-event', { events: [{ type: 'key', data: { down: true, key: { type: 'qcode', data: 'down' } } }] });
    await call('input-send-event', { events: [{ type: 'key', data: { down: false, key: { type: 'qcode', data: 'down' } } }] });
    assert.ok(await poll(async () => ((await screenText()).includes('*GNU (aka GNU/Hurd)') ? true : undefined), 30_000));
    // Right behind a key the guest may not have taken yet (the next batch would wait in the
    // pacer's queue), an unknown key name is still refused by the command, not only logged.
    const key = (name: string, down: boolean) => ({ type: 'key' as const, data: { down, key: { type: 'qcode' as const, data: name } } });
    await call('input-send-event', { events: [key('up', true)] });
    await assert.rejects(
      call('input-send-event', { events: [key('no-such-key', true)] }),
      (error: ProtocolError) => error.errorClass === 'GenericError' && /"no-such-key" is not a key QEMU knows/.test(error.message),
    );
    await call('input-send-event', { events: [key('up', false)] });
    // A name QEMU knows that Hangar's scancode table lacks still goes through (GRUB ignores it).
    await call('input-send-event', { events: [key('mail', true), key('mail', false)] });
    // Down again: once the menu shows it, every key before it reached the guest (live input keeps
    // its order), so nothing queued is left to mix with the next test's send-key.
    await call('input-send-event', { events: [key('down', true)] });
    await call('input-send-event', { events: [key('down', false)] });
    assert.ok(await poll(async () => ((await screenText()).includes('*GNU (aka GNU/Hurd)') ? true : undefined), 30_000), 'Down after the refused key');
  });

  it('switches to an 800×600 graphics mode with gfxterm: desktop resize, screendump and display replay', async () => {
    await call('send-key', { keys: [{ type: 'qcode', data: 'c' }] });
    assert.ok(await poll(async () => ((await screenText()).includes('grub>') ? true : undefined), 30_000), 'no GRUB prompt');
    for (const command of ['insmod all_video', 'set gfxmode=800x600']) await grubCommand(call, command);
    const typed = await call('input-type-text', { text: 'terminal_output gfxterm\n', 'delay-ms': 20 });
    assert.deepEqual(typed, { typed: 24, skipped: 0 });
    const resized = await poll(
      () => host.displayMessages.find((message) => message.type === 'mode' && message.mode === 'graphics' && message.width === 800 && message.height === 600),
      60_000,
    );
    assert.ok(resized, `no 800x600 mode message on the display channel; screen:\n${await screenText()}`);
    const screen = await poll(async () => {
      const value = await call('query-screen-text');
      return value.mode === 'graphics' ? value : undefined;
    }, 30_000);
    assert.equal(screen?.width, 800);
    assert.equal(screen?.height, 600);

    const file = join(folder, 'screen.png');
    await call('screendump', { filename: file });
    const png = PNG.sync.read(readFileSync(file));
    assert.equal(png.width, 800);
    assert.equal(png.height, 600);

    const replay: { type: string; width?: number; height?: number }[] = [];
    backend.replayDisplay((message) => replay.push(message));
    assert.deepEqual(replay[0], { type: 'mode', mode: 'graphics', width: 800, height: 600 });
    assert.equal(replay[1]?.type, 'rect');
    assert.equal(replay[1]?.width, 800);
  });

  it('passes absolute (USB tablet), relative and button pointer events to QEMU', async () => {
    await call('input-send-event', {
      events: [
        { type: 'abs', data: { axis: 'x', value: 0x4000 } },
        { type: 'abs', data: { axis: 'y', value: 0x2000 } },
        { type: 'btn', data: { down: true, button: 'left' } },
        { type: 'btn', data: { down: false, button: 'left' } },
        { type: 'rel', data: { axis: 'x', value: 5 } },
      ],
    });
    const noTablet = mkdtempSync(join(tmpdir(), 'hangar-qemu-notablet-'));
    chmodSync(noTablet, 0o700);
    const plain = await createQemuBackend(
      { engine: 'qemu', memoryMib: 32, runtimeDir: noTablet, paused: true, options: { accelerator: 'tcg', hostStateDir: noTablet, tablet: false } },
      new RecordingHost(),
    );
    try {
      assert.equal(plain.status(), 'prelaunch');
      await assert.rejects(
        (async () => (plain.handlers['input-send-event'] as unknown as (args: object) => Promise<unknown>)({ events: [{ type: 'abs', data: { axis: 'x', value: 1 } }] }))(),
        (error: ProtocolError) => error.errorClass === 'GenericError',
      );
    } finally {
      await plain.dispose();
      rmSync(noTablet, { recursive: true, force: true });
    }
  });

  it('swaps the CD at runtime with DEVICE_TRAY_MOVED events, and refuses bad media clearly', async () => {
    const from = host.events.length;
    await call('eject', { id: 'cd0' });
    await host.waitForEvent('DEVICE_TRAY_MOVED', (data) => data.id === 'cd0' && data['tray-open'] === true, 30_000, from);
    const blocks = (await call('query-block')) as unknown as { qdev: string; inserted?: unknown; tray_open?: boolean }[];
    assert.equal(blocks.find((block) => block.qdev === 'cd0')?.inserted, undefined);

    await call('blockdev-change-medium', { id: 'cd0', filename: iso });
    await host.waitForEvent('DEVICE_TRAY_MOVED', (data) => data.id === 'cd0' && data['tray-open'] === false, 30_000, from);
    const after = (await call('query-block')) as unknown as { qdev: string; inserted?: { file: string } }[];
    assert.equal(after.find((block) => block.qdev === 'cd0')?.inserted?.file, iso);

    await call('blockdev-change-medium', { id: 'fd0', filename: floppy });
    const withFloppy = (await call('query-block')) as unknown as { qdev: string; inserted?: { file: string } }[];
    assert.equal(withFloppy.find((block) => block.qdev === 'fd0')?.inserted?.file, floppy);

    await assert.rejects(call('eject', { id: 'cd9' }), (error: ProtocolError) => error.errorClass === 'DeviceNotFound');
    await assert.rejects(
      call('blockdev-change-medium', { id: 'cd0', filename: join(folder, 'missing.iso') }),
      (error: ProtocolError) => error.errorClass === 'GenericError' && /does not exist/.test(error.message),
    );
  });
});
