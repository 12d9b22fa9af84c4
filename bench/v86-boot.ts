// Benchmark: time from spawning an engine process to GRUB's menu text (grub-rescue CD) with
// Hangar's v86 backend, next to bare v86 in Node booting the same ISO with the same firmware,
// in the same run. Each side runs in its own fresh Node process (same loader), timed from spawn
// to the child's "menu" line; the child polls its screen text every 10 ms.
// Target: engine/bare ratio ≤ 1.10. Run: node --import tsx bench/v86-boot.ts [runs]
import { spawnOwned } from '../src/node/owned-child.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const iso = '/usr/lib/grub-rescue/grub-rescue-cdrom.iso';
const menuText = '*GNU/Linux';

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? NaN;
}

async function untilMenu(read: () => string | Promise<string>): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (!(await read()).includes(menuText)) {
    if (Date.now() > deadline) throw new Error('GRUB menu did not appear within 60 s');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Child: Hangar's backend, asked through its query-screen-text handler. */
async function engineChild(): Promise<void> {
  const { createV86Backend } = await import('../src/emulator/v86/index.js');
  const folder = mkdtempSync(join(tmpdir(), 'hangar-bench-v86-'));
  const backend = await createV86Backend(
    { engine: 'v86', memoryMib: 64, cdrom: iso, runtimeDir: folder },
    { emit: () => undefined, display: () => undefined, log: () => undefined },
  );
  const handler = backend.handlers['query-screen-text'] as unknown as () => { lines: string[] };
  await untilMenu(() => handler().lines.join('\n'));
  process.stdout.write('menu\n');
  rmSync(folder, { recursive: true, force: true });
  process.exit(0);
}

/** Child: v86 as its README shows it for Node, with the same firmware, memory and ISO. */
async function bareChild(): Promise<void> {
  const { readFileSync } = await import('node:fs');
  const { createRequire } = await import('node:module');
  const require = createRequire(import.meta.url);
  const { V86 } = await import('v86');
  const buffer = (path: string): ArrayBuffer => {
    const data = readFileSync(path);
    return data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength) as ArrayBuffer;
  };
  const emulator = new V86({
    wasm_path: require.resolve('v86/build/v86.wasm'),
    memory_size: 64 * 1024 * 1024,
    vga_memory_size: 8 * 1024 * 1024,
    bios: { buffer: buffer('/usr/share/seabios/bios.bin') },
    vga_bios: { buffer: buffer('/usr/share/seabios/vgabios-stdvga.bin') },
    cdrom: { buffer: buffer(iso) },
    acpi: true,
    autostart: true,
  });
  // The screen adapter exists only once v86 has loaded.
  const screen = emulator as unknown as { screen_adapter?: { get_text_screen(): string[] } };
  await untilMenu(() => (screen.screen_adapter?.get_text_screen() ?? []).join('\n'));
  process.stdout.write('menu\n');
  process.exit(0);
}

/** Parent: spawns one child and times spawn → "menu". */
function timeChild(mode: 'engine' | 'bare'): Promise<number> {
  const script = fileURLToPath(import.meta.url);
  const start = performance.now();
  const child = spawnOwned(process.execPath, ['--import', 'tsx', script, '--child', mode], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${mode} child did not reach the menu in 90 s`));
    }, 90_000);
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('menu')) {
        clearTimeout(timer);
        resolve(performance.now() - start);
        child.kill('SIGKILL');
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      if (!output.includes('menu')) reject(new Error(`${mode} child exited (${code}) before the menu`));
    });
  });
}

const childIndex = process.argv.indexOf('--child');
if (childIndex >= 0) {
  await (process.argv[childIndex + 1] === 'engine' ? engineChild() : bareChild());
} else {
  const runs = Number(process.argv[2] ?? 5);
  const engine: number[] = [];
  const bare: number[] = [];
  for (let run = 0; run < runs; run++) {
    // Alternate so load changes on the machine hit both sides alike.
    bare.push(await timeChild('bare'));
    engine.push(await timeChild('engine'));
  }
  const ratio = median(engine) / median(bare);
  console.log(`v86: spawn to GRUB menu (grub-rescue CD), median of ${runs}:`);
  console.log(`  engine ${median(engine).toFixed(0)} ms  [${engine.map((v) => v.toFixed(0)).join(', ')}]`);
  console.log(`  bare   ${median(bare).toFixed(0)} ms  [${bare.map((v) => v.toFixed(0)).join(', ')}]`);
  console.log(`  ratio engine/bare ${ratio.toFixed(3)} (target ≤ 1.10)`);
}
