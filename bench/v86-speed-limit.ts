// Benchmark: accuracy of the v86 speed limit on compute-bound code (a nasm-built loop booted
// from a file-backed disk), at three settings, next to the same guest unlimited in the same
// run. Speed is read from the guest's instruction counter over 5 s per setting (after 0.5 s to
// settle). Target: |measured − limit| / limit ≤ 15 %.
// Run: node --import tsx bench/v86-speed-limit.ts [mips,mips,mips]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startMachine } from '../test/v86-storage/helpers.js';
import { buildSpinDisk, measureMips } from '../test/v86-storage/spin-disk.js';

const settings = (process.argv[2] ?? '25,100,250').split(',').map(Number);
const dir = mkdtempSync(join(tmpdir(), 'hangar-bench-speed-'));
try {
  const vm = await startMachine({ memoryMib: 16, disk: buildSpinDisk(dir), bootOrder: ['disk'], runtimeDir: dir });
  try {
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const free = await measureMips(vm, 5000);
    console.log(`unlimited: ${free.toFixed(1)} MIPS`);
    for (const mips of settings) {
      await vm.call('set-speed-limit', { mips });
      await new Promise((resolve) => setTimeout(resolve, 500));
      const measured = await measureMips(vm, 5000);
      const error = ((measured - mips) / mips) * 100;
      console.log(`limit ${mips} MIPS: measured ${measured.toFixed(1)} MIPS, error ${error >= 0 ? '+' : ''}${error.toFixed(1)} %, ${(measured / free).toFixed(2)} of unlimited`);
    }
  } finally {
    await vm.dispose();
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
