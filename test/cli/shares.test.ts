/**
 * The shared-folder options and command of `hangar` on stopped machines (the command opens the
 * library itself): create and modify with --share HOSTPATH[:NAME][:ro] (relative paths from the
 * working folder) and --no-share NAME; `hangar shares NAME [--json]` with tags, statuses and the
 * guest's mount commands; bad input (missing folder, a file, duplicate name, bad name, unknown
 * --no-share) exits 2 and saves nothing; a start with a vanished folder exits 1 naming the share.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { hangarCli } from '../support/hangar-cli.js';

const home = mkdtempSync(join(tmpdir(), 'hangar-cli-shares-'));
after(() => rmSync(home, { recursive: true, force: true }));
const work = join(home, 'work');
mkdirSync(join(work, 'projects'), { recursive: true });
mkdirSync(join(work, 'photos'), { recursive: true });
writeFileSync(join(work, 'a-file'), 'x');

const { hangar, expectOk } = hangarCli(join(home, 'library'), { timeoutMs: 60_000, cwd: work });

interface Share {
  hostPath: string;
  name: string;
  readOnly: boolean;
}

async function shares(name: string): Promise<Share[]> {
  const shown = await expectOk('show', name, '--json');
  return (JSON.parse(shown.stdout) as { shares: Share[] }).shares;
}

test('create and modify take --share and --no-share; hangar shares lists them; bad input exits 2 and saves nothing', async () => {
  await expectOk('create', 'Box', '--engine', 'qemu', '--memory', '64', '--os', 'other', '--share', 'projects', '--share', `${join(work, 'photos')}:pics:ro`);
  const projects = { hostPath: join(work, 'projects'), name: 'projects', readOnly: false };
  const pics = { hostPath: join(work, 'photos'), name: 'pics', readOnly: true };
  assert.deepEqual(await shares('Box'), [projects, pics]);

  const listed = await expectOk('shares', 'Box');
  assert.match(listed.stdout, /NAME\s+TAG\s+ACCESS\s+STATUS\s+HOST FOLDER/);
  assert.match(listed.stdout, /projects\s+host9p\s+read-write\s+stored\s+\S*projects/);
  assert.match(listed.stdout, /pics\s+pics\s+read-only\s+stored\s+\S*photos/);
  assert.match(listed.stdout, /^ {2}mount -t 9p -o trans=virtio,version=9p2000\.L host9p \/mnt$/m);
  assert.match(listed.stdout, /^ {2}mkdir -p \/mnt\/pics && mount -t 9p -o trans=virtio,version=9p2000\.L pics \/mnt\/pics$/m);
  assert.match(listed.stdout, /Windows guests need a 9P or virtiofs driver/);
  const json = JSON.parse((await expectOk('shares', 'Box', '--json')).stdout) as { running: boolean; shares: { tag: string; status: string }[] };
  assert.equal(json.running, false);
  assert.deepEqual(json.shares.map((share) => [share.tag, share.status]), [['host9p', 'stored'], ['pics', 'stored']]);

  for (const [args, reason] of [
    [['modify', 'Box', '--share', 'nowhere'], /--share nowhere: The shared folder "nowhere" \(.*nowhere\) does not exist; create the folder or choose another one/],
    [['modify', 'Box', '--share', 'a-file'], /is not a folder; share the folder that contains it instead/],
    [['modify', 'Box', '--share', 'photos:projects'], /Two shared folders are called "projects"/],
    [['modify', 'Box', '--share', 'photos:bad/name'], /share name "bad\/name" is not 1 to 31 letters/],
    [['modify', 'Box', '--no-share', 'nothing'], /--no-share nothing: the machine has no share called "nothing" \(it has projects, pics\)/],
    [['modify', 'Box', '--share'], /--share needs a value/],
    [['create', 'Other', '--engine', 'v86', '--memory', '32', '--os', 'other', '--share', 'nowhere'], /does not exist/],
    [['create', 'Other', '--engine', 'v86', '--memory', '32', '--os', 'other', '--no-share', 'x'], /--no-share is for hangar modify/],
  ] as const) {
    const run = await hangar(...args);
    assert.equal(run.code, 2, `hangar ${args.join(' ')} should exit 2: ${run.stderr}`);
    assert.match(run.stderr, reason);
  }
  assert.deepEqual(await shares('Box'), [projects, pics], 'nothing was saved');
  assert.equal((await hangar('show', 'Other')).code, 3, 'no machine was created');

  // Removal and replacement in one command: the freed name can be taken again.
  await expectOk('modify', 'Box', '--no-share', 'PICS', '--share', 'photos:pics');
  assert.deepEqual(await shares('Box'), [projects, { ...pics, readOnly: false }]);
  await expectOk('modify', 'Box', '--no-share', 'projects');
  assert.deepEqual(await shares('Box'), [{ ...pics, readOnly: false }]);
  assert.match((await expectOk('shares', 'Box')).stdout, /pics\s+host9p/, 'the first share is host9p whatever its name');

  // The folder goes away: the start says which share and what to do (exit 1), and the list shows it.
  rmSync(join(work, 'photos'), { recursive: true });
  assert.match((await expectOk('shares', 'Box')).stdout, /pics: The shared folder "pics" .* does not exist/);
  const start = await hangar('start', 'Box', '--headless');
  assert.equal(start.code, 1, start.stderr);
  assert.match(start.stderr, /"Box" was not started: The shared folder "pics" \(.*photos\) does not exist.*hangar modify "Box" --no-share pics/);
  await expectOk('modify', 'Box', '--no-share', 'pics');
  assert.deepEqual(await shares('Box'), []);
  assert.match((await expectOk('shares', 'Box')).stdout, /"Box" shares no folders/);
});
