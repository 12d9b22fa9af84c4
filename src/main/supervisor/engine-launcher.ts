/**
 * How the supervisor starts an engine process: one small interface, implemented here with
 * `child_process.fork` (tests, CLI, web shell) and in src/main/electron with Electron's
 * `utilityProcess.fork`. The supervisor never sees which one it has.
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The engine entry file; main reaches engines only by spawning it (DESIGN.md §3). */
export const engineEntryFile = fileURLToPath(new URL('../../emulator/host/entry.ts', import.meta.url));

/**
 * The TypeScript loader as an absolute URL: a bare `--import tsx` is resolved from the working
 * directory, which breaks `hangar` run from anywhere but the checkout.
 */
export const tsxLoader = import.meta.resolve('tsx');

/** How an engine process ended. */
export interface EngineExit {
  code: number | null;
  signal: string | null;
}

/** A running engine process and its parent channel. */
export interface EngineChannel {
  readonly pid: number | undefined;
  /** Posts a message on the parent channel (`{kind:'qmp', message}` or `{kind:'attach-display'}`). */
  send(message: unknown): void;
  onMessage(listener: (message: unknown) => void): void;
  /** Called once, when the process has ended. */
  onExit(listener: (exit: EngineExit) => void): void;
  /** Output the process wrote to stderr (the tail), for crash reasons. */
  stderrTail(): string;
  kill(signal?: NodeJS.Signals): void;
}

/** Starts engine processes. */
export interface EngineLauncher {
  launch(args: readonly string[]): EngineChannel;
}

const stderrLimit = 8192;

/** Launches engines with `child_process.fork` and the 'advanced' (structured clone) serialization. */
export const forkLauncher: EngineLauncher = {
  launch(args) {
    const child = fork(engineEntryFile, [...args], {
      execArgv: ['--import', tsxLoader],
      serialization: 'advanced',
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    });
    let stderr = '';
    child.stderr?.setEncoding('utf8').on('data', (text: string) => {
      stderr = (stderr + text).slice(-stderrLimit);
    });
    // A send after the child died must not throw into the caller; the exit listener reports it.
    child.on('error', () => undefined);
    let exit: EngineExit | undefined;
    const exitListeners: ((exit: EngineExit) => void)[] = [];
    child.once('exit', (code, signal) => {
      exit = { code, signal };
      for (const listener of exitListeners) listener(exit);
    });
    return {
      pid: child.pid,
      send(message) {
        if (child.connected) child.send(message as never, (error) => void error);
      },
      onMessage(listener) {
        child.on('message', listener);
      },
      onExit(listener) {
        if (exit) listener(exit);
        else exitListeners.push(listener);
      },
      stderrTail: () => stderr,
      kill(signal = 'SIGKILL') {
        if (exit === undefined) child.kill(signal);
      },
    };
  },
};
