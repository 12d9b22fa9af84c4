/**
 * The v86 backend booting Debian's GRUB rescue CD: screen text, keys, display channel,
 * screendump in text and graphics mode, run state and power.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { PNG } from 'pngjs';
import type { DisplayMessage, TextCellsMessage } from '../../shared/protocol/display.js';
import type { EngineBackend } from '../backend.js';
import { ProtocolError } from '../backend.js';
import { createV86Backend, registerV86Module } from './index.js';
import type { V86Machine } from './machine.js';
import { RecordingHost, waitFor } from './test-host.js';

const ISO = '/usr/lib/grub-rescue/grub-rescue-cdrom.iso';

let dir: string;
let host: RecordingHost;
let backend: EngineBackend;
let machine: V86Machine | undefined;

type Handler = (args: unknown) => Promise<unknown>;
async function call<T = Record<string, unknown>>(name: string, args: unknown = {}): Promise<T> {
  const handler = (backend.handlers as Record<string, Handler | undefined>)[name];
  assert.ok(handler, `no handler for ${name}`);
  return (await handler(args)) as T;
}

interface ScreenText {
  mode: string;
  cols: number;
  rows: number;
  width: number;
  height: number;
  lines: string[];
  cursor: { row: number; col: number; visible: boolean };
}
const screenText = (): Promise<ScreenText> => call<ScreenText>('query-screen-text');

function isUniform(png: PNG): boolean {
  const first = png.data.readUInt32BE(0);
  for (let i = 4; i < png.data.length; i += 4) if (png.data.readUInt32BE(i) !== first) return false;
  return true;
}

/** The background colour of each row's column 2, from a full-screen replay. */
function rowBackgrounds(): { lines: number[] } {
  const messages: DisplayMessage[] = [];
  backend.replayDisplay((message) => messages.push(message));
  const text = messages.find((message): message is TextCellsMessage => message.type === 'text');
  assert.ok(text, 'replay sends text cells');
  const lines: number[] = [];
  for (let row = 0; row < text.rowCount; row++) lines.push(text.cells[(row * text.cols + 2) * 3 + 2] ?? -1);
  return { lines };
}

/** Types one GRUB command line and waits for the prompt (GRUB drops keys typed while it is busy). */
async function grubCommand(line: string): Promise<void> {
  await call('input-type-text', { text: `${line}\n` });
  await waitFor(`GRUB to finish "${line}"`, async () => {
    const screen = await screenText();
    return screen.mode !== 'text' || screen.lines[screen.cursor.row] === 'grub>' ? true : undefined;
  });
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'hangar-v86-'));
  host = new RecordingHost();
  registerV86Module((created) => {
    machine = created;
  });
  backend = await createV86Backend({ engine: 'v86', memoryMib: 64, cdrom: ISO, runtimeDir: dir }, host);
});

after(async () => {
  await backend?.dispose();
  rmSync(dir, { recursive: true, force: true });
});

test('GRUB menu text appears in query-screen-text and on the display channel', async () => {
  const screen = await waitFor('the GRUB menu', async () => {
    const text = await screenText();
    return text.lines.some((line) => line.includes('GNU GRUB')) && text.lines.some((line) => line.includes('Memtest86+')) ? text : undefined;
  });
  assert.equal(screen.mode, 'text');
  assert.equal(screen.cols, 80);
  assert.equal(screen.rows, 25);
  assert.equal(screen.lines.length, 25);
  assert.ok(screen.lines.some((line) => line.includes('┌')), 'box drawing decoded from CP437');
  // Stop GRUB's 30 s countdown before it boots an entry.
  await call('send-key', { keys: [{ type: 'qcode', data: 'down' }], 'hold-time': 50 });
  await call('send-key', { keys: [{ type: 'qcode', data: 'up' }], 'hold-time': 50 });
  await waitFor('the display channel', () => (host.messages.some((m) => m.type === 'text') ? true : undefined), 5000);
  const mode = host.messages.find((m) => m.type === 'mode');
  assert.deepEqual(mode && mode.type === 'mode' && mode.mode === 'text' ? [mode.cols, mode.rows] : undefined, [80, 25]);
  // The last font is the one viewers show; an earlier one may catch the VGA BIOS mid mode set (planes cleared).
  const font = host.messages.findLast((m) => m.type === 'font');
  assert.ok(font && font.type === 'font' && font.glyphCount === 256 && font.bitmap.some((byte) => byte !== 0), 'guest font sent');
  const replay: DisplayMessage[] = [];
  backend.replayDisplay((message) => replay.push(message));
  assert.deepEqual(replay.map((m) => m.type), ['mode', 'font', 'text', 'text-cursor']);
});

test('a Down key moves the highlight', async () => {
  const text = await screenText();
  const first = text.lines.findIndex((line) => line.includes('GNU/Linux'));
  const second = text.lines.findIndex((line) => line.includes('GNU (aka GNU/Hurd)'));
  assert.ok(first > 0 && second === first + 1);
  // The Down/Up pair of the first test may still be on its way: wait for the first entry to be lit.
  const before = await waitFor('the first entry highlighted', () => {
    const lines = rowBackgrounds().lines;
    return lines[first] !== lines[second] && lines[first] !== lines[first + 3] ? lines : undefined;
  }, 10_000);
  await call('input-send-event', { events: [{ type: 'key', data: { down: true, key: { type: 'qcode', data: 'down' } } }] });
  await call('input-send-event', { events: [{ type: 'key', data: { down: false, key: { type: 'qcode', data: 'down' } } }] });
  await waitFor('the highlight to move', () => {
    const now = rowBackgrounds().lines;
    return now[second] === before[first] && now[first] === before[second] ? true : undefined;
  }, 10_000);
});

test('screendump renders text mode with the guest font', async () => {
  const file = join(dir, 'text.png');
  await call('screendump', { filename: file });
  const png = PNG.sync.read(readFileSync(file));
  assert.equal(png.width, 720);
  assert.equal(png.height, 400);
  assert.ok(!isUniform(png));
  const ppm = join(dir, 'text.ppm');
  await call('screendump', { filename: ppm, format: 'ppm' });
  assert.ok(readFileSync(ppm).subarray(0, 15).toString('latin1').startsWith('P6\n720 400\n255'));
  await assert.rejects(call('screendump', { filename: 'relative.png' }), /absolute/);
  await assert.rejects(call('screendump', { filename: join(dir, 'no/such/dir.png') }), (error: unknown) => error instanceof ProtocolError && /Could not write/.test(error.message));
});

test('stop, cont and system_reset change the status and emit events', async () => {
  const from = host.events.length;
  await call('stop');
  assert.deepEqual(await call('query-status'), { status: 'paused', running: false, singlestep: false });
  await call('stop');
  await call('cont');
  assert.equal((await call<{ status: string }>('query-status')).status, 'running');
  await call('system_reset');
  assert.deepEqual(host.eventNames(from), ['STOP', 'RESUME', 'RESET']);
  assert.deepEqual(host.events.at(-1)?.data, { guest: false, reason: 'host-qmp-system-reset' });
  // The old menu stays in the cells until the BIOS clears the screen: wait for it to go and come back.
  await waitFor('the BIOS screen after reset', async () => ((await screenText()).lines.some((line) => line.includes('Memtest86+')) ? undefined : true));
  await waitFor('GRUB after reset', async () => ((await screenText()).lines.some((line) => line.includes('Memtest86+')) ? true : undefined));
  await call('send-key', { keys: [{ type: 'qcode', data: 'down' }], 'hold-time': 50 });
});

test('input errors are clear and system_powerdown is not faked', async () => {
  await assert.rejects(call('send-key', { keys: [{ type: 'qcode', data: 'nosuchkey' }] }), /Unknown key "nosuchkey"/);
  await assert.rejects(
    call('input-send-event', { events: [{ type: 'abs', data: { axis: 'x', value: 100 } }] }),
    /Absolute pointing is not available/,
  );
  await assert.rejects(call('system_powerdown'), (error: unknown) => error instanceof ProtocolError && error.errorClass === 'NotSupported' && /no ACPI power button/.test(error.message));
  const typed = await call('input-type-text', { text: 'é', 'delay-ms': 0 });
  assert.deepEqual(typed, { typed: 0, skipped: 1 });
});

test('GRUB commands switch to an 800×600 graphics mode; screendump and rectangles follow', async () => {
  await call('input-type-text', { text: 'c' });
  await waitFor('the GRUB prompt', async () => ((await screenText()).lines.some((line) => line.startsWith('grub>')) ? true : undefined));
  const start = host.messages.length;
  await grubCommand('insmod all_video');
  await grubCommand('set gfxmode=800x600');
  await grubCommand('terminal_output gfxterm');
  const screen = await waitFor('graphics mode', async () => {
    const text = await screenText();
    return text.mode === 'graphics' ? text : undefined;
  });
  assert.deepEqual([screen.width, screen.height, screen.lines.length], [800, 600, 0]);
  await waitFor('graphics rectangles', () => (host.messages.slice(start).some((m) => m.type === 'rect') ? true : undefined), 10_000);
  assert.ok(host.messages.slice(start).some((m) => m.type === 'mode' && m.mode === 'graphics' && m.width === 800 && m.height === 600));
  const file = join(dir, 'graphics.png');
  await waitFor('the GRUB prompt drawn in graphics', async () => {
    await call('screendump', { filename: file });
    return isUniform(PNG.sync.read(readFileSync(file))) ? undefined : true;
  });
  const png = PNG.sync.read(readFileSync(file));
  assert.deepEqual([png.width, png.height], [800, 600]);
  // Typing one character sends only the rectangle around it, not the whole screen.
  const typedFrom = host.messages.length;
  await call('input-type-text', { text: 'x' });
  const small = await waitFor('a small rectangle', () =>
    host.messages.slice(typedFrom).find((m) => m.type === 'rect' && m.width * m.height <= (800 * 600) / 16),
  10_000);
  assert.ok(small.type === 'rect' && small.pixels.length === small.width * small.height * 4);
  await call('send-key', { keys: [{ type: 'qcode', data: 'backspace' }], 'hold-time': 20 });
  const replay: DisplayMessage[] = [];
  backend.replayDisplay((message) => replay.push(message));
  assert.deepEqual(replay.map((m) => m.type), ['mode', 'rect']);
  const rect = replay[1];
  assert.ok(rect?.type === 'rect' && rect.width === 800 && rect.height === 600 && rect.pixels.length === 800 * 600 * 4);
});

test('a guest power-off gives SHUTDOWN and status shutdown; reset and cont bring it back', async () => {
  const from = host.events.length;
  await call('input-type-text', { text: 'halt\n' });
  await waitFor('SHUTDOWN', () => (host.eventNames(from).includes('SHUTDOWN') ? true : undefined), 30_000);
  assert.deepEqual(host.eventNames(from), ['SHUTDOWN', 'STOP']);
  assert.deepEqual(host.events[from]?.data, { guest: true, reason: 'guest-shutdown' });
  assert.equal((await call<{ status: string }>('query-status')).status, 'shutdown');
  await assert.rejects(call('cont'), (error: unknown) => error instanceof ProtocolError && error.errorClass === 'WrongState');
  await call('system_reset');
  assert.equal((await call<{ status: string }>('query-status')).status, 'paused');
  await call('cont');
  await waitFor('GRUB after power-on', async () => ((await screenText()).lines.some((line) => line.includes('Memtest86+')) ? true : undefined));
});

test('a reset the guest asks for emits RESET with guest: true', async () => {
  await call('input-type-text', { text: 'c' });
  await waitFor('the GRUB prompt', async () => ((await screenText()).lines.some((line) => line.startsWith('grub>')) ? true : undefined));
  const from = host.events.length;
  await call('input-type-text', { text: 'reboot\n' });
  await waitFor('RESET', () => (host.eventNames(from).includes('RESET') ? true : undefined), 30_000);
  assert.deepEqual(host.events.slice(from), [{ name: 'RESET', data: { guest: true, reason: 'guest-reset' } }]);
  assert.equal((await call<{ status: string }>('query-status')).status, 'running');
  await waitFor('the BIOS screen after reboot', async () => ((await screenText()).lines.some((line) => line.includes('grub>')) ? undefined : true));
  await waitFor('GRUB after reboot', async () => ((await screenText()).lines.some((line) => line.includes('Memtest86+')) ? true : undefined));
});

test('a fault in the run loop gives internal-error and ENGINE_ERROR; reset recovers', async () => {
  assert.ok(machine);
  const cpu = machine.emulator.v86.cpu as unknown as { main_loop: () => number };
  const mainLoop = cpu.main_loop;
  const from = host.events.length;
  // Stands in for a WASM trap: the real run loop calls this and the backend must catch what it throws.
  cpu.main_loop = () => {
    throw new Error('simulated trap');
  };
  try {
    await waitFor('ENGINE_ERROR', () => (host.eventNames(from).includes('ENGINE_ERROR') ? true : undefined), 10_000);
  } finally {
    cpu.main_loop = mainLoop;
  }
  assert.deepEqual(host.eventNames(from), ['ENGINE_ERROR', 'STOP']);
  const data = host.events[from]?.data as { reason: string; fatal: boolean };
  assert.match(data.reason, /simulated trap/);
  assert.equal(data.fatal, false);
  assert.deepEqual(await call('query-status'), { status: 'internal-error', running: false, singlestep: false });
  await assert.rejects(call('cont'), /reset it first/);
  await assert.rejects(call('stop'), /nothing to pause/);
  await call('system_reset');
  await call('cont');
  assert.equal((await call<{ status: string }>('query-status')).status, 'running');
  const counter = (): number => machine?.emulator.v86.cpu.instruction_counter[0] ?? 0;
  const before = counter();
  await waitFor('the guest to run again', () => (counter() !== before ? true : undefined), 10_000);
});
