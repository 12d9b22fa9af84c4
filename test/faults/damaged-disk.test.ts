/**
 * Damaged disks (issue 12, B.7 and the damaged-qcow2 case of D.15), through the real `hangar`
 * command, real engines (QEMU and v86) and real images made with qemu-img:
 * - a qcow2 disk whose signature is damaged refuses to start, on both engines, naming
 *   `hangar disk check`, and its bytes stay unchanged (it used to be opened as a raw writable
 *   disk); the bare engine refuses it too, with and without a declared format;
 * - the library's format reaches QEMU explicitly (`format=qcow2` on its command line);
 * - `hangar disk check` reports the damage, `--repair` refuses a damaged header without changing
 *   it and frees the leaked clusters of an image crafted with leaks;
 * - a truncated v86 disk overlay refuses to start with a clear error.
 */
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { spawnOwned } from '../../src/node/owned-child.js';
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, statSync, truncateSync, closeSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, it } from 'node:test';
import { DiskChain } from '../../src/emulator/disks/chain.js';
import type { CliRun } from '../support/hangar-cli.js';
import { hangarCli } from '../support/hangar-cli.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const bin = join(root, 'bin/hangar.js');
const entry = join(root, 'src/emulator/host/entry.ts');
const home = mkdtempSync(join(tmpdir(), 'hangar-damaged-disk-'));
after(() => rmSync(home, { recursive: true, force: true }));

type Run = CliRun;

const { hangar } = hangarCli(home, { timeoutMs: 180_000 });

function sha256(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

/** Overwrites the qcow2 signature ("QFI\xfb") with other bytes, as a stray write would. */
function damageSignature(path: string): void {
  const fd = openSync(path, 'r+');
  try {
    writeSync(fd, Buffer.from('XXXX', 'latin1'), 0, 4, 0);
  } finally {
    closeSync(fd);
  }
}

interface ShownMachine {
  id: string;
  disks: { path: string; format: string }[];
}

async function createMachine(name: string, engine: 'v86' | 'qemu'): Promise<ShownMachine> {
  const created = await hangar('create', name, '--engine', engine, '--memory', '32', '--disk', '16M', '--os', 'other');
  assert.equal(created.code, 0, created.stderr);
  const shown = await hangar('show', name, '--json');
  assert.equal(shown.code, 0, shown.stderr);
  const machine = JSON.parse(shown.stdout) as ShownMachine;
  assert.equal(machine.disks[0]?.format, 'qcow2');
  return machine;
}

/** Runs a bare engine on `disk` and returns how it ended (it must refuse to start). */
function bareEngine(engineId: 'v86' | 'qemu', disk: string, format?: 'qcow2'): Promise<Run> {
  const runtime = mkdtempSync(join(tmpdir(), 'hangar-damaged-engine-'));
  chmodSync(runtime, 0o700);
  const args = ['--import', 'tsx', entry, '--engine', engineId, '--memory', '32', '--disk', disk, ...(format ? ['--disk-format', format] : []), '--qmp', join(runtime, 'qmp.sock'), '--foreground'];
  return new Promise((resolve) => {
    execFile(process.execPath, args, { cwd: root, timeout: 120_000 }, (error, stdout, stderr) => {
      rmSync(runtime, { recursive: true, force: true });
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
    });
  });
}

/** The command line of the `program` process (qemu-system or the engine) that names `disk`, waiting up to `timeoutMs`. */
async function commandLine(program: RegExp, disk: string, timeoutMs: number): Promise<string[] | undefined> {
  const deadline = Date.now() + timeoutMs;
  do {
    for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
      let argv: string[];
      try {
        argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      } catch {
        continue;
      }
      if (argv.some((arg) => program.test(arg)) && argv.some((arg) => arg.includes(disk))) return argv;
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  } while (Date.now() < deadline);
  return undefined;
}

describe('damaged disks', { timeout: 900_000 }, () => {
  for (const engine of ['qemu', 'v86'] as const) {
    it(`${engine}: a qcow2 disk with a damaged signature refuses to start and is left unchanged`, async () => {
      const name = `Damaged-${engine}`;
      const machine = await createMachine(name, engine);
      const disk = machine.disks[0]?.path as string;
      damageSignature(disk);
      const before = sha256(disk);

      const started = await hangar('start', name, '--headless');
      assert.equal(started.code, 1, `start must fail: ${started.stdout}${started.stderr}`);
      assert.match(started.stderr, /no qcow2 signature/);
      assert.match(started.stderr, new RegExp(`hangar disk check ${name}`));
      assert.doesNotMatch(started.stdout, /^Started/m);
      assert.equal(sha256(disk), before, 'the image is not written');

      // The engine refuses on its own too: declared qcow2, and undeclared (no raw fallback).
      for (const format of ['qcow2', undefined] as const) {
        const bare = await bareEngine(engine, disk, format);
        assert.equal(bare.code, 1, `the engine must refuse (format ${format ?? 'undeclared'}): ${bare.stderr}`);
        assert.match(bare.stderr, format ? /no qcow2 signature/ : /looks like a qcow2 image whose signature is damaged/);
        assert.equal(sha256(disk), before, 'the image is not written');
      }

      // The check names the damage; a repair refuses without touching the image.
      const check = await hangar('disk', 'check', name);
      assert.equal(check.code, 1, check.stderr);
      assert.match(check.stdout, /hd0 .*\(qcow2\): DAMAGED HEADER/);
      assert.match(check.stdout, /restore the image from a backup/);
      const repair = await hangar('disk', 'check', name, '--repair');
      assert.equal(repair.code, 1);
      assert.match(repair.stderr, /cannot repair a damaged header, and nothing was changed/);
      assert.equal(sha256(disk), before, 'the refused repair wrote nothing');
    });
  }

  it('qemu: the stored format is on the QEMU command line (format=qcow2), and a healthy disk passes the start check', async () => {
    const name = 'Explicit';
    const machine = await createMachine(name, 'qemu');
    const disk = machine.disks[0]?.path as string;
    const headless = spawnOwned(process.execPath, [bin, 'start', name, '--headless'], { env: { ...process.env, HANGAR_HOME: home }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    headless.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    headless.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => headless.on('exit', (code) => resolve(code)));
    try {
      const argv = await commandLine(/qemu-system/, disk, 90_000);
      assert.ok(argv, `QEMU did not start: ${output}`);
      // The engine is told the library's format; it does not guess from the header.
      const engineArgv = await commandLine(/host[/\\]entry/, disk, 0);
      assert.ok(engineArgv, 'the engine process names the disk');
      assert.equal(engineArgv[engineArgv.indexOf('--disk-format') + 1], 'qcow2', engineArgv.join(' '));
      assert.ok(engineArgv.includes('--disk-format'), engineArgv.join(' '));
      const drive = argv.find((arg) => arg.includes(`file=${disk}`));
      assert.ok(drive, argv.join(' '));
      assert.match(drive, /,format=qcow2(,|$)/);
    } finally {
      headless.kill('SIGTERM');
      const timer = setTimeout(() => headless.kill('SIGKILL'), 30_000);
      await exited;
      clearTimeout(timer);
    }
    assert.equal(await commandLine(/qemu-system/, disk, 0), undefined, 'no QEMU is left');
  });

  it('disk check reports leaked clusters and --repair frees them', async () => {
    const name = 'Leaky';
    const machine = await createMachine(name, 'qemu');
    const disk = machine.disks[0]?.path as string;
    execFileSync('qemu-io', ['-f', 'qcow2', '-c', 'write -P 0x5a 0 1M', disk]);
    craftLeaks(disk, 3);
    const check = await hangar('disk', 'check', name, '--json');
    assert.equal(check.code, 0, `leaks alone leave the disk usable: ${check.stderr}`);
    const found = JSON.parse(check.stdout) as { disks: { leaks: number; corruptions: number; ok: boolean }[] };
    assert.deepEqual(found.disks.map((entry) => [entry.leaks, entry.corruptions, entry.ok]), [[3, 0, true]]);

    const repaired = await hangar('disk', 'check', name, '--repair');
    assert.equal(repaired.code, 0, repaired.stderr);
    assert.match(repaired.stdout, /3 leaked cluster\(s\) freed/);
    const again = JSON.parse((await hangar('disk', 'check', name, 'hd0', '--json')).stdout) as { disks: { leaks: number; ok: boolean }[] };
    assert.deepEqual(again.disks.map((entry) => [entry.leaks, entry.ok]), [[0, true]]);
    // The guest's data survived the repair.
    const data = execFileSync('qemu-io', ['-f', 'qcow2', '-c', 'read -P 0x5a 0 1M', disk], { encoding: 'utf8' });
    assert.match(data, /read 1048576\/1048576 bytes/);
    assert.equal((await hangar('disk', 'check', name, 'hd7')).code, 3, 'no such drive');
  });

  it('qemu: counts an interrupted snapshot save raised are repaired at the start and logged; a count below its references still refuses', async () => {
    // What QEMU leaves when killed inside savevm (counts raised, snapshot table not written):
    // qemu-img check calls it an error, and the machine must start anyway, repaired.
    const name = 'Raised';
    const machine = await createMachine(name, 'qemu');
    const disk = machine.disks[0]?.path as string;
    execFileSync('qemu-io', ['-f', 'qcow2', '-c', 'write -P 0x6c 0 64k', disk]);
    setDataClusterRefcount(disk, 2);
    assert.equal(await qemuImgCheckCode(disk), 2, 'qemu-img check calls the raised count an error');
    const headless = spawnOwned(process.execPath, [bin, 'start', name, '--headless'], { env: { ...process.env, HANGAR_HOME: home }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    headless.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    headless.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => headless.on('exit', (code) => resolve(code)));
    try {
      assert.ok(await commandLine(/qemu-system/, disk, 90_000), `QEMU did not start: ${output}`);
      const log = readFileSync(join(home, 'machines', machine.id, 'logs', 'engine.log'), 'utf8');
      assert.match(log, /\[hangar\] repaired the hard disk hd0 .*interrupted snapshot save.*No data was lost/);
      assert.match(output, /repaired the hard disk hd0/, 'the holder says so on stderr too');
    } finally {
      headless.kill('SIGTERM');
      const timer = setTimeout(() => headless.kill('SIGKILL'), 30_000);
      await exited;
      clearTimeout(timer);
    }
    assert.equal(await qemuImgCheckCode(disk), 0, 'the image is clean after the repair');
    assert.match(execFileSync('qemu-io', ['-f', 'qcow2', '-c', 'read -P 0x6c 0 64k', disk], { encoding: 'utf8' }), /read 65536\/65536 bytes/, 'the data survived');

    // A count below the references is real damage: no automatic repair, the start is refused.
    setDataClusterRefcount(disk, 0);
    const before = sha256(disk);
    const refused = await hangar('start', name, '--headless');
    assert.notEqual(refused.code, 0, 'a real error refuses the start');
    assert.match(refused.stderr, /qemu-img check found .* error/);
    assert.equal(sha256(disk), before, 'nothing was written to the damaged image');
  });

  it('v86: a truncated disk overlay refuses to start with a clear error', async () => {
    const name = 'Truncated';
    const machine = await createMachine(name, 'v86');
    const disk = machine.disks[0]?.path as string;
    // The layers the v86 engine keeps for hd0 (machines/<id>/engine/disks): write data in the live overlay as a guest would.
    const layers = join(home, 'machines', machine.id, 'engine', 'disks');
    mkdirSync(layers, { recursive: true, mode: 0o700 });
    const chain = DiskChain.open('hd0', disk, layers, 'qcow2');
    const written = new Promise<void>((resolve) => chain.disk.set(8 << 20, new Uint8Array(64 * 1024).fill(7), resolve));
    await written;
    await chain.disk.drain();
    const overlay = join(layers, chain.description.overlays.at(-1) as string);
    chain.close();
    truncateSync(overlay, statSync(overlay).size - 4096);

    const started = await hangar('start', name, '--headless');
    assert.equal(started.code, 1, `start must fail: ${started.stdout}${started.stderr}`);
    assert.match(started.stderr, /disk layer .*\.ovl is truncated/);
    assert.ok(existsSync(overlay));
  });
});

/** Marks `count` clusters past the end of a qcow2 image as used without any reference to them: leaked clusters. */
/** Sets the reference count of the first data cluster (guest offset 0) of a qcow2 image. */
function setDataClusterRefcount(path: string, count: number): void {
  const image = readFileSync(path);
  const clusterBits = image.readUInt32BE(20);
  const offsetMask = 0x00ff_ffff_ffff_fe00n;
  const l2Table = Number(image.readBigUInt64BE(Number(image.readBigUInt64BE(40))) & offsetMask);
  const dataCluster = Number(image.readBigUInt64BE(l2Table) & offsetMask) >> clusterBits;
  const refcountBlock = Number(image.readBigUInt64BE(Number(image.readBigUInt64BE(48))));
  const fd = openSync(path, 'r+');
  try {
    writeSync(fd, Buffer.from([count >> 8, count & 0xff]), 0, 2, refcountBlock + dataCluster * 2);
  } finally {
    closeSync(fd);
  }
}

/** `qemu-img check`'s exit code: 0 clean, 2 errors, 3 only leaks. */
function qemuImgCheckCode(path: string): Promise<number> {
  return new Promise((resolve) => execFile('qemu-img', ['check', '-f', 'qcow2', path], (error) => resolve(error ? Number((error as { code?: number }).code ?? 1) : 0)));
}

function craftLeaks(path: string, count: number): void {
  const image = readFileSync(path);
  const clusterSize = 1 << image.readUInt32BE(20);
  const refcountTable = Number(image.readBigUInt64BE(48));
  const refcountBlock = Number(image.readBigUInt64BE(refcountTable));
  assert.equal(image.readUInt32BE(96), 4, '16-bit refcounts (qemu-img default)');
  const firstFree = Math.ceil(image.length / clusterSize);
  const fd = openSync(path, 'r+');
  try {
    writeSync(fd, Buffer.alloc(clusterSize * count), 0, clusterSize * count, firstFree * clusterSize);
    const one = Buffer.from([0, 1]);
    for (let cluster = firstFree; cluster < firstFree + count; cluster++) writeSync(fd, one, 0, 2, refcountBlock + cluster * 2);
  } finally {
    closeSync(fd);
  }
}
