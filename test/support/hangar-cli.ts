/**
 * Runs the real `hangar` command against a test's library folder, as a user in a terminal would.
 *
 *   const { hangar, expectOk } = hangarCli(home, { timeoutMs: 90_000, cwd: home });
 *   const run = await hangar('list', '--json');   // {code, stdout, stderr}; never rejects
 *   await expectOk('create', 'Box', ...);          // fails the test with stderr when the exit code is not 0
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
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

/** A runner of `hangar` commands on the library in `home`. */
export function hangarCli(home: string, options: CliOptions = {}): { hangar: (...args: string[]) => Promise<CliRun>; expectOk: (...args: string[]) => Promise<CliRun> } {
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
  return { hangar, expectOk };
}
