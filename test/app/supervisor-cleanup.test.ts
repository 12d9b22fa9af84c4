/**
 * The supervisor with real QEMU engines when things die: a start on a disk another process
 * holds fails with QEMU's short reason; a killed engine takes its QEMU along and the disk can be
 * started again; a QEMU that dies makes the VM crashed with the reason; what an earlier run left
 * in the runtime folder (a QEMU still holding the disk) is cleaned and reported before a start;
 * and a SIGKILLed main leaves no engine or QEMU behind, even a hung one.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { killTree, spawnOwned } from '../../src/node/owned-child.js';
import { Supervisor } from '../../src/main/supervisor/index.js';
import type { VmLaunchSpec } from '../../src/main/supervisor/index.js';

const folder = mkdtempSync(join(tmpdir(), 'hangar-sup-clean-'));
const runtimeDir = join(folder, 'run');
mkdirSync(runtimeDir, { mode: 0o700 });
const disk = join(folder, 'disk.qcow2');
execFileSync('qemu-img', ['create', '-q', '-f', 'qcow2', disk, '32M']);
const logged: string[] = [];
const supervisor = new Supervisor({ runtimeDir, log: (line) => logged.push(line) });
const spec: VmLaunchSpec = { engine: 'qemu', memoryMib: 64, disk, options: { accelerator: 'tcg' } };
const strays: number[] = [];

after(async () => {
  await supervisor.shutdown();
  for (const pid of strays) killTree(pid);
  rmSync(folder, { recursive: true, force: true });
});

/** True while `pid` runs (a zombie holds no locks, so it counts as gone). */
function running(pid: number | undefined): boolean {
  if (pid === undefined) return false;
  try {
    return !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return false;
  }
}

async function until(check: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return true;
}

/** Pids of QEMU processes whose command line names `text`. */
function qemuUsing(text: string): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .filter((entry) => {
      try {
        return readFileSync(`/proc/${entry}/comm`, 'utf8').startsWith('qemu') && readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(text) && running(Number(entry));
      } catch {
        return false;
      }
    })
    .map(Number);
}

/** A QEMU that holds `disk` open (its write lock), with its QMP socket at `qmp`; it dies with this test. */
async function holdDisk(qmp: string): Promise<number> {
  const holder = spawnOwned('qemu-system-x86_64', ['-S', '-display', 'none', '-nodefaults', '-qmp', `unix:${qmp},server=on,wait=off`, '-drive', `file=${disk},format=qcow2,if=none,id=holder`], { stdio: 'ignore' });
  strays.push(holder.pid ?? -1);
  assert.ok(await until(() => existsSync(qmp), 30_000), 'the holder QEMU is up');
  return holder.pid as number;
}

test('a start on a disk another process holds fails with QEMU\'s short reason, and the VM is crashed with it', async () => {
  const holder = await holdDisk(join(folder, 'holder.sock'));
  try {
    const error = await supervisor.start('vm-held', spec).then(
      () => undefined,
      (failure: Error & { errorClass?: string }) => failure,
    );
    assert.ok(error, 'the start failed');
    assert.equal(error.errorClass, 'EngineFailed');
    assert.match(error.message, /Failed to get "write" lock\. Is another process using the image \[.*disk\.qcow2\]\?/);
    assert.ok(error.message.length < 400 && !error.message.includes('-nodefaults'), `no command line in the reason: ${error.message}`);
    assert.deepEqual(supervisor.status('vm-held'), { state: 'crashed', reason: error.message });
    assert.equal(supervisor.isActive('vm-held'), false);
  } finally {
    killTree(holder);
  }
  assert.ok(await until(() => !running(holder), 5000));
});

test('a SIGKILLed engine takes its QEMU along; the same disk starts again', async () => {
  const started = await supervisor.start('vm-kill', spec);
  assert.equal(started.state, 'running');
  const enginePid = supervisor.session('vm-kill')?.channel.pid;
  const [qemu] = qemuUsing(disk);
  assert.ok(qemu !== undefined && running(enginePid), 'engine and QEMU run');
  process.kill(enginePid as number, 'SIGKILL');
  await supervisor.exited('vm-kill');
  assert.equal(supervisor.status('vm-kill').state, 'crashed');
  assert.ok(await until(() => !running(qemu), 5000), `QEMU ${qemu} is gone within 5 s`);
  assert.equal((await supervisor.start('vm-kill', spec)).state, 'running', 'the write lock is free again');
  await supervisor.stop('vm-kill');
});

test('QEMU dying makes the VM crashed with the reason, and its engine is stopped so it can start again', async () => {
  await supervisor.start('vm-qemu', spec);
  const enginePid = supervisor.session('vm-qemu')?.channel.pid;
  const [qemu] = qemuUsing(disk);
  assert.ok(qemu !== undefined);
  process.kill(qemu, 'SIGKILL');
  assert.ok(await until(() => supervisor.status('vm-qemu').state === 'crashed', 30_000), 'reported crashed');
  assert.match(supervisor.status('vm-qemu').reason ?? '', /QEMU was killed by SIGKILL/);
  await supervisor.exited('vm-qemu');
  assert.equal(running(enginePid), false, 'the engine of the dead QEMU was stopped');
  assert.match(supervisor.status('vm-qemu').reason ?? '', /QEMU was killed by SIGKILL/, 'the reason stays after the engine ends');
  assert.equal((await supervisor.start('vm-qemu', spec)).state, 'running');
  await supervisor.stop('vm-qemu');
});

test('a stale runtime folder with a QEMU still holding the disk is cleaned before the start, and reported', async () => {
  // What a main killed before engines guarded their helpers left: its folder, and a QEMU in it.
  const stale = join(runtimeDir, 'vmstale-zz99');
  mkdirSync(stale, { mode: 0o700 });
  writeFileSync(join(stale, 'qmp.sock'), '');
  const leftover = await holdDisk(join(stale, 'qemu-qmp.sock'));
  logged.length = 0;
  const started = await supervisor.start('vm-stale', spec);
  assert.equal(started.state, 'running', 'the disk was free after the cleanup');
  assert.equal(running(leftover), false, 'the leftover QEMU was stopped');
  assert.equal(existsSync(stale), false, 'the stale folder is gone');
  assert.ok(started.cleaned.some((line) => line.includes(`process ${leftover} (qemu-system-x86`) && line.includes(stale)), started.cleaned.join('\n'));
  assert.ok(started.cleaned.some((line) => line.startsWith(`removed the stale runtime folder ${stale}`) && line.includes('qmp.sock')), started.cleaned.join('\n'));
  assert.deepEqual(logged, started.cleaned.map((line) => `before starting vm-stale: ${line}`), 'the cleanup is logged');
  assert.deepEqual((await supervisor.start('vm-other', { engine: 'v86', memoryMib: 32, cdrom: '/usr/lib/grub-rescue/grub-rescue-cdrom.iso' })).cleaned, [], 'nothing to clean: nothing reported');
  await Promise.all([supervisor.stop('vm-stale'), supervisor.stop('vm-other')]);
});

test('a SIGKILLed main leaves no engine and no QEMU behind, even when the engine is hung', async () => {
  const mainFolder = mkdtempSync(join(folder, 'main-'));
  const script = join(mainFolder, 'main.mts');
  const supervisorModule = new URL('../../src/main/supervisor/index.ts', import.meta.url).href;
  writeFileSync(
    script,
    `import { Supervisor } from '${supervisorModule}';\n` +
      `const supervisor = new Supervisor({ runtimeDir: ${JSON.stringify(mainFolder)} });\n` +
      `await supervisor.start('vm-main', ${JSON.stringify(spec)});\n` +
      "console.log(String(supervisor.session('vm-main')?.channel.pid));\n" +
      'setInterval(() => {}, 1000);\n',
  );
  const main = spawn(process.execPath, ['--import', 'tsx', script], { cwd: fileURLToPath(new URL('../..', import.meta.url)), stdio: ['ignore', 'pipe', 'inherit'] });
  strays.push(main.pid ?? -1);
  let output = '';
  main.stdout?.setEncoding('utf8').on('data', (text: string) => (output += text));
  assert.ok(await until(() => output.includes('\n'), 90_000), 'main started the machine');
  const enginePid = Number(output.trim());
  const [qemu] = qemuUsing(mainFolder);
  assert.ok(running(enginePid) && qemu !== undefined, 'engine and QEMU run');
  strays.push(enginePid, qemu);
  // A hung engine cannot notice its parent channel closing; only the parent-death guard ends it.
  process.kill(enginePid, 'SIGSTOP');
  main.kill('SIGKILL');
  assert.ok(await until(() => !running(enginePid), 5000), 'the engine died with main');
  assert.ok(await until(() => !running(qemu), 5000), 'QEMU died with its engine');
});
