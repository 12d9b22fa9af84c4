// Benchmark: snapshot-save and snapshot-load job times for v86 guests of 128 and 512 MiB with
// touched RAM, next to bare v86 save_state()/restore_state() on the same guest in the same run
// (what the engine adds: stopping, draining, freezing the disk, compressing, the atomic write,
// reading and checking the file). The guest runs a nasm-built compute loop from a file-backed
// disk; its RAM is filled from the host with compressible pseudo-random bytes (every page
// touched, about 6 bits of entropy per byte) before each round.
// Also prints the state size of a 128 MiB guest at the GRUB menu with the rescue CD inserted.
// Run: node --import tsx bench/v86-snapshot.ts [rounds]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildSpinDisk } from '../test/v86-storage/spin-disk.js';
import { ISO, startMachine } from '../test/v86-storage/helpers.js';

const rounds = Number(process.argv[2] ?? 3);

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? NaN;
}

function touch(memory: Uint8Array, seed: number): void {
  let x = seed | 1;
  for (let i = 0; i < memory.length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    memory[i] = x & 0x3f;
  }
}

// The state-size target: a 128 MiB guest at the GRUB menu with the rescue CD inserted.
{
  const dir = mkdtempSync(join(tmpdir(), 'hangar-bench-snap-'));
  try {
    const vm = await startMachine({ memoryMib: 128, cdrom: ISO, runtimeDir: dir });
    try {
      await vm.waitForText('the GRUB menu', (text) => text.includes('GNU GRUB'));
      const start = performance.now();
      const saved = await vm.runJob('snapshot-save', 'menu');
      if (saved.error) throw new Error(saved.error);
      const took = performance.now() - start;
      const size = vm.features.snapshots.list().find((entry) => entry.header.tag === 'menu')?.fileSize ?? 0;
      console.log(`GRUB menu, 128 MiB, CD inserted: file ${(size / 1048576).toFixed(2)} MiB (target < 8 MiB), save ${took.toFixed(0)} ms`);
    } finally {
      await vm.dispose();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

for (const memoryMib of [128, 512]) {
  const dir = mkdtempSync(join(tmpdir(), 'hangar-bench-snap-'));
  try {
    const disk = buildSpinDisk(dir);
    const vm = await startMachine({ memoryMib, disk, bootOrder: ['disk'], runtimeDir: dir });
    const saves: number[] = [];
    const loads: number[] = [];
    const bareSaves: number[] = [];
    const bareLoads: number[] = [];
    let size = 0;
    try {
      await new Promise((resolve) => setTimeout(resolve, 1000));
      for (let round = 0; round < rounds; round++) {
        await vm.call('stop');
        const cpu = vm.machine.emulator.v86.cpu as unknown as { mem8: Uint8Array };
        // Leave the first MiB (boot sector, BIOS data) alone; touch the rest.
        touch(cpu.mem8.subarray(1 << 20, memoryMib << 20), round + 1);
        await vm.call('cont');
        let start = performance.now();
        const saved = await vm.runJob('snapshot-save', 'bench');
        saves.push(performance.now() - start);
        if (saved.error) throw new Error(saved.error);
        size = vm.features.snapshots.list().find((entry) => entry.header.tag === 'bench')?.fileSize ?? 0;
        start = performance.now();
        const loaded = await vm.runJob('snapshot-load', 'bench');
        loads.push(performance.now() - start);
        if (loaded.error) throw new Error(loaded.error);
        await vm.call('stop');
        start = performance.now();
        const state = await vm.machine.emulator.save_state();
        bareSaves.push(performance.now() - start);
        start = performance.now();
        await vm.machine.emulator.restore_state(state);
        bareLoads.push(performance.now() - start);
        await vm.call('cont');
      }
    } finally {
      await vm.dispose();
    }
    const save = median(saves);
    const load = median(loads);
    console.log(
      `${memoryMib} MiB: file ${(size / 1048576).toFixed(1)} MiB; save ${save.toFixed(0)} ms (bare save_state ${median(bareSaves).toFixed(0)} ms, ratio ${(save / median(bareSaves)).toFixed(1)}); ` +
        `load ${load.toFixed(0)} ms (bare restore_state ${median(bareLoads).toFixed(0)} ms, ratio ${(load / median(bareLoads)).toFixed(1)})`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
