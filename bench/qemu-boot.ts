// Benchmark: boot the grub-rescue CD to the GRUB menu through Hangar's QEMU backend, next to a
// bare qemu-system-x86_64 with the same arguments (same QMP polling of the text screen).
// Target: engine/bare ratio ≤ 1.10. Run: node --import tsx bench/qemu-boot.ts
import { spawnOwned } from '../src/node/owned-child.js';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MachineConfig } from '../src/emulator/backend.js';
import { buildArguments, socketPaths } from '../src/emulator/qemu/arguments.js';
import { findQemuBinary } from '../src/emulator/qemu/discovery.js';
import { createQemuBackend } from '../src/emulator/qemu/index.js';
import { QmpClient } from '../src/emulator/qemu/qmp.js';
import { readTextScreen } from '../src/emulator/qemu/text-screen.js';

const runs = Number(process.argv[2] ?? 7);
const iso = '/usr/lib/grub-rescue/grub-rescue-cdrom.iso';

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? NaN;
}

async function untilMenu(read: () => Promise<string>): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (!(await read()).includes('*GNU/Linux')) {
    if (Date.now() > deadline) throw new Error('GRUB menu did not appear within 60 s');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

function config(folder: string): MachineConfig {
  return { engine: 'qemu', memoryMib: 64, cdrom: iso, runtimeDir: folder, options: { accelerator: 'tcg', hostStateDir: folder } };
}

async function engineRun(): Promise<number> {
  const folder = mkdtempSync(join(tmpdir(), 'hangar-bench-qemu-'));
  chmodSync(folder, 0o700);
  const start = performance.now();
  const backend = await createQemuBackend(config(folder), { emit: () => undefined, display: () => undefined, log: () => undefined });
  try {
    const handler = backend.handlers['query-screen-text'] as unknown as () => Promise<{ lines: string[] }>;
    await untilMenu(async () => (await handler()).lines.join('\n'));
    return performance.now() - start;
  } finally {
    await backend.dispose();
    rmSync(folder, { recursive: true, force: true });
  }
}

async function bareRun(): Promise<number> {
  const folder = mkdtempSync(join(tmpdir(), 'hangar-bench-qemu-bare-'));
  chmodSync(folder, 0o700);
  const sockets = socketPaths(folder);
  const args = buildArguments(config(folder), sockets, { accelerator: 'tcg', clipboard: false, display: 'std', tablet: true });
  const start = performance.now();
  const child = spawnOwned(findQemuBinary(), args, { stdio: 'ignore' });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  try {
    const qmp = await QmpClient.open(sockets.qmp, 30_000);
    await qmp.execute('cont');
    await untilMenu(async () => (await readTextScreen(qmp, 720))?.lines.join('\n') ?? '');
    const elapsed = performance.now() - start;
    qmp.close();
    return elapsed;
  } finally {
    child.kill('SIGKILL');
    await exited;
    rmSync(folder, { recursive: true, force: true });
  }
}

const engine: number[] = [];
const bare: number[] = [];
for (let run = 0; run < runs; run++) {
  // Alternate so load changes on the machine hit both sides alike.
  bare.push(await bareRun());
  engine.push(await engineRun());
}
const ratio = median(engine) / median(bare);
console.log(`boot to GRUB menu (grub-rescue CD, TCG), median of ${runs}:`);
console.log(`  bare qemu-system-x86_64: ${median(bare).toFixed(0)} ms  [${bare.map((value) => value.toFixed(0)).join(', ')}]`);
console.log(`  Hangar QEMU backend:     ${median(engine).toFixed(0)} ms  [${engine.map((value) => value.toFixed(0)).join(', ')}]`);
console.log(`  ratio engine/bare: ${ratio.toFixed(3)} (target ≤ 1.10) ${ratio <= 1.1 ? 'OK' : 'OVER'}`);
