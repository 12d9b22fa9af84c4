/**
 * `hangar control NAME serial`: a second terminal attached to a headless v86 GRUB guest's COM1
 * over the control socket. It prints the recent output (backlog) first, follows new output,
 * sends its stdin to the guest, and exits 0 at EOF. Real processes, real v86, real sockets.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { spawnOwned } from '../../src/node/owned-child.js';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { after, test } from 'node:test';
import { within } from '../support/waiting.js';

const bin = fileURLToPath(new URL('../../bin/hangar.js', import.meta.url));
const home = mkdtempSync(join(tmpdir(), 'hangar-serial-'));
const cdrom = '/usr/lib/grub-rescue/grub-rescue-cdrom.iso';
const children: ChildProcess[] = [];
const env = { ...process.env, HANGAR_HOME: home, HANGAR_NO_BROWSER: '1' };
after(() => {
  for (const child of children) child.kill('SIGKILL');
  rmSync(home, { recursive: true, force: true });
});

function hangar(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [bin, ...args], { cwd: home, env, timeout: 90_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
    });
  });
}

async function expectOk(...args: string[]): Promise<string> {
  const run = await hangar(...args);
  assert.equal(run.code, 0, `hangar ${args.join(' ')}: ${run.stderr}`);
  return run.stdout;
}

async function until<T>(probe: () => Promise<T | undefined> | T | undefined, what: string | (() => string), timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${typeof what === 'string' ? what : what()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Spawns a long-running `hangar` process and collects its output. */
function spawnHangar(args: string[], stdin: 'ignore' | 'pipe'): { child: ChildProcess; stdout: () => string; stderr: () => string; exited: Promise<number | null> } {
  const child = spawnOwned(process.execPath, [bin, ...args], { cwd: home, env, stdio: [stdin, 'pipe', 'pipe'] });
  children.push(child);
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('latin1').on('data', (text: string) => (stdout += text));
  child.stderr?.setEncoding('utf8').on('data', (text: string) => (stderr += text));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, stdout: () => stdout, stderr: () => stderr, exited };
}

/** One QMP command on the engine's own socket; resolves with its return value. */
function qmpCall(qmp: string, execute: string, args: Record<string, unknown> = {}): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const socket = connect(qmp);
    let buffer = '';
    let step = 0;
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error('QMP timed out'));
    }, 20_000);
    socket.setEncoding('utf8');
    socket.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    socket.on('data', (text: string) => {
      buffer += text;
      let newline: number;
      while ((newline = buffer.indexOf('\n')) >= 0) {
        const message = JSON.parse(buffer.slice(0, newline)) as Record<string, unknown>;
        buffer = buffer.slice(newline + 1);
        if ('event' in message) continue;
        if (step === 0) socket.write(`${JSON.stringify({ execute: 'qmp_capabilities' })}\n`);
        else if (step === 1) socket.write(`${JSON.stringify({ execute, arguments: args, id: 1 })}\n`);
        else {
          clearTimeout(timer);
          socket.end();
          if ('error' in message) reject(new Error(JSON.stringify(message.error)));
          else resolve(message.return);
        }
        step++;
      }
    });
  });
}

async function screenText(qmp: string): Promise<string> {
  return ((await qmpCall(qmp, 'query-screen-text')) as { lines: string[] }).lines.join('\n');
}

/**
 * Types a GRUB command robustly on a loaded machine (a guest starved of CPU can lose keys): typed,
 * checked on the prompt line, retyped after Ctrl+U if a key was lost, then entered.
 */
async function grubCommand(qmp: string, command: string): Promise<void> {
  const promptLine = async (): Promise<string> => [...(await screenText(qmp)).split('\n')].reverse().find((line) => line.includes('grub>'))?.trimEnd() ?? '';
  const key = (...names: string[]): Promise<unknown> => qmpCall(qmp, 'send-key', { keys: names.map((name) => ({ type: 'qcode', data: name })) });
  for (let attempt = 0; attempt < 4; attempt++) {
    await qmpCall(qmp, 'input-type-text', { text: command, 'delay-ms': 20 });
    const typed = await until(async () => ((await promptLine()).endsWith(`grub> ${command}`) ? true : undefined), `"${command}" at the prompt`, 10_000).catch(() => false);
    if (typed) return void (await key('ret'));
    await key('ctrl', 'u');
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  throw new Error(`could not type "${command}" at the GRUB prompt; prompt line: ${JSON.stringify(await promptLine())}`);
}

test('control NAME serial: backlog first, live output, stdin to the guest, exit 0 at EOF', async () => {
  await expectOk('create', 'Box', '--engine', 'v86', '--memory', '32', '--cdrom', cdrom);
  const stopped = await hangar('control', 'Box', 'serial');
  assert.equal(stopped.code, 1, 'a stopped machine has no serial console');
  assert.match(stopped.stderr, /not running; start it first/);

  const headless = spawnHangar(['start', 'Box', '--headless'], 'ignore');
  await until(() => (headless.stdout().includes('Running until') ? true : undefined), () => `the headless instance: ${headless.stdout()}${headless.stderr()}`, 90_000);
  const qmp = /QMP socket: (\S+)/.exec(headless.stdout())?.[1];
  assert.ok(qmp, headless.stdout());
  // GRUB's menu, then its command line with COM1 as an extra terminal.
  await until(async () => ((await screenText(qmp)).includes('GNU GRUB') ? true : undefined), 'the GRUB menu');
  // 'c' at the menu opens GRUB's command line (typed again if the key was lost).
  await until(async () => {
    if ((await screenText(qmp)).includes('grub>')) return true;
    await expectOk('control', 'Box', 'type', 'c');
    await new Promise((resolve) => setTimeout(resolve, 1000));
    return undefined;
  }, 'the GRUB prompt');
  for (const command of ['serial --unit=0 --speed=115200', 'terminal_output --append serial', 'terminal_input --append serial', 'echo before-attach']) await grubCommand(qmp, command);

  const console = spawnHangar(['control', 'Box', 'serial'], 'pipe');
  // GRUB's line editor echoes typed keys between cursor moves; a command's output is contiguous.
  await until(() => (console.stdout().includes('before-attach') ? true : undefined), () => `the backlog in the console: ${JSON.stringify(console.stdout())} ${console.stderr()}`, 60_000);
  console.child.stdin?.write('echo via-cli\r');
  await until(() => (console.stdout().includes('via-cli') ? true : undefined), () => `the guest's answer to stdin: ${JSON.stringify(console.stdout())}`, 30_000);
  await grubCommand(qmp, 'echo typed-later');
  await until(() => (console.stdout().includes('typed-later') ? true : undefined), 'live output after attaching', 30_000);
  console.child.stdin?.end();
  assert.equal(await within(console.exited, 15_000, 'still running'), 0, console.stderr());

  await expectOk('control', 'Box', 'poweroff');
  assert.equal(await within(headless.exited, 30_000, 'still running'), 0);
});
