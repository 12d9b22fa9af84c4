/**
 * How the supervisor starts an engine process: one small interface, implemented here with
 * `child_process.fork` (tests, CLI, web shell) and in src/main/electron with Electron's
 * `utilityProcess.fork`. The supervisor never sees which one it has.
 */
import { fileURLToPath } from 'node:url';
import { forkOwned, killGroup, killTree } from '../../node/owned-child.js';
import { engineEnvironment } from './engine-env.js';

/** The engine entry file; main reaches engines only by spawning it (docs/architecture.md §3). */
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
  /** Everything the process writes to stderr from now on, as it comes (for the engine log). */
  onOutput(listener: (text: string) => void): void;
  kill(signal?: NodeJS.Signals): void;
}

/** Starts engine processes. */
export interface EngineLauncher {
  launch(args: readonly string[]): EngineChannel;
}

const stderrLimit = 8192;
/** How long after the exit the last stderr output may take to arrive before exit listeners run anyway. */
const stderrDrainMs = 1000;

/**
 * Launches engines with `child_process.fork` and the 'advanced' (structured clone) serialization.
 * Each engine dies with this process even on SIGKILL (owned-child's parent-death guard) and leads
 * its own process group, which its helpers (QEMU) join: `kill` and the exit sweep end the whole
 * tree, so nothing keeps a disk locked after its engine is gone.
 */
export const forkLauncher: EngineLauncher = {
  launch(args) {
    const child = forkOwned(engineEntryFile, [...args], {
      execArgv: ['--import', tsxLoader],
      serialization: 'advanced',
      env: engineEnvironment(),
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      detached: true,
    });
    let stderr = '';
    const outputListeners: ((text: string) => void)[] = [];
    child.stderr?.setEncoding('utf8').on('data', (text: string) => {
      stderr = (stderr + text).slice(-stderrLimit);
      for (const listener of outputListeners) listener(text);
    });
    // 'exit' can come before the last stderr output is read: the crash reason and the engine log
    // need it, so exit listeners run once stderr has ended (or after a short wait).
    const stderrEnded = new Promise<void>((resolve) => {
      if (!child.stderr) return resolve();
      child.stderr.once('close', resolve).once('end', resolve);
    });
    // A send after the child died must not throw into the caller; the exit listener reports it.
    child.on('error', () => undefined);
    let exit: EngineExit | undefined;
    const exitListeners: ((exit: EngineExit) => void)[] = [];
    let ended = false;
    child.once('exit', (code, signal) => {
      ended = true;
      // Helpers the engine left in its group (it was killed before it could end them).
      killGroup(child.pid);
      let timer: NodeJS.Timeout | undefined;
      void Promise.race([stderrEnded, new Promise<void>((resolve) => (timer = setTimeout(resolve, stderrDrainMs)))]).then(() => {
        clearTimeout(timer);
        exit = { code, signal };
        for (const listener of exitListeners) listener(exit);
      });
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
      onOutput(listener) {
        outputListeners.push(listener);
      },
      kill(signal = 'SIGKILL') {
        if (!ended) killTree(child.pid, signal);
      },
    };
  },
};
