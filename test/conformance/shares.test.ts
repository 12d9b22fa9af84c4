/**
 * Engine protocol conformance: shared folders over 9P on both engines with the Linux test guest
 * (scripts/build-test-guest.sh). The guest mounts the first share as `host9p`, reads a 1 MiB
 * binary file with the host's sha256, writes a file that appears on the host owned by the host
 * user with sane modes, creates, renames and removes a folder; symlinks planted on the host that
 * point outside the share (absolute and `../`) do not reach host files; a read-only share
 * refuses writes with EROFS; query-shares reports every share (v86: the second one failed with
 * the reason). SIGKILL of a v86 engine leaves no 9P server. Written against the protocol and
 * the engine command line only.
 *
 * These guests run with `--nic none`, so they also check network mode none (test/conformance/
 * network.test.ts has the other modes): the guest has no card and the network commands say so.
 * One boot serves both (a boot is most of a minute here).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { EngineProcess } from '../support/engine-process.js';
import { startEngine } from '../support/engine-process.js';
import { engineConsole, ensureGuestIso, guestRun, guestShell, serialText, waitForGuestBoot } from '../support/linux-guest.js';
import { assertAllGone, describeProcesses, processTree } from '../support/processes.js';
import type { QmpClient } from '../support/qmp-client.js';
import { until } from '../support/waiting.js';
import { conformanceBackends, engineArguments } from './backends.js';
import type { ShareStatus } from '../../src/emulator/common/share-control.js';

type ShareState = ShareStatus;

const mountCommand = (tag: string, at: string): string => `mkdir -p ${at} && mount -t 9p -o trans=virtio,version=9p2000.L ${tag} ${at}`;

let root = '';
let guestIso = '';
const secret = `hangar-outside-secret-${randomBytes(6).toString('hex')}`;
const blob = randomBytes(1024 * 1024);
const blobSha = createHash('sha256').update(blob).digest('hex');

before(() => {
  guestIso = ensureGuestIso();
  root = mkdtempSync(join(tmpdir(), 'hangar-shares-'));
  // Outside every share: nothing the guest does may read it.
  writeFileSync(join(root, 'outside-secret.txt'), `${secret}\n`);
});

after(() => {
  if (root) rmSync(root, { recursive: true, force: true });
});

/** A fresh read-write share and a read-only one for `backend`, with the planted files. */
function makeShares(backend: string): { rw: string; ro: string } {
  const rw = join(root, `${backend}-work`);
  const ro = join(root, `${backend}-docs`);
  mkdirSync(rw);
  mkdirSync(ro);
  writeFileSync(join(rw, 'blob.bin'), blob);
  writeFileSync(join(ro, 'readme.txt'), 'read only\n');
  // Planted by the host (a guest cannot make links to host paths it does not see): both point outside.
  symlinkSync('/etc/passwd', join(rw, 'passwd-link'));
  symlinkSync(join(root, 'outside-secret.txt'), join(rw, 'secret-abs-link'));
  symlinkSync('../outside-secret.txt', join(rw, 'secret-rel-link'));
  return { rw, ro };
}

async function boot(backend: 'v86' | 'qemu', shares: string[], disk?: string): Promise<EngineProcess> {
  const args = [...engineArguments[backend], '--nic', 'none', ...shares.flatMap((share) => ['--share', share])];
  const engine = await startEngine({ engine: backend, memoryMib: 256, cdrom: guestIso, ...(disk !== undefined ? { disk } : {}), args, timeoutMs: 120_000 });
  await waitForGuestBoot(engineConsole(engine.client), { timeoutMs: 300_000, what: `${backend} boot` });
  return engine;
}

/** Runs a snapshot job to its end; its error, if any. */
async function snapshotJob(client: QmpClient, type: 'snapshot-save' | 'snapshot-load', tag: string): Promise<string | undefined> {
  const id = `${type}-${tag}-${Date.now()}`;
  await client.execute(type, { 'job-id': id, tag });
  const job = await until(async () => {
    const jobs = (await client.execute('query-jobs')) as { id: string; status: string; error?: string }[];
    return jobs.find((entry) => entry.id === id && entry.status === 'concluded');
  }, `${type} ${tag} to conclude`, 180_000);
  await client.execute('job-dismiss', { id });
  return job.error;
}

// One engine per backend at a time (the two backends in parallel): the machine has 2 cores.
describe('shared folders', { concurrency: true }, () => {
  for (const backend of conformanceBackends) {
    describe(backend, { concurrency: false }, () => {
      let engine: EngineProcess | undefined;
      let paths = { rw: '', ro: '' };
      const run = (command: string, timeoutMs = 120_000): Promise<string> => guestRun(engineConsole(engine!.client), command, timeoutMs);
      const shell = (command: string, timeoutMs = 120_000): ReturnType<typeof guestShell> => guestShell(engineConsole(engine!.client), command, timeoutMs);
      after(async () => engine?.stop());

      test('query-shares lists both shares; the first is host9p and the guest mounts it', async () => {
        paths = makeShares(backend);
        // QEMU keeps RAM snapshots in a qcow2 disk (the snapshot test below).
        let disk: string | undefined;
        if (backend === 'qemu') {
          disk = join(root, 'qemu-disk.qcow2');
          execFileSync('qemu-img', ['create', '-q', '-f', 'qcow2', disk, '64M']);
        }
        engine = await boot(backend, [`${paths.rw}:work`, `${paths.ro}:docs:ro`], disk);
        const shares = (await engine.client.execute('query-shares')) as ShareState[];
        assert.equal(shares.length, 2);
        assert.deepEqual({ ...shares[0] }, { name: 'work', tag: 'host9p', 'host-path': paths.rw, 'read-only': false, status: 'active' });
        assert.equal(shares[1]?.tag, 'docs');
        assert.equal(shares[1]?.['read-only'], true);
        if (backend === 'qemu') assert.equal(shares[1]?.status, 'active');
        else {
          assert.equal(shares[1]?.status, 'failed');
          assert.match(shares[1]?.error ?? '', /one 9P device/);
        }
        await run(mountCommand('host9p', '/mnt'));
        assert.match(await run('ls /mnt'), /blob\.bin/);
      });

      test('network mode none: the guest has no network card and the commands say so', async () => {
        assert.ok(engine);
        assert.equal(/hangar-guest: (net [^\r\n]*)/.exec(serialText(engineConsole(engine.client)))?.[1], 'net none');
        const state = (await engine.client.execute('query-network')) as { mode: string; available: boolean };
        assert.equal(state.mode, 'none');
        assert.equal(state.available, false);
        await assert.rejects(engine.client.execute('network-forward-add', { 'host-port': 2222, 'guest-port': 22 }), /no network card/);
      });

      test('a 1 MiB binary host file reads with the same sha256', async () => {
        const output = await run('sha256sum /mnt/blob.bin');
        assert.match(output, new RegExp(`^${blobSha}\\s`, 'm'));
      });

      test('a file the guest writes appears on the host, owned by the host user, not group/world writable', async () => {
        await run('echo from-the-guest > /mnt/guest.txt && dd if=/dev/zero of=/mnt/zeros.bin bs=4096 count=64 2>/dev/null && sync');
        assert.equal(readFileSync(join(paths.rw, 'guest.txt'), 'utf8'), 'from-the-guest\n');
        const stats = statSync(join(paths.rw, 'guest.txt'));
        assert.equal(stats.uid, process.getuid?.(), 'the host user owns what the guest creates');
        assert.equal(stats.gid, process.getgid?.(), 'in the host user\'s group');
        assert.equal(stats.mode & 0o022, 0, `mode ${(stats.mode & 0o777).toString(8)}: not writable by group or others`);
        assert.ok((stats.mode & 0o600) === 0o600, `mode ${(stats.mode & 0o777).toString(8)}: the owner can read and write`);
        assert.equal(statSync(join(paths.rw, 'zeros.bin')).size, 64 * 4096);
      });

      test('mkdir, rename and rmdir in the guest show on the host', async () => {
        await run('mkdir /mnt/made && echo inside > /mnt/made/f.txt && mv /mnt/made /mnt/renamed');
        assert.equal(existsSync(join(paths.rw, 'made')), false);
        assert.equal(readFileSync(join(paths.rw, 'renamed', 'f.txt'), 'utf8'), 'inside\n');
        assert.equal(statSync(join(paths.rw, 'renamed')).uid, process.getuid?.());
        await run('rm /mnt/renamed/f.txt && rmdir /mnt/renamed');
        assert.equal(existsSync(join(paths.rw, 'renamed')), false);
      });

      test('symlinks pointing outside the share and ../ do not reach host files', async () => {
        const hostPasswd = readFileSync('/etc/passwd', 'utf8').trim();
        for (const link of ['passwd-link', 'secret-abs-link', 'secret-rel-link']) {
          const result = await shell(`cat /mnt/${link}`);
          assert.ok(!result.output.includes(secret), `${link} read the host file outside the share:\n${result.output}`);
          if (link === 'passwd-link') assert.notEqual(result.output.trim(), hostPasswd, 'passwd-link read the host\'s /etc/passwd');
        }
        // The guest resolves .. itself: /mnt/.. is its own root, never the share's host parent.
        const up = await shell('cat /mnt/../outside-secret.txt; ls -a /mnt/..; mkdir -p /mnt/sub && cat /mnt/sub/../../outside-secret.txt');
        assert.ok(!up.output.includes(secret), `../ reached outside the share:\n${up.output}`);
        assert.doesNotMatch(up.output, new RegExp(`${backend}-docs|${backend}-work`), `../ listed the share's host parent:\n${up.output}`);
        // A link the guest makes stays a link inside the share; it does not turn into a host path.
        await run('ln -s /etc/passwd /mnt/guest-link');
        assert.equal(lstatSync(join(paths.rw, 'guest-link')).isSymbolicLink(), true);
      });

      test('a read-only share refuses writes with EROFS and still reads', async () => {
        if (backend === 'v86') {
          // v86 serves one share: boot again with the read-only share first.
          await engine?.stop();
          engine = await boot(backend, [`${paths.ro}:docs:ro`]);
          const shares = (await engine.client.execute('query-shares')) as ShareState[];
          assert.deepEqual(shares.map((share) => [share.tag, share['read-only'], share.status]), [['host9p', true, 'active']]);
          await run(mountCommand('host9p', '/ro'));
        } else {
          await run(mountCommand('docs', '/ro'));
        }
        assert.equal(await run('cat /ro/readme.txt'), 'read only');
        for (const write of ['echo x > /ro/new.txt', 'mkdir /ro/dir', 'rm /ro/readme.txt', 'mv /ro/readme.txt /ro/moved.txt']) {
          const result = await shell(write);
          assert.notEqual(result.status, 0, `"${write}" succeeded on a read-only share`);
          assert.match(result.output, /Read-only file system/, `"${write}": ${result.output}`);
        }
        assert.equal(existsSync(join(paths.ro, 'new.txt')), false);
        assert.equal(existsSync(join(paths.ro, 'readme.txt')), true);
      });

      if (backend === 'qemu') {
        test('a snapshot while a share is mounted is refused with what to do; after umount it is taken', async () => {
          assert.ok(engine);
          const refused = await snapshotJob(engine.client, 'snapshot-save', 'mounted');
          assert.match(refused ?? '', /VirtFS export path .* is mounted.*Unmount the shared folder in the guest \(umount \/mnt\), take the snapshot, then mount it again/);
          await run('umount /mnt /ro');
          assert.equal(await snapshotJob(engine.client, 'snapshot-save', 'unmounted'), undefined);
          await run(mountCommand('host9p', '/mnt'));
          assert.match(await run('ls /mnt'), /blob\.bin/, 'the share mounts again after the snapshot');
        });
      }

      if (backend === 'v86') {
        test('a snapshot saved and loaded while the share is mounted keeps the mount working', async () => {
          assert.ok(engine);
          // The read-only share is mounted on /ro by the test before.
          assert.equal(await snapshotJob(engine.client, 'snapshot-save', 'mounted'), undefined);
          assert.equal(await snapshotJob(engine.client, 'snapshot-load', 'mounted'), undefined);
          assert.equal(await run('cat /ro/readme.txt'), 'read only', 'the share reads after the load');
          assert.match(await run('ls /ro'), /readme\.txt/);
        });

        test('SIGKILL of the engine leaves no 9P server (bwrap, diod) behind', async () => {
          assert.ok(engine);
          const tree = processTree(engine.child.pid!);
          const helpers = tree.filter((info) => /bwrap|diod/.test(`${info.name} ${info.commandLine}`));
          assert.ok(helpers.some((info) => /diod/.test(`${info.name} ${info.commandLine}`)), `no diod under the engine: ${describeProcesses(tree)}`);
          engine.child.kill('SIGKILL');
          await engine.exited;
          await assertAllGone(tree, 'the engine and its 9P server after SIGKILL', 20_000);
        });
      }
    });
  }
});
