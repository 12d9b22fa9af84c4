/**
 * The display reaches main over the engine's display socket (a worker thread of the engine
 * encodes and writes it; the emulation thread only copies changed rows into a shared frame),
 * not over the parent channel. When the socket breaks, main attaches over the channel instead
 * and the screen keeps coming. No socket file is left in the runtime folder.
 * Real engine process (child_process.fork, as main runs it), real v86, a mode 13h guest
 * repainting the whole screen.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { DisplayMessage } from '../../src/shared/protocol/display.js';
import { EngineSession, forkLauncher } from '../../src/main/supervisor/index.js';
import { waitFor } from '../../src/emulator/v86/test-host.js';
import { repaintFloppy } from './repaint-guest.js';

let dir: string;

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'hangar-v86-display-socket-'));
});

after(() => {
  rmSync(dir, { recursive: true, force: true });
});

const socketFiles = (folder: string): string[] => readdirSync(folder).filter((name) => name.startsWith('dpy-'));

test('v86 frames come over the display socket; a broken socket falls back to the parent channel; no socket file is left', { timeout: 240_000 }, async () => {
  const runtime = mkdtempSync(join(dir, 'run-'));
  const channel = forkLauncher.launch(['--engine', 'v86', '--memory', '16', '--floppy', repaintFloppy(dir, true), '--boot', 'floppy', '--qmp', join(runtime, 'qmp.sock')]);
  const session = new EngineSession(channel);
  try {
    await session.negotiate(60_000);
    // Only the geometry is read later: pixels of messages nobody holds are reused (retainDisplay).
    const received: DisplayMessage[] = [];
    session.onDisplay((message) => received.push(message));
    const wholeRects = (): number => received.filter((m) => m.type === 'rect' && m.width === 320 && m.height === 200).length;
    await waitFor('whole-screen rectangles', () => (wholeRects() >= 3 ? true : undefined), 120_000);
    assert.equal(session.displayTransport, 'socket', `the display transport (${session.displayTransportNote ?? ''})`);
    assert.deepEqual(socketFiles(runtime), [], 'the socket file is removed once main is connected');
    const [mode, rect] = session.screen();
    assert.deepEqual(mode, { type: 'mode', mode: 'graphics', width: 320, height: 200 });
    assert.ok(rect?.type === 'rect' && rect.pixels.byteLength === 320 * 200 * 4);

    // Frames are read into reused buffers: one a listener holds is never written over, and
    // (each frame one colour) every frame a listener copies at once is whole and unmixed.
    let held: { pixels: Uint8Array; copy: Uint8Array; release: () => void } | undefined;
    const torn: string[] = [];
    const reusedBefore = session.displayBufferStats.reused;
    let frames = 0;
    const stop = session.onDisplay((message) => {
      if (message.type !== 'rect' || message.width !== 320 || message.height !== 200) return;
      frames++;
      const first = message.pixels[0];
      if (message.pixels.some((value, index) => value !== message.pixels[index & 3])) torn.push(`frame ${frames} starts ${first}`);
      // The first is the screen copy's replay (a copy of its own); the second is a live frame.
      if (!held && frames === 2) held = { pixels: message.pixels, copy: message.pixels.slice(), release: session.retainDisplay(message) };
    });
    await waitFor('frames after the held one', () => (frames >= 12 ? true : undefined), 120_000);
    stop();
    assert.deepEqual(torn, [], 'every frame is one colour');
    assert.ok(held && Buffer.from(held.pixels).equals(Buffer.from(held.copy)), 'the held frame is as it was received');
    assert.ok(session.displayBufferStats.reused > reusedBefore, `buffers are reused (${JSON.stringify(session.displayBufferStats)})`);
    held.release();

    // Break the socket from main's side: the display comes over the parent channel from then on.
    (session as unknown as { displaySocket: Socket }).displaySocket.destroy();
    await waitFor('the fallback', () => (session.displayTransport === 'channel' ? true : undefined), 20_000);
    const before = wholeRects();
    await waitFor('whole-screen rectangles over the channel', () => (wholeRects() >= before + 3 ? true : undefined), 120_000);
    assert.match(session.displayTransportNote ?? '', /display socket/);
    await session.execute('quit', {}, 30_000);
    await new Promise<void>((resolve) => channel.onExit(() => resolve()));
    assert.deepEqual(socketFiles(runtime), []);
  } finally {
    channel.kill();
  }
});
