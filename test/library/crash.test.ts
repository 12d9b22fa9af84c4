// Crash test: a child process writing to the library is killed with SIGKILL many times. After
// every kill the database passes integrity_check, no snapshot row points at a missing or partial
// file, and the library opens again (lock recovered, reconcile finds no damaged snapshot).
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnOwned } from '../../src/node/owned-child.js';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { Library } from '../../src/library/index.js';

const childScript = fileURLToPath(new URL('./crash-child.ts', import.meta.url));
const folder = mkdtempSync(join(tmpdir(), 'hangar-crash-'));
after(() => rmSync(folder, { recursive: true, force: true }));
const rounds = 20;

/** Runs the writer until it has done at least `operations` operations, then SIGKILLs it. */
function runAndKill(operations: number, extraDelayMs: number): Promise<number> {
  const child = spawnOwned(process.execPath, ['--import', 'tsx', childScript, folder], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (data: Buffer) => (stderr += data.toString()));
  return new Promise((resolve, reject) => {
    let done = 0;
    let killing = false;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`writer did not reach ${operations} operations within 60 s (did ${done}); stderr: ${stderr}`));
    }, 60_000);
    child.stdout?.on('data', (data: Buffer) => {
      done += (data.toString().match(/^op /gm) ?? []).length;
      if (!killing && done >= operations) {
        killing = true;
        setTimeout(() => child.kill('SIGKILL'), extraDelayMs);
      }
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      if (signal === 'SIGKILL') resolve(done);
      else reject(new Error(`writer exited by itself (${code}); stderr: ${stderr}`));
    });
  });
}

function verify(round: number): { snapshots: number } {
  const db = new Database(join(folder, 'library.db'));
  try {
    assert.equal(db.pragma('integrity_check', { simple: true }), 'ok', `round ${round}: integrity_check`);
    assert.deepEqual(db.pragma('foreign_key_check'), [], `round ${round}: foreign keys`);
    const rows = db.prepare('SELECT id, machine_id, state_file, state_size, description FROM snapshots').all() as {
      id: string;
      machine_id: string;
      state_file: string;
      state_size: number;
      description: string;
    }[];
    for (const row of rows) {
      const path = join(folder, 'machines', row.machine_id, row.state_file);
      assert.ok(existsSync(path), `round ${round}: snapshot ${row.id} points at missing ${path}`);
      const bytes = readFileSync(path);
      assert.equal(bytes.length, row.state_size, `round ${round}: snapshot ${row.id} state file is partial`);
      assert.equal(createHash('sha256').update(bytes).digest('hex'), row.description, `round ${round}: snapshot ${row.id} content differs`);
    }
    const disks = db.prepare('SELECT path FROM disks').all() as { path: string }[];
    for (const disk of disks) assert.ok(existsSync(disk.path), `round ${round}: disk row points at missing ${disk.path}`);
    return { snapshots: rows.length };
  } finally {
    db.close();
  }
}

describe('library crash safety', () => {
  it(`survives ${rounds} SIGKILLs during writes`, { timeout: 10 * 60_000 }, async (t) => {
    let totalOperations = 0;
    let repaired = 0;
    let snapshots = 0;
    for (let round = 1; round <= rounds; round++) {
      totalOperations += await runAndKill(3 + (round % 5) * 4, (round * 37) % 25);
      snapshots = verify(round).snapshots;
      // The library opens again: the dead writer's lock is recovered, reconcile finds no broken snapshot.
      const library = await Library.open(folder, { watch: false });
      try {
        assert.ok(library.recoveredStaleLock, `round ${round}: stale lock was recovered`);
        const broken = library.reconcileReport.issues.filter((issue) => issue.kind.startsWith('snapshot-file') || issue.kind === 'disk-missing' || issue.kind === 'database-integrity');
        assert.deepEqual(broken, [], `round ${round}: reconcile found damage`);
        repaired += library.reconcileReport.issues.length;
      } finally {
        await library.close();
      }
    }
    t.diagnostic(`${totalOperations} operations, ${snapshots} snapshots checked at the end, ${repaired} interrupted writes cleaned up by reconcile`);
    assert.ok(totalOperations > rounds * 3, `only ${totalOperations} operations ran`);
    assert.ok(snapshots > 0, 'some snapshots survived to be checked');
  });
});
