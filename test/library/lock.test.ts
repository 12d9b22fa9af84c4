// One app per library: a second process is refused; a lock left by a killed process is recovered.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { type ChildProcess } from 'node:child_process';
import { spawnOwned } from '../../src/node/owned-child.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Library, LibraryError } from '../../src/library/index.js';

const holderScript = fileURLToPath(new URL('./lock-holder.ts', import.meta.url));
const folder = mkdtempSync(join(tmpdir(), 'hangar-lock-'));
const children: ChildProcess[] = [];
after(() => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  rmSync(folder, { recursive: true, force: true });
});

function startHolder(): Promise<ChildProcess> {
  const child = spawnOwned(process.execPath, ['--import', 'tsx', holderScript, folder], { stdio: ['pipe', 'pipe', 'inherit'] });
  children.push(child);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('lock holder did not get ready within 60 s')), 60_000);
    child.stdout?.on('data', (data: Buffer) => {
      if (data.toString().includes('ready')) {
        clearTimeout(timer);
        resolve(child);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`lock holder exited early with ${code}`));
    });
  });
}

function exited(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : child.once('exit', () => resolve())));
}

describe('library lock', () => {
  it('refuses a second instance while another process holds the library', async () => {
    const holder = await startHolder();
    await assert.rejects(Library.open(folder, { watch: false }), (error: unknown) => {
      assert.ok(error instanceof LibraryError);
      assert.equal(error.class, 'Locked');
      assert.match(error.message, new RegExp(`already open in another Hangar \\(pid ${holder.pid} `));
      assert.match(error.message, /Close that instance first/);
      return true;
    });
    const result = await Library.tryOpen(folder, { watch: false });
    assert.equal(result.ok, false);
    assert.equal(!result.ok && result.error.class, 'Locked');
    holder.stdin?.end();
    await exited(holder);
    const library = await Library.open(folder, { watch: false });
    assert.equal(library.recoveredStaleLock, null, 'a clean close leaves nothing to recover');
    await library.close();
  });

  it('lets a lock-free reader in while the holder runs, without repairs or watching', async () => {
    const holder = await startHolder();
    const reader = await Library.open(folder, { lock: false });
    try {
      assert.equal(reader.reconcileReport.issues.length, 0);
      assert.ok(Array.isArray(reader.machines.list()));
    } finally {
      await reader.close();
    }
    await assert.rejects(Library.open(folder, { lock: false, reconcile: 'repair' }), /need the library lock/);
    holder.stdin?.end();
    await exited(holder);
  });

  it('recovers the lock of a process killed with SIGKILL', async () => {
    const holder = await startHolder();
    holder.kill('SIGKILL');
    await exited(holder);
    const library = await Library.open(folder, { watch: false });
    assert.equal(library.recoveredStaleLock?.pid, holder.pid);
    await library.close();
  });

  it('refuses a second open in the same process and allows it after close', async () => {
    const library = await Library.open(folder, { watch: false });
    await assert.rejects(Library.open(folder, { watch: false }), /This process already has the library/);
    await library.close();
    const again = await Library.open(folder, { watch: false });
    await again.close();
  });
});
