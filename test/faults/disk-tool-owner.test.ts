/**
 * The library's qemu-img runs die with the process that started them, also when it is killed
 * with SIGKILL: a conversion of a large disk must not go on writing after the app is gone. Real
 * qemu-img converting a real image, started by a real Node process that is then killed.
 *
 * The conversion is frozen (SIGSTOP) once seen, so it cannot finish before the kill; the kernel's
 * parent-death signal (SIGKILL) ends a stopped process as well.
 */
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, test } from 'node:test';
import { assertAllGone, describeProcesses, processTree } from '../support/processes.js';
import type { ProcessInfo } from '../support/processes.js';
import { settled } from '../support/waiting.js';

const folder = mkdtempSync(join(tmpdir(), 'hangar-disk-tool-'));
after(() => rmSync(folder, { recursive: true, force: true }));

const diskImagesModule = pathToFileURL(join(import.meta.dirname, '../../src/library/disk-images.ts')).href;

/** A raw image of `mib` MiB with no zero blocks, so qemu-img has to copy every byte. */
function writeFilledImage(path: string, mib: number): void {
  const block = Buffer.alloc(1024 * 1024, 0x5a);
  const fd = openSync(path, 'w');
  try {
    for (let index = 0; index < mib; index++) writeSync(fd, block);
  } finally {
    closeSync(fd);
  }
}

test('a qemu-img conversion dies when the process that started it is killed with SIGKILL', async () => {
  const source = join(folder, 'source.raw');
  writeFilledImage(source, 768);
  const target = join(folder, 'target.qcow2');
  const script = `import { convertDiskImage } from ${JSON.stringify(diskImagesModule)};
await convertDiskImage(${JSON.stringify(source)}, ${JSON.stringify(target)}, { from: 'raw', to: 'qcow2' });
console.log('converted');`;
  const owner = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  owner.stdout.setEncoding('utf8').on('data', (text: string) => (output += text));
  owner.stderr.setEncoding('utf8').on('data', (text: string) => (output += text));
  const ended = new Promise<void>((resolve) => owner.once('exit', () => resolve()));
  let converter: ProcessInfo | undefined;
  try {
    const ownerPid = owner.pid;
    assert.ok(ownerPid);
    // Polled without a pause: the copy takes well under a second on a fast disk.
    const deadline = Date.now() + 30_000;
    while (!converter) {
      if (output.includes('converted')) assert.fail('the conversion finished before its process was seen; use a larger image');
      if (Date.now() > deadline) assert.fail(`qemu-img convert was not seen within 30 s: ${output}`);
      converter = processTree(ownerPid).find((entry) => entry.name === 'qemu-img' && entry.commandLine.includes('convert'));
      if (converter) process.kill(converter.pid, 'SIGSTOP');
      else await new Promise((resolve) => setImmediate(resolve));
    }
    owner.kill('SIGKILL');
    await settled(ended, 'the owner to end', 10_000);
    await assertAllGone([converter], `qemu-img after its owner was killed (${describeProcesses([converter])})`, 10_000);
  } finally {
    if (converter) {
      try {
        process.kill(converter.pid, 'SIGKILL');
      } catch {
        // Already gone, as it should be.
      }
    }
    owner.kill('SIGKILL');
    await settled(ended, 'the owner to end', 10_000);
  }
});

test('a qemu-img that is not installed is reported as missing, with what to install', async () => {
  // The library reads HANGAR_QEMU_IMG when it is loaded: a fresh process sees the missing path.
  const script = `import { createDiskImage } from ${JSON.stringify(diskImagesModule)};
try {
  await createDiskImage(${JSON.stringify(join(folder, 'never.qcow2'))}, { format: 'qcow2', sizeBytes: 1048576 });
  console.log(JSON.stringify({ created: true }));
} catch (error) {
  console.log(JSON.stringify({ class: error.class, message: error.message }));
}`;
  const result = await new Promise<string>((resolve, reject) => {
    execFile(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { env: { ...process.env, HANGAR_QEMU_IMG: join(folder, 'no-such-dir', 'qemu-img') }, timeout: 60_000 }, (error, stdout, stderr) =>
      error ? reject(new Error(`${error.message}: ${stderr}`)) : resolve(stdout),
    );
  });
  const outcome = JSON.parse(result.trim().split('\n').at(-1) ?? '{}') as { class?: string; message?: string };
  assert.equal(outcome.class, 'ToolMissing', result);
  assert.match(outcome.message ?? '', /is not installed; install qemu-utils/);
  assert.equal(existsSync(join(folder, 'never.qcow2')), false);
});
