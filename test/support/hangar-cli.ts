/**
 * Runs the real `hangar` command against a test's library folder, as a user in a terminal would.
 *
 *   const { hangar, expectOk } = hangarCli(home, { timeoutMs: 90_000, cwd: home });
 *   const run = await hangar('list', '--json');   // {code, stdout, stderr}; never rejects
 *   await expectOk('create', 'Box', ...);          // fails the test with stderr when the exit code is not 0
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { spawnOwned } from '../../src/node/owned-child.js';
import type { ChildProcess } from 'node:child_process';
import { killTree } from '../../src/node/owned-child.js';
import { fileURLToPath } from 'node:url';

/** The `hangar` entry point. */
export const hangarBin = fileURLToPath(new URL('../../bin/hangar.js', import.meta.url));

/** One finished `hangar` command. */
export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Options of `hangarCli`. */
export interface CliOptions {
  /** Longest a command may run before it is killed (default 60 s). */
  timeoutMs?: number;
  cwd?: string;
  /** Extra environment (HANGAR_HOME is always the library folder). */
  env?: NodeJS.ProcessEnv;
}

/** A `hangar` process left running, its output collected as it comes. */
export interface BackgroundRun {
  output(): string;
  /** Its exit code (null when a signal ended it). */
  exited: Promise<number | null>;
}

/** What `hangarCli` gives a test. */
export interface HangarCli {
  hangar(...args: string[]): Promise<CliRun>;
  expectOk(...args: string[]): Promise<CliRun>;
  /** Starts `hangar ARGS` and leaves it running (a headless instance, `logs --follow`). */
  background(...args: string[]): BackgroundRun;
  /** Kills what `background` started that is still running; call it in `after`. */
  killBackground(): void;
}

/** A runner of `hangar` commands on the library in `home`. */
export function hangarCli(home: string, options: CliOptions = {}): HangarCli {
  const hangar = (...args: string[]): Promise<CliRun> =>
    new Promise((resolve) => {
      execFile(process.execPath, [hangarBin, ...args], { cwd: options.cwd, env: { ...process.env, ...options.env, HANGAR_HOME: home }, timeout: options.timeoutMs ?? 60_000 }, (error, stdout, stderr) => {
        resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
      });
    });
  const expectOk = async (...args: string[]): Promise<CliRun> => {
    const run = await hangar(...args);
    assert.equal(run.code, 0, `hangar ${args.join(' ')}: ${run.stderr}`);
    return run;
  };
  const children: ChildProcess[] = [];
  const background = (...args: string[]): BackgroundRun => {
    const child = spawnOwned(process.execPath, [hangarBin, ...args], { cwd: options.cwd, env: { ...process.env, ...options.env, HANGAR_HOME: home }, stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(child);
    let output = '';
    child.stdout?.setEncoding('utf8').on('data', (text: string) => (output += text));
    child.stderr?.setEncoding('utf8').on('data', (text: string) => (output += text));
    return { output: () => output, exited: new Promise((resolve) => child.once('exit', (code) => resolve(code))) };
  };
  const killBackground = (): void => {
    for (const child of children) if (child.exitCode === null && child.signalCode === null) killTree(child.pid);
  };
  return { hangar, expectOk, background, killBackground };
}
