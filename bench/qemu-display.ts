// Benchmark: display frames per second the QEMU backend delivers on the display channel for a
// guest that changes the whole screen continuously (a boot sector filling VGA mode 13h with a
// new colour in a loop, assembled with nasm at run time). Reports update batches per second
// and full-screen equivalents per second (changed pixels / screen pixels).
// Run: node --import tsx bench/qemu-display.ts [seconds]
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DisplayMessage } from '../src/shared/protocol/display.js';
import { createQemuBackend } from '../src/emulator/qemu/index.js';

const seconds = Number(process.argv[2] ?? 10);

const source = `
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
  mov cx, 32000
  mov al, bl
  mov ah, bl
  rep stosw
  jmp frame
times 510-($-$$) db 0
dw 0xaa55
`;

const folder = mkdtempSync(join(tmpdir(), 'hangar-bench-display-'));
chmodSync(folder, 0o700);
try {
  writeFileSync(join(folder, 'fill.asm'), source);
  execFileSync('nasm', ['-f', 'bin', '-o', join(folder, 'fill.bin'), join(folder, 'fill.asm')]);
  const floppy = Buffer.alloc(1474560);
  readFileSync(join(folder, 'fill.bin')).copy(floppy);
  writeFileSync(join(folder, 'fill.img'), floppy);

  let width = 0;
  let height = 0;
  let rects = 0;
  let pixels = 0;
  let batches = 0;
  let lastBatch = -1;
  let counting = false;
  const display = (message: DisplayMessage): void => {
    if (message.type === 'mode' && message.mode === 'graphics') ({ width, height } = message);
    if (message.type !== 'rect' || !counting) return;
    rects++;
    pixels += message.width * message.height;
    // Rectangles of one update arrive in the same tick.
    const tick = Math.floor(performance.now());
    if (tick !== lastBatch) batches++;
    lastBatch = tick;
  };
  const backend = await createQemuBackend(
    { engine: 'qemu', memoryMib: 16, floppy: join(folder, 'fill.img'), bootOrder: ['floppy'], runtimeDir: folder, options: { accelerator: 'tcg', hostStateDir: folder } },
    { emit: () => undefined, display, log: () => undefined },
  );
  try {
    const deadline = Date.now() + 60_000;
    while (!(width === 640 && height === 400)) {
      if (Date.now() > deadline) throw new Error(`guest did not reach mode 13h (screen ${width}x${height})`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await new Promise((resolve) => setTimeout(resolve, 1000));
    counting = true;
    const start = performance.now();
    await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
    counting = false;
    const elapsed = (performance.now() - start) / 1000;
    console.log(`display channel, guest repainting ${width}x${height} continuously, ${elapsed.toFixed(1)} s:`);
    console.log(`  update batches/s:        ${(batches / elapsed).toFixed(1)}`);
    console.log(`  rectangles/s:            ${(rects / elapsed).toFixed(1)}`);
    console.log(`  full-screen equiv./s:    ${(pixels / (width * height) / elapsed).toFixed(1)}`);
    console.log(`  pixel throughput:        ${((pixels * 4) / elapsed / 1e6).toFixed(1)} MB/s RGBA`);
  } finally {
    await backend.dispose();
  }
} finally {
  rmSync(folder, { recursive: true, force: true });
}
