import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { engineAllocatorSettings, engineEnvironment } from './engine-env.js';
import { forkLauncher } from './engine-launcher.js';

test('a forked engine runs with glibc keeping frame-sized buffers in its heap', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'hangar-engine-env-'));
  const engine = forkLauncher.launch(['--engine', 'v86', '--memory', '16', '--qmp', join(dir, 'qmp.sock')]);
  const exited = new Promise<void>((resolve) => engine.onExit(() => resolve()));
  try {
    // The greeting comes from the engine itself (not the ownership guard that starts it).
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no QMP greeting from the engine within 120 s; stderr: ${engine.stderrTail()}`)), 120_000);
      engine.onMessage(() => {
        clearTimeout(timer);
        resolve();
      });
      engine.onExit((exit) => reject(new Error(`the engine exited (${JSON.stringify(exit)}) before its greeting: ${engine.stderrTail()}`)));
    });
    const environment = readFileSync(`/proc/${engine.pid}/environ`, 'latin1').split('\0');
    for (const [name, value] of Object.entries(engineAllocatorSettings)) assert.ok(environment.includes(`${name}=${value}`), `${name}=${value} is not in the engine's environment`);
  } finally {
    engine.kill();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([exited, new Promise((resolve) => (timer = setTimeout(resolve, 10_000)))]);
    clearTimeout(timer);
    rmSync(dir, { recursive: true, force: true });
  }
});

test('allocator settings the user chose are kept', () => {
  const environment = engineEnvironment({ MALLOC_MMAP_THRESHOLD_: '1048576', HOME: '/home/x' });
  assert.equal(environment.MALLOC_MMAP_THRESHOLD_, '1048576');
  assert.equal(environment.MALLOC_TRIM_THRESHOLD_, String(64 << 20));
  assert.equal(environment.HOME, '/home/x');
});
