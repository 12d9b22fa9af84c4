// Benchmark: guest instructions per second with the display channel attached vs detached.
// The guest is a boot sector (assembled with nasm at run time) that spins forever writing to
// video memory, so the screen changes every frame and the instruction rate measures how much
// CPU the display feed takes from the guest. Text mode (80×25) and mode 13h graphics, each on
// its own machine, alternating attached/detached windows.
// Target: attached/detached ≥ 0.95. Run: node --import tsx bench/v86-display-overhead.ts [rounds]
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { prepareV86Machine } from '../src/emulator/v86/index.js';
import { RecordingHost } from '../src/emulator/v86/test-host.js';

const rounds = Number(process.argv[2] ?? 5);
const windowMs = 2000;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? NaN;
}

/** A 1.44 MB floppy whose boot sector sets BIOS video mode `mode` and writes `segment` forever. */
function floppy(folder: string, mode: number, segment: number, span: number): string {
  const source = join(folder, `spin-${mode}.asm`);
  const image = join(folder, `spin-${mode}.img`);
  writeFileSync(
    source,
    [
      'bits 16', 'org 0x7c00',
      `mov ax, 0x${mode.toString(16)}`, 'int 0x10',
      `mov ax, 0x${segment.toString(16)}`, 'mov es, ax', 'xor di, di', 'xor bx, bx',
      'spin:', 'inc bl', 'mov [es:di], bl', 'add di, 3', `cmp di, ${span}`, 'jb spin', 'xor di, di', 'jmp spin',
      'times 510-($-$$) db 0', 'dw 0xaa55', '',
    ].join('\n'),
  );
  execFileSync('nasm', ['-f', 'bin', '-o', image, source]);
  truncateSync(image, 1474560);
  return image;
}

async function measure(label: string, image: string, folder: string): Promise<void> {
  const host = new RecordingHost();
  host.keepMessages = false;
  const { machine, screen } = await prepareV86Machine(
    { engine: 'v86', memoryMib: 32, floppy: image, bootOrder: ['floppy'], runtimeDir: folder },
    host,
  );
  await machine.start();
  // Time spent feeding the display channel, to tell real overhead from machine noise.
  const feed = screen();
  const flush = feed.flush.bind(feed);
  let flushMs = 0;
  feed.flush = (): void => {
    const start = performance.now();
    flush();
    flushMs += performance.now() - start;
  };
  /** Instructions per second over one window (the u32 counter is sampled often enough not to wrap unseen). */
  const rate = async (): Promise<number> => {
    const counter = (): number => machine.emulator.v86.cpu.instruction_counter[0] ?? 0;
    let last = counter();
    let total = 0;
    const start = performance.now();
    while (performance.now() - start < windowMs) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      const now = counter();
      total += (now - last) >>> 0;
      last = now;
    }
    return total / ((performance.now() - start) / 1000);
  };
  try {
    await new Promise((resolve) => setTimeout(resolve, 3000)); // BIOS and the mode switch
    const attached: number[] = [];
    const detached: number[] = [];
    let messages = 0;
    flushMs = 0;
    for (let round = 0; round < rounds; round++) {
      // Alternate which goes first so drift in the machine's speed hits both alike.
      for (const attach of round % 2 === 0 ? [true, false] : [false, true]) {
        screen().attached = attach;
        const before = host.displayCount;
        const value = await rate();
        if (attach) {
          attached.push(value);
          messages += host.displayCount - before;
        } else {
          detached.push(value);
        }
      }
    }
    const ratio = median(attached) / median(detached);
    console.log(
      `  ${label}: attached ${(median(attached) / 1e6).toFixed(1)} MIPS, detached ${(median(detached) / 1e6).toFixed(1)} MIPS, ` +
        `ratio ${ratio.toFixed(3)} (target ≥ 0.95); ${(messages / ((rounds * windowMs) / 1000)).toFixed(0)} display messages/s attached, flush work ${(flushMs / ((rounds * windowMs) / 1000)).toFixed(1)} ms/s`,
    );
  } finally {
    await machine.dispose();
  }
}

const folder = mkdtempSync(join(tmpdir(), 'hangar-bench-v86-display-'));
try {
  console.log(`v86 display channel overhead, median of ${rounds} windows of ${windowMs} ms each:`);
  await measure('text mode 80×25', floppy(folder, 0x03, 0xb800, 4000), folder);
  await measure('graphics 320×200 (mode 13h)', floppy(folder, 0x13, 0xa000, 64000), folder);
} finally {
  rmSync(folder, { recursive: true, force: true });
}
