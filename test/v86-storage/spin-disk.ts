/**
 * A nasm-built boot disk for speed and serial tests and benchmarks: a compute-bound loop that
 * says "Hi" on COM1 and echoes every received byte plus one; and a MIPS meter.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TestMachine } from './helpers.js';

/** A compute-bound loop that polls COM1 every 100 000 iterations. */
export const SPIN_SECTOR = `
org 0x7c00
bits 16
  cli
  mov dx, 0x3f8
  mov al, 'H'
  out dx, al
  mov al, 'i'
  out dx, al
spin:
  mov ecx, 100000
count:
  dec ecx
  jnz count
  mov dx, 0x3fd
  in al, dx
  test al, 1
  jz spin
  mov dx, 0x3f8
  in al, dx
  inc al
  out dx, al
  jmp spin
times 510-($-$$) db 0
dw 0xaa55
`;

/** Assembles SPIN_SECTOR into a 1 MiB disk image in `dir`; returns its path. */
export function buildSpinDisk(dir: string): string {
  writeFileSync(join(dir, 'spin.asm'), SPIN_SECTOR);
  execFileSync('nasm', ['-f', 'bin', '-o', join(dir, 'spin.bin'), join(dir, 'spin.asm')]);
  const image = Buffer.alloc(1024 * 1024);
  readFileSync(join(dir, 'spin.bin')).copy(image, 0);
  const path = join(dir, 'spin.img');
  writeFileSync(path, image);
  return path;
}

/** Guest MIPS measured over `ms` from the instruction counter (u32, wrap-safe). */
export async function measureMips(vm: TestMachine, ms: number): Promise<number> {
  const counter = () => vm.machine.emulator.v86.cpu.instruction_counter[0] ?? 0;
  let last = counter();
  let total = 0;
  const start = performance.now();
  // Sample often enough that the u32 counter cannot wrap twice between samples.
  while (performance.now() - start < ms) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    const now = counter();
    total += (now - last) >>> 0;
    last = now;
  }
  return total / ((performance.now() - start) / 1000) / 1e6;
}
