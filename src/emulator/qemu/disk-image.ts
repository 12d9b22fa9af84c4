/**
 * Creates and converts disk images with qemu-img, reporting progress.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { spawnOwned } from '../../node/owned-child.js';

/** qemu-img next to the configured qemu-system binary, else from PATH. */
export function qemuImgBinary(qemuBinary?: string): string {
  if (qemuBinary !== undefined) {
    const sibling = join(dirname(qemuBinary), 'qemu-img');
    if (existsSync(sibling)) return sibling;
  }
  return 'qemu-img';
}

function run(binary: string, args: string[], onProgress?: (percent: number) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    // Owned: qemu-img must not go on writing an image after its engine was killed.
    const child = spawnOwned(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      // `-p` prints "    (12.34/100%)" with carriage returns.
      for (const match of chunk.matchAll(/\((\d+(?:\.\d+)?)\/100%\)/g)) onProgress?.(Number(match[1]));
    });
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr = (stderr + chunk).slice(-4000)));
    child.on('error', (error) =>
      reject(new Error(`cannot run ${binary}: ${error.message}. Install qemu-img (Debian: \`apt install qemu-utils\`).`)),
    );
    child.on('exit', (code) => {
      if (code === 0) resolve();
      else reject(new Error(`${binary} ${args[0] ?? ''} failed: ${stderr.trim() || `exit ${code}`}`));
    });
  });
}

/** Creates an empty qcow2 disk of `sizeBytes`. Progress: 0 then 100 (creation is instant). */
export async function createQcow2(path: string, sizeBytes: number, options: { qemuImg?: string; onProgress?: (percent: number) => void } = {}): Promise<void> {
  if (existsSync(path)) throw new Error(`${path} already exists; choose another file name or delete it first.`);
  options.onProgress?.(0);
  await run(options.qemuImg ?? 'qemu-img', ['create', '-q', '-f', 'qcow2', path, String(sizeBytes)]);
  options.onProgress?.(100);
}

/** Converts an image (e.g. raw → qcow2) with `-p` progress reports. */
export async function convertImage(
  source: string,
  target: string,
  format: 'qcow2' | 'raw',
  options: { qemuImg?: string; onProgress?: (percent: number) => void } = {},
): Promise<void> {
  if (existsSync(target)) throw new Error(`${target} already exists; choose another file name or delete it first.`);
  await run(options.qemuImg ?? 'qemu-img', ['convert', '-p', '-O', format, source, target], options.onProgress);
  options.onProgress?.(100);
}
