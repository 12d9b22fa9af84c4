/**
 * The renderer build lock of test/ui/harness.ts: suites that start together build the renderer
 * once (one holds the lock, the others wait), a lock left by a killed run is broken, and the lock
 * is released when the build fails.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { withBuildLock } from './harness.js';

const root = mkdtempSync(join(tmpdir(), 'hangar-build-lock-'));
after(() => rmSync(root, { recursive: true, force: true }));

test('concurrent holders run one at a time, and the lock is gone afterwards', async () => {
  let inside = 0;
  let most = 0;
  const order: number[] = [];
  await Promise.all(
    [1, 2, 3].map((id) =>
      withBuildLock(root, async () => {
        inside++;
        most = Math.max(most, inside);
        await new Promise((resolve) => setTimeout(resolve, 300));
        order.push(id);
        inside--;
      }),
    ),
  );
  assert.equal(most, 1, 'never two builds at once');
  assert.equal(order.length, 3);
  assert.equal(existsSync(join(root, 'build.lock')), false);
});

test('a lock left by a killed run (older than any build) is broken', async () => {
  const lock = join(root, 'build.lock');
  mkdirSync(lock);
  const old = new Date(Date.now() - 3_600_000);
  utimesSync(lock, old, old);
  let ran = false;
  await withBuildLock(root, async () => {
    ran = true;
  });
  assert.equal(ran, true);
  assert.equal(existsSync(lock), false);
});

test('a failed build releases the lock', async () => {
  await assert.rejects(
    withBuildLock(root, async () => {
      throw new Error('vite failed');
    }),
    /vite failed/,
  );
  assert.equal(existsSync(join(root, 'build.lock')), false);
  let ran = false;
  await withBuildLock(root, async () => {
    ran = true;
  });
  assert.equal(ran, true);
});
