/**
 * `hangar control NAME send-files FILE…` and `control NAME restore-medium`: on a stopped machine
 * (the command opens the library itself) and on a running v86 machine held by
 * `hangar start --headless` (through the control socket), with exit codes for bad input.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { spawnOwned } from '../../src/node/owned-child.js';
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { hangarBin, hangarCli } from '../support/hangar-cli.js';
import { QmpClient } from '../support/qmp-client.js';
import { until } from '../support/waiting.js';

const home = mkdtempSync(join(tmpdir(), 'hangar-cli-send-files-'));
const cdrom = '/usr/lib/grub-rescue/grub-rescue-cdrom.iso';
const children: ChildProcess[] = [];
after(() => {
  for (const child of children) child.kill('SIGKILL');
  rmSync(home, { recursive: true, force: true });
});
const { hangar, expectOk } = hangarCli(home, { timeoutMs: 120_000, cwd: home });

const unicodeName = 'Grüße – 日本語.txt';
writeFileSync(join(home, 'a.txt'), 'plain\n');
writeFileSync(join(home, unicodeName), 'non-ASCII\n');

/** The file names at the root of an ISO (Rock Ridge). */
function isoNames(image: string): string[] {
  const listing = execFileSync('xorriso', ['-charset', 'UTF-8', '-indev', image, '-find', '/', '-type', 'f'], { env: { ...process.env, LC_ALL: 'C.UTF-8' }, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  return listing.split('\n').filter(Boolean).map((line) => line.replace(/^'\/|'$/g, '')).sort();
}

test('send-files on a stopped machine, restore-medium, and bad input with exit codes', { timeout: 300_000 }, async () => {
  await expectOk('create', 'Box', '--engine', 'v86', '--memory', '64', '--cdrom', cdrom);
  const sent = await expectOk('control', 'Box', 'send-files', 'a.txt', unicodeName);
  assert.match(sent.stdout, /Sent 2 file\(s\), \d+ bytes, to the CD drive \(cd0\) of "Box" as (\S+\.iso)\./);
  assert.match(sent.stdout, new RegExp(`It replaced ${cdrom}; \`hangar control Box restore-medium\` puts it back\\.`));
  const image = /as (\S+\.iso)\./.exec(sent.stdout)?.[1] as string;
  assert.equal(statSync(image).mode & 0o777, 0o600);
  assert.deepEqual(isoNames(image), ['a.txt', unicodeName].sort());

  const restored = await expectOk('control', 'Box', 'restore-medium');
  assert.equal(restored.stdout.trim(), `Put ${cdrom} back in cd0.`);
  assert.equal(existsSync(image), false);

  const usage = async (args: string[], message: RegExp): Promise<void> => {
    const run = await hangar('control', 'Box', ...args);
    assert.equal(run.code, 2, `hangar control Box ${args.join(' ')}: ${run.stderr}`);
    assert.match(run.stderr, message);
  };
  await usage(['send-files'], /send-files takes one or more files or folders/);
  await usage(['send-files', 'missing.txt'], new RegExp(`${join(home, 'missing.txt')} does not exist`));
  await usage(['send-files', '--floppy', '--cd', 'a.txt'], /--floppy or --cd, not both/);
  await usage(['restore-medium', 'extra'], /restore-medium takes no operands/);

  const big = join(home, 'big folder');
  mkdirSync(big);
  writeFileSync(join(big, 'one.bin'), randomBytes(1_000_000));
  writeFileSync(join(big, 'two.bin'), randomBytes(1_000_000));
  const tooBig = await hangar('control', 'Box', 'send-files', '--floppy', big);
  assert.equal(tooBig.code, 1, tooBig.stderr);
  assert.match(tooBig.stderr, /a 1\.44 MiB floppy holds; send fewer or smaller files, or send them on a CD image instead\. \(InvalidArgument\)/);
  const nothing = await hangar('control', 'Box', 'restore-medium');
  assert.equal(nothing.code, 3, nothing.stderr);
  assert.match(nothing.stderr, /Nothing to put back/);

  // A floppy when asked: a small file fits.
  const floppy = await expectOk('control', 'Box', 'send-files', '--floppy', '--label', 'mine', 'a.txt');
  assert.match(floppy.stdout, /to the floppy drive \(fd0\) of "Box" as \S+\.img\. *\nThe drive was empty/);
  assert.equal((await expectOk('control', 'Box', 'restore-medium')).stdout.trim(), 'Emptied fd0 (it was empty before the files were sent).');
});

test('send-files reaches a running v86 machine through the control socket', { timeout: 300_000 }, async () => {
  await expectOk('create', 'Live', '--engine', 'v86', '--memory', '64', '--cdrom', cdrom);
  const child = spawnOwned(process.execPath, [hangarBin, 'start', 'Live', '--headless'], { cwd: home, env: { ...process.env, HANGAR_HOME: home }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let output = '';
  child.stdout?.setEncoding('utf8').on('data', (text: string) => (output += text));
  child.stderr?.setEncoding('utf8').on('data', (text: string) => (output += text));
  const qmp = await until(() => /QMP socket: (\S+)/.exec(output)?.[1], 'the QMP socket line', 120_000);
  await until(() => (output.includes('Running until') ? true : undefined), 'the headless instance to be ready', 60_000);

  const sent = await expectOk('control', 'Live', 'send-files', 'a.txt', unicodeName);
  const image = /as (\S+\.iso)\./.exec(sent.stdout)?.[1] as string;
  assert.match(sent.stdout, new RegExp(`It replaced ${cdrom};`));
  // The engine has it in its CD drive (not just the stored drive), and the boot ISO after restore.
  const engine = await QmpClient.connect(qmp);
  try {
    const cd = async (): Promise<string | undefined> => ((await engine.execute('query-block')) as { qdev: string; inserted?: { file: string } }[]).find((block) => block.qdev === 'cd0')?.inserted?.file;
    assert.equal(await cd(), image);
    assert.equal((await expectOk('control', 'Live', 'restore-medium')).stdout.trim(), `Put ${cdrom} back in cd0.`);
    assert.equal(await cd(), cdrom);
  } finally {
    engine.close();
  }
  assert.equal(existsSync(image), false);
  await expectOk('control', 'Live', 'poweroff');
  await until(() => (child.exitCode !== null ? true : undefined), 'the headless instance to exit', 60_000);
});
