/**
 * The QEMU display's rectangles, on a real QEMU: a host that copies pixels before `display`
 * returns (BackendHost.displayCopiesPixels) is lent whole-row rectangles as views of the RFB
 * framebuffer instead of fresh copies; any other host gets pixels it owns; and what the copying
 * host drew equals QEMU's own screendump once the guest is paused.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { BackendHost, EngineBackend } from '../backend.js';
import type { DisplayMessage } from '../../shared/protocol/display.js';
import { createQemuBackend } from './index.js';

/** Mode 13h, then the whole screen repainted forever, each frame a gradient shifted by one. */
const guest = `
org 0x7c00
bits 16
  mov ax, 0x13
  int 0x10
  mov ax, 0xa000
  mov es, ax
  xor bx, bx
frame:
  inc bl
  xor di, di
  mov cx, 64000
pixel:
  mov ax, di
  add al, bl
  stosb
  loop pixel
  jmp frame
times 510-($-$$) db 0
dw 0xaa55
`;

/** A host like the engine's: `copies` says whether it copies pixels before `display` returns (it does, either way). */
class CopyingHost implements BackendHost {
  copies = false;
  /** What displayBacklogged answers: true as if every display viewer were far behind. */
  backlogged = false;
  width = 0;
  height = 0;
  /** What the host drew: RGBA, from copies taken inside `display`. */
  screen = new Uint8Array(0);
  /** Rectangles whose pixels lie in the same buffer as the rectangle before (a lent framebuffer; copies are fresh buffers). */
  lent = 0;
  rects = 0;
  private lastBuffer: ArrayBufferLike | undefined;

  emit(): void {}

  log(): void {}

  get displayCopiesPixels(): boolean {
    return this.copies;
  }

  displayBacklogged(): boolean {
    return this.backlogged;
  }

  display(message: DisplayMessage): void {
    if (message.type === 'mode' && message.mode === 'graphics') {
      this.width = message.width;
      this.height = message.height;
      this.screen = new Uint8Array(message.width * message.height * 4);
    }
    if (message.type !== 'rect') return;
    this.rects++;
    const { pixels } = message;
    if (pixels.buffer === this.lastBuffer) this.lent++;
    this.lastBuffer = pixels.buffer;
    for (let row = 0; row < message.height; row++) {
      const from = row * message.width * 4;
      this.screen.set(pixels.subarray(from, from + message.width * 4), ((message.y + row) * this.width + message.x) * 4);
    }
  }
}

async function until(check: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what} within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('QEMU display rectangles (real QEMU, a guest repainting mode 13h)', () => {
  let folder: string;
  let backend: EngineBackend;
  const host = new CopyingHost();
  const call = (name: string, args: Record<string, unknown> = {}): Promise<Record<string, unknown>> =>
    (backend.handlers as Record<string, (args: Record<string, unknown>) => Promise<Record<string, unknown>>>)[name]!(args);

  before(async () => {
    folder = mkdtempSync(join(tmpdir(), 'hangar-qemu-display-'));
    chmodSync(folder, 0o700);
    writeFileSync(join(folder, 'fill.asm'), guest, { mode: 0o600 });
    execFileSync('nasm', ['-f', 'bin', '-o', join(folder, 'fill.bin'), join(folder, 'fill.asm')]);
    const floppy = Buffer.alloc(1474560);
    readFileSync(join(folder, 'fill.bin')).copy(floppy);
    writeFileSync(join(folder, 'fill.img'), floppy, { mode: 0o600 });
    backend = await createQemuBackend(
      { engine: 'qemu', memoryMib: 16, floppy: join(folder, 'fill.img'), bootOrder: ['floppy'], runtimeDir: folder, options: { accelerator: 'tcg', hostStateDir: folder } },
      host,
    );
    await until(() => host.width === 640 && host.height === 400, 60_000, 'the guest reached no mode 13h screen (640×400)');
  });

  after(async () => {
    await backend?.dispose();
    rmSync(folder, { recursive: true, force: true });
  });

  it('gives a host that keeps messages pixels it owns', async () => {
    host.copies = false;
    const from = { rects: host.rects, lent: host.lent };
    await until(() => host.rects >= from.rects + 10, 60_000, 'ten rectangles did not arrive');
    assert.equal(host.lent, from.lent, 'no rectangle is a view of the framebuffer');
  });

  it('asks QEMU for no updates while every viewer is far behind, and at once when one can take them again', async () => {
    const rfb = (backend as unknown as { machine: { session?: { rfb?: { heldRequests: number } } } }).machine.session?.rfb;
    assert.ok(rfb, 'the backend exposes its RFB client');
    await until(() => host.rects > 0, 60_000, 'no rectangle arrived');
    host.backlogged = true;
    // The request already out is answered; after that nothing comes while the guest keeps repainting.
    await new Promise((resolve) => setTimeout(resolve, 300));
    const held = host.rects;
    await new Promise((resolve) => setTimeout(resolve, 1000));
    assert.ok(host.rects - held <= 0, `${host.rects - held} rectangles arrived while every viewer was behind`);
    assert.ok(rfb.heldRequests > 0, 'the next request was held');
    host.backlogged = false;
    await until(() => host.rects > held + 3, 10_000, 'updates did not resume once a viewer could take them');
  });

  it('lends whole-row rectangles to a host that copies them at once, and what it drew is the screen', async () => {
    host.copies = true;
    const from = host.lent;
    await until(() => host.lent >= from + 5, 60_000, 'no whole-row rectangle was lent');
    await call('stop');
    // Paused: the last updates arrive, then what the host drew must equal QEMU's screendump.
    const dump = join(folder, 'screen.ppm');
    let mismatch = '';
    await until(
      async () => {
        await call('screendump', { filename: dump, format: 'ppm' });
        mismatch = compare(host, readFileSync(dump));
        return mismatch === '';
      },
      30_000,
      'the drawn screen did not match the screendump',
    ).catch((error: Error) => assert.fail(`${error.message}: ${mismatch}`));
  });
});

/** '' when the host's RGBA screen equals a binary PPM (P6), else where they differ. */
function compare(host: CopyingHost, ppm: Buffer): string {
  const header = /^P6\s+(\d+)\s+(\d+)\s+255\s/.exec(ppm.subarray(0, 32).toString('latin1'));
  if (!header) return 'not a P6 screendump';
  const [width, height] = [Number(header[1]), Number(header[2])];
  if (width !== host.width || height !== host.height) return `screendump is ${width}×${height}, the host drew ${host.width}×${host.height}`;
  const data = ppm.subarray(header[0].length);
  for (let pixel = 0; pixel < width * height; pixel++) {
    for (let channel = 0; channel < 3; channel++) {
      if (data[pixel * 3 + channel] !== host.screen[pixel * 4 + channel]) return `first difference at pixel ${pixel % width},${Math.floor(pixel / width)}`;
    }
  }
  return '';
}
