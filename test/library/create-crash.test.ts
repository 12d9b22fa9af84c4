// A `hangar create` with a new disk and a CD is killed with SIGKILL at each step of the create
// (HANGAR_CRASH_AT makes the real process kill itself there). After each kill the next open
// removes the half-made machine (or finishes one whose rows had committed) and says so; a retry
// with the same name then succeeds; no orphan folder is left and nothing lands in lost+found.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Library } from '../../src/library/index.js';
import { assertIntegrity } from '../support/library-health.js';

const bin = fileURLToPath(new URL('../../bin/hangar.js', import.meta.url));
const cdrom = '/usr/lib/grub-rescue/grub-rescue-cdrom.iso';
const root = mkdtempSync(join(tmpdir(), 'hangar-create-crash-'));
after(() => rmSync(root, { recursive: true, force: true }));

interface Run {
  code: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
}

function hangar(home: string, crashAt: string | undefined, ...args: string[]): Promise<Run> {
  const env: NodeJS.ProcessEnv = { ...process.env, HANGAR_HOME: home };
  delete env.HANGAR_CRASH_AT;
  if (crashAt) env.HANGAR_CRASH_AT = crashAt;
  return new Promise((resolve) => {
    execFile(process.execPath, [bin, ...args], { env, timeout: 120_000, killSignal: 'SIGKILL' }, (error, stdout, stderr) => {
      const failure = error as (Error & { code?: number | string; signal?: string | null }) | null;
      resolve({ code: failure ? (typeof failure.code === 'number' ? failure.code : null) : 0, signal: failure?.signal ?? null, stdout, stderr });
    });
  });
}

const createArgs = ['create', 'Box', '--engine', 'qemu', '--memory', '64', '--disk', '16M', '--cdrom', cdrom];

/** The machine folder entries other than real machine folders, and what lost+found holds. */
function leftovers(home: string): { machinesFolder: string[]; lostAndFound: string[] } {
  const list = (path: string): string[] => (existsSync(path) ? readdirSync(path) : []);
  return { machinesFolder: list(join(home, 'machines')), lostAndFound: list(join(home, 'lost+found')) };
}

/** The machine called Box is whole: its disk file exists where the row says, its CD is in, its folder has machine.json. */
function assertWholeBox(library: Library, what: string): void {
  const box = library.machines.findByName('Box');
  assert.ok(box, `${what}: machine Box exists`);
  assert.equal(box.disks.length, 1, `${what}: Box has its disk`);
  const disk = box.disks[0];
  assert.ok(disk && existsSync(disk.path), `${what}: the disk file ${disk?.path} exists`);
  assert.ok(disk.path.startsWith(join(library.folder, 'machines', box.id, 'disks')), `${what}: the disk is in the machine's folder`);
  assert.ok(box.drives.cd0, `${what}: the CD is in the drive`);
  assert.ok(existsSync(join(library.folder, 'machines', box.id, 'machine.json')), `${what}: machine.json is written`);
}

describe('atomic machine create', () => {
  // Before the commit: the create did not happen; after it: the create happened (folder moved in at open).
  const points = [
    { point: 'create:staged', committed: false },
    { point: 'create:disk', committed: false },
    { point: 'create:manifest', committed: false },
    { point: 'create:committed', committed: true },
    { point: 'create:renamed', committed: true },
  ];
  for (const { point, committed } of points) {
    it(`a kill at ${point} leaves ${committed ? 'a whole machine' : 'nothing'}; a retry behaves`, { timeout: 5 * 60_000 }, async () => {
      const home = join(root, point.replace(':', '-'));
      const killed = await hangar(home, point, ...createArgs);
      assert.equal(killed.signal, 'SIGKILL', `the create was killed at ${point} (exit ${killed.code}, stderr: ${killed.stderr})`);

      const library = await Library.open(home, { watch: false });
      try {
        const said = library.reconcileReport.issues.filter((issue) => issue.kind === 'interrupted-create');
        if (point === 'create:committed') assert.deepEqual(said.map((issue) => issue.action), ['completed'], 'open finishes a committed create and says so');
        else if (!committed) assert.deepEqual(said.map((issue) => issue.action), ['removed'], 'open removes the half-made machine and says so');
        if (committed) assertWholeBox(library, `after a kill at ${point}`);
        else assert.equal(library.machines.findByName('Box'), undefined, 'no half-made machine is listed');
      } finally {
        await library.close();
      }
      const afterOpen = leftovers(home);
      assert.ok(!afterOpen.machinesFolder.some((name) => name.startsWith('.')), `no staging folder is left: ${afterOpen.machinesFolder.join(', ')}`);
      assert.equal(afterOpen.machinesFolder.length, committed ? 1 : 0, `machine folders: ${afterOpen.machinesFolder.join(', ')}`);
      assert.deepEqual(afterOpen.lostAndFound, [], 'nothing was moved to lost+found');

      const retry = await hangar(home, undefined, ...createArgs);
      if (committed) {
        assert.equal(retry.code, 1, 'the committed create stands, so the name is taken');
        assert.match(retry.stderr, /already exists/);
      } else assert.equal(retry.code, 0, `the retry succeeds: ${retry.stderr}`);
      const reopened = await Library.open(home, { watch: false });
      try {
        assertWholeBox(reopened, 'after the retry');
        assert.equal(reopened.machines.list().length, 1);
      } finally {
        await reopened.close();
      }
      const end = leftovers(home);
      assert.equal(end.machinesFolder.length, 1, `one machine folder: ${end.machinesFolder.join(', ')}`);
      assert.deepEqual(end.lostAndFound, []);
      assertIntegrity(home, `after a kill at ${point}`);
    });
  }

  it('a create whose disk fails leaves no machine, folder or row', async () => {
    const home = join(root, 'failing-disk');
    const library = await Library.open(home, { watch: false });
    try {
      await assert.rejects(library.createMachine({ name: 'Box', osId: 'other', engine: 'qemu' }, { newDisk: { format: 'qcow2', sizeBytes: 100 } }), /sizeBytes/);
      assert.equal(library.machines.list().length, 0);
      assert.deepEqual(readdirSync(join(home, 'machines')), []);
      const box = await library.createMachine({ name: 'Box', osId: 'other', engine: 'qemu' }, { newDisk: { format: 'raw', sizeBytes: 1 << 20 } });
      assert.equal(box.disks.length, 1);
      assert.ok(existsSync(box.disks[0]?.path ?? ''));
    } finally {
      await library.close();
    }
  });
});
