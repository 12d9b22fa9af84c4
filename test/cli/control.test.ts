/**
 * The second-terminal flow: `hangar start NAME --headless` holds the library in one process and
 * the other `hangar` commands reach it over the control socket (list, show, control, snapshot,
 * start), with exit codes for bad input; the headless process exits 0 when the machine is
 * powered off and when the guest powers itself off. Real processes, real v86, real sockets.
 */
import assert from 'node:assert/strict';
import { spawnOwned } from '../../src/node/owned-child.js';
import type { ChildProcess } from 'node:child_process';
import { existsSync, lstatSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { dirname, join } from 'node:path';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { after, test } from 'node:test';
import { PNG } from 'pngjs';
import { engineLogTail } from '../support/library-health.js';
import { settled, until, within } from '../support/waiting.js';
import type { CliRun } from '../support/hangar-cli.js';
import { hangarCli } from '../support/hangar-cli.js';

const bin = fileURLToPath(new URL('../../bin/hangar.js', import.meta.url));
const home = mkdtempSync(join(tmpdir(), 'hangar-ctl-'));
const cdrom = '/usr/lib/grub-rescue/grub-rescue-cdrom.iso';
const floppy = '/usr/lib/grub-rescue/grub-rescue-floppy.img';
const children: ChildProcess[] = [];
after(() => {
  for (const child of children) child.kill('SIGKILL');
  rmSync(home, { recursive: true, force: true });
});

type Run = CliRun;

const { hangar, expectOk } = hangarCli(home, { timeoutMs: 90_000, cwd: home });


/** Starts `hangar start NAME --headless` (or other flags); resolves once it printed its QMP socket. */
async function headless(name: string, flags: string[] = ['--headless']): Promise<{ child: ChildProcess; output: () => string; exited: Promise<number | null>; qmp: string }> {
  const child = spawnOwned(process.execPath, [bin, 'start', name, ...flags], { cwd: home, env: { ...process.env, HANGAR_HOME: home }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let output = '';
  child.stdout?.setEncoding('utf8').on('data', (text: string) => (output += text));
  child.stderr?.setEncoding('utf8').on('data', (text: string) => (output += text));
  let exitCode: number | null | undefined;
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve((exitCode = code))));
  const qmp = await until(() => {
    if (exitCode !== undefined) throw new Error(`hangar start --headless exited (${exitCode}): ${output}`);
    return /QMP socket: (\S+)/.exec(output)?.[1];
  }, 'the QMP socket line', 90_000);
  await until(() => (output.includes('Running until') ? true : undefined), 'the headless instance to be ready');
  return { child, output: () => output, exited, qmp };
}

/** One QMP exchange on the engine's own socket: greeting, negotiation, one command. */
function qmpCommand(path: string, command: string): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const socket = connect(path);
    let buffer = '';
    let step = 0;
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error('QMP timed out'));
    }, 20_000);
    socket.setEncoding('utf8');
    socket.on('error', reject);
    socket.on('data', (text: string) => {
      buffer += text;
      let newline: number;
      while ((newline = buffer.indexOf('\n')) >= 0) {
        const message = JSON.parse(buffer.slice(0, newline)) as Record<string, unknown>;
        buffer = buffer.slice(newline + 1);
        if ('event' in message) continue;
        if (step === 0 && 'QMP' in message) socket.write(`${JSON.stringify({ execute: 'qmp_capabilities' })}\n`);
        else if (step === 1) socket.write(`${JSON.stringify({ execute: command, id: 1 })}\n`);
        else if (step === 2) {
          clearTimeout(timer);
          socket.end();
          resolve(message.return);
        }
        step++;
      }
    });
  });
}

function machines(run: Run): { name: string; state: string; qmpSocket?: string }[] {
  return JSON.parse(run.stdout) as { name: string; state: string; qmpSocket?: string }[];
}

test('a second terminal drives a headless machine over the control socket', async (t) => {
  await expectOk('create', 'Box', '--engine', 'v86', '--memory', '32', '--cdrom', cdrom);
  const run = await headless('Box');
  // A failure here must not leave the instance holding the library for the next test.
  t.after(async () => {
    if (run.child.exitCode !== null || run.child.signalCode !== null) return;
    run.child.kill('SIGKILL');
    await settled(run.exited, 'the headless instance to end after SIGKILL', 10_000);
  });
  const controlSocket = join(home, 'control.sock');
  assert.ok(lstatSync(controlSocket).isSocket(), 'the control socket exists');
  assert.equal(lstatSync(controlSocket).mode & 0o777, 0o600, 'and only its owner may use it');
  assert.equal(lstatSync(dirname(run.qmp)).mode & 0o777, 0o700, 'the QMP socket is in a private folder');
  assert.deepEqual(await qmpCommand(run.qmp, 'query-status'), { status: 'running', running: true });

  const listed = machines(await expectOk('list', '--json'));
  assert.deepEqual(listed.map((machine) => [machine.name, machine.state]), [['Box', 'running']]);
  assert.equal(listed[0]?.qmpSocket, run.qmp);

  await expectOk('control', 'Box', 'pause');
  await until(async () => (machines(await expectOk('list', '--json'))[0]?.state === 'paused' ? true : undefined), 'the paused state', 10_000);
  await expectOk('control', 'Box', 'resume');
  await until(async () => (machines(await expectOk('list', '--json'))[0]?.state === 'running' ? true : undefined), 'the running state', 10_000);

  const shot = join(home, 'screen.png');
  await expectOk('control', 'Box', 'screenshot', shot);
  const png = PNG.sync.read(readFileSync(shot));
  assert.ok(png.width >= 320 && png.height >= 200, `screenshot ${png.width}x${png.height}`);

  assert.match((await expectOk('control', 'Box', 'keys', 'down')).stdout, /Pressed down/);
  assert.match((await expectOk('control', 'Box', 'type', 'e')).stdout, /Typed 1 character/);
  await expectOk('control', 'Box', 'reset');
  const powerdown = await hangar('control', 'Box', 'powerdown');
  assert.equal(powerdown.code, 1, 'v86 has no ACPI power button');
  assert.match(powerdown.stderr, /power it off/);
  await expectOk('control', 'Box', 'eject', 'cd0');
  await expectOk('control', 'Box', 'insert', 'fd0', floppy);
  const shown = JSON.parse((await expectOk('show', 'Box', '--json')).stdout) as { state: string };
  assert.equal(shown.state, 'running');

  // Bad input: clear messages and exit codes, nothing lost.
  const badDrive = await hangar('control', 'Box', 'eject', 'hd9');
  assert.equal(badDrive.code, 2);
  assert.match(badDrive.stderr, /DRIVE must be cd0 \(the CD drive\) or fd0 \(the floppy drive\), not "hd9"/);
  const unknown = await hangar('control', 'Nobody', 'pause');
  assert.equal(unknown.code, 3, unknown.stderr);
  assert.match(unknown.stderr, /No machine is called or has the id "Nobody"/);
  const traversal = await hangar('control', '../../etc', 'screenshot', join(home, 'x.png'));
  assert.equal(traversal.code, 3);
  assert.equal(existsSync(join(home, 'x.png')), false);
  const missingMedia = await hangar('control', 'Box', 'insert', 'cd0', join(home, 'nope.iso'));
  assert.equal(missingMedia.code, 1);
  assert.match(missingMedia.stderr, /nope\.iso does not exist/);
  assert.equal((await hangar('control', 'Box', 'frobnicate')).code, 2);
  assert.equal((await hangar('snapshot', 'Box', 'restore', 'never-taken')).code, 3);
  const again = await hangar('start', 'Box', '--headless');
  assert.equal(again.code, 1, 'a second headless instance is refused');
  assert.match(again.stderr, /Another Hangar instance holds the library/);

  // Snapshots over the socket.
  const taken = await expectOk('snapshot', 'Box', 'take', 's1', '--description', 'from the CLI');
  assert.match(taken.stdout, /Took snapshot "s1"/);
  const tree = JSON.parse((await expectOk('snapshot', 'Box', 'list', '--json')).stdout) as { snapshots: { id: string; name: string; description: string; hasThumbnail: boolean }[]; currentId: string };
  assert.deepEqual(tree.snapshots.map((entry) => [entry.name, entry.description, entry.hasThumbnail]), [['s1', 'from the CLI', true]]);
  assert.equal(tree.currentId, tree.snapshots[0]?.id);
  assert.match((await expectOk('snapshot', 'Box', 'list')).stdout, /^\* s1 {2}\(/m);
  const inspected = JSON.parse((await expectOk('snapshot', 'Box', 'inspect', 's1', '--json')).stdout) as { loadable: boolean };
  assert.equal(inspected.loadable, true);
  await expectOk('control', 'Box', 'insert', 'cd0', cdrom);
  await expectOk('snapshot', 'Box', 'restore', 's1');
  // The snapshot was taken with the CD ejected and the floppy in: restoring brings that back.
  const blocks = JSON.parse((await expectOk('show', 'Box', '--json')).stdout) as { id: string; state: string };
  assert.equal(blocks.state, 'running', engineLogTail(home, blocks.id));

  // `start` without --headless asks the running instance: two machines in one instance.
  await expectOk('create', 'Second', '--engine', 'v86', '--memory', '32', '--cdrom', cdrom);
  const second = await expectOk('start', 'Second');
  assert.match(second.stdout, /Started "Second" in the running Hangar instance/);
  assert.match(second.stdout, /QMP socket: \S+/);
  assert.deepEqual(machines(await expectOk('list', '--json')).map((machine) => machine.state), ['running', 'running']);
  await expectOk('control', 'Second', 'poweroff');

  await expectOk('control', 'Box', 'poweroff');
  const code = await within(run.exited, 30_000, 'still running');
  assert.equal(code, 0, run.output());
  assert.match(run.output(), /The machine was powered off/);
  assert.equal(existsSync(controlSocket), false, 'the control socket is removed on exit');
  assert.deepEqual(machines(await expectOk('list', '--json')).map((machine) => machine.state), ['stopped', 'stopped']);
});

test('start without an instance runs headless here, and exits 0 when the guest powers itself off', async () => {
  await expectOk('create', 'Halter', '--engine', 'v86', '--memory', '32', '--cdrom', cdrom);
  // Without --headless and with no instance holding the library, start runs it here, headless.
  const run = await headless('Halter', []);
  assert.match(run.output(), /No Hangar instance holds the library: running the machine headless in this terminal/);
  const screen = async (): Promise<string> => ((await qmpCommand(run.qmp, 'query-screen-text')) as { lines: string[] }).lines.join('\n');
  await until(async () => ((await screen()).includes('*GNU/Linux') ? true : undefined), 'the GRUB menu');
  // GRUB's command line (c), then `halt`, which powers off through ACPI.
  await expectOk('control', 'Halter', 'type', 'c');
  await until(async () => ((await screen()).includes('grub>') ? true : undefined), 'the GRUB prompt');
  await expectOk('control', 'Halter', 'type', 'halt\\n');
  const code = await within(run.exited, 60_000, 'still running');
  assert.equal(code, 0, run.output());
  assert.match(run.output(), /The guest powered off/);
  assert.equal(readdirSync(join(home, 'run')).length, 0, 'no engine socket folder is left behind');
});
