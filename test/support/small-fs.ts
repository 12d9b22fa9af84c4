/**
 * A small, private file system that a test can fill up: a size-limited tmpfs mounted at a
 * temporary folder, or (when tmpfs cannot be mounted) a loop-mounted ext4 image. Needs root
 * (CI runs as root); when neither can be mounted it throws saying why, so a test never passes
 * without having filled a disk.
 *
 * API:
 *   const fs = mountSmallFileSystem(64)   // MiB; fs.path, fs.kind ('tmpfs' | 'ext4-loop')
 *                                         // HANGAR_TEST_SMALL_FS=ext4-loop tries the loop image first
 *   fs.fill()                             // writes a filler file until ENOSPC; returns its size
 *   fs.freeBytes()                        // what an unprivileged write could still use
 *   fs.release()                          // deletes the filler
 *   await fs.unmount()                    // idempotent; retries while busy, then detaches lazily
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, closeSync, mkdtempSync, openSync, rmSync, statfsSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A mounted small file system. */
export interface SmallFileSystem {
  readonly path: string;
  readonly kind: 'tmpfs' | 'ext4-loop';
  fill(): number;
  freeBytes(): number;
  release(): void;
  unmount(): Promise<void>;
}

function run(command: string, args: string[]): void {
  execFileSync(command, args, { stdio: ['ignore', 'pipe', 'pipe'], timeout: 30_000 });
}

function reason(error: unknown): string {
  const stderr = (error as { stderr?: Buffer }).stderr?.toString().trim();
  return stderr || (error as Error).message;
}

/** Mounts a `sizeMib` file system at a fresh temporary folder (mode 0700). */
export function mountSmallFileSystem(sizeMib: number): SmallFileSystem {
  if (process.getuid?.() !== 0) throw new Error('Mounting a small file system needs root (CI runs the tests as root); run this test as root.');
  const path = mkdtempSync(join(tmpdir(), 'hangar-small-fs-'));
  let kind: SmallFileSystem['kind'];
  let image: string | undefined;
  try {
    if (process.env.HANGAR_TEST_SMALL_FS === 'ext4-loop') throw new Error('HANGAR_TEST_SMALL_FS=ext4-loop asks for the loop image');
    run('mount', ['-t', 'tmpfs', '-o', `size=${sizeMib}m,mode=0700`, 'hangar-test', path]);
    kind = 'tmpfs';
  } catch (tmpfsError) {
    image = join(tmpdir(), `hangar-small-fs-${process.pid}-${Date.now().toString(36)}.ext4`);
    try {
      run('truncate', ['-s', `${sizeMib}M`, image]);
      run('mkfs.ext4', ['-q', '-F', '-m', '0', image]);
      run('mount', ['-o', 'loop', image, path]);
      chmodSync(path, 0o700);
      kind = 'ext4-loop';
    } catch (loopError) {
      rmSync(image, { force: true });
      rmSync(path, { recursive: true, force: true });
      throw new Error(`Cannot mount a small file system: tmpfs: ${reason(tmpfsError)}; loop ext4: ${reason(loopError)}.`);
    }
  }
  const filler = join(path, 'filler');
  let mounted = true;
  return {
    path,
    kind,
    fill() {
      const fd = openSync(filler, 'a', 0o600);
      let written = 0;
      try {
        // Big blocks first, then pages, until the file system refuses.
        for (const size of [1 << 20, 4096, 512]) {
          const block = Buffer.alloc(size, 0xa5);
          for (;;) {
            try {
              written += writeSync(fd, block);
            } catch (error) {
              if ((error as NodeJS.ErrnoException).code === 'ENOSPC') break;
              throw error;
            }
          }
        }
      } finally {
        closeSync(fd);
      }
      return written;
    },
    freeBytes() {
      const stats = statfsSync(path);
      return stats.bavail * stats.bsize;
    },
    release() {
      rmSync(filler, { force: true });
    },
    async unmount() {
      if (!mounted) return;
      let lastError: unknown;
      for (let attempt = 0; attempt < 25; attempt++) {
        try {
          run('umount', [path]);
          lastError = undefined;
          break;
        } catch (error) {
          lastError = error;
          await new Promise((resolve) => setTimeout(resolve, 200));
        }
      }
      // Still busy after 5 s: detach it so nothing stays mounted, and say so.
      if (lastError !== undefined) run('umount', ['-l', path]);
      mounted = false;
      if (image) rmSync(image, { force: true });
      rmSync(path, { recursive: true, force: true });
      if (lastError !== undefined) throw new Error(`${path} was still busy 5 s after the test (detached lazily): ${reason(lastError)}`);
    },
  };
}
