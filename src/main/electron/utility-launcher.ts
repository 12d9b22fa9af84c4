/**
 * The supervisor's EngineLauncher under Electron: engines run as `utilityProcess` children.
 * Electron's module is passed in (not imported) so this file loads only where Electron runs,
 * and stays type-checked everywhere.
 */
import type { UtilityProcess } from 'electron';
import type { EngineChannel, EngineExit, EngineLauncher } from '../supervisor/index.js';
import { engineEntryFile, tsxLoader } from '../supervisor/index.js';

/** The part of Electron's `utilityProcess` module the launcher uses. */
export interface UtilityProcessModule {
  fork(modulePath: string, args?: string[], options?: { execArgv?: string[]; stdio?: 'pipe' | 'ignore' | 'inherit'; serviceName?: string }): UtilityProcess;
}

const stderrLimit = 8192;

/**
 * Creates a launcher that forks engines with Electron's `utilityProcess`. `entry` and `loader`
 * are explicit where main runs from a bundle (its own location no longer points at the source
 * tree; the bundled engine needs no loader: null); the defaults suit main running from source.
 */
export function createUtilityLauncher(utilityProcess: UtilityProcessModule, entry: string = engineEntryFile, loader: string | null = tsxLoader): EngineLauncher {
  return {
    launch(args): EngineChannel {
      const execArgv = loader ? ['--import', loader] : [];
      const child = utilityProcess.fork(entry, [...args], { execArgv, stdio: 'pipe', serviceName: 'Hangar engine' });
      let stderr = '';
      const outputListeners: ((text: string) => void)[] = [];
      child.stderr?.setEncoding('utf8').on('data', (text: string) => {
        stderr = (stderr + text).slice(-stderrLimit);
        for (const listener of outputListeners) listener(text);
      });
      child.stdout?.resume();
      let exit: EngineExit | undefined;
      const exitListeners: ((exit: EngineExit) => void)[] = [];
      child.once('exit', (code: number) => {
        // utilityProcess reports only a code; a signal death shows as a non-zero code.
        exit = { code, signal: null };
        for (const listener of exitListeners) listener(exit);
      });
      return {
        get pid() {
          return child.pid;
        },
        send(message) {
          if (exit === undefined) child.postMessage(message);
        },
        onMessage(listener) {
          child.on('message', (message: unknown) => listener(message));
        },
        onExit(listener) {
          if (exit) listener(exit);
          else exitListeners.push(listener);
        },
        stderrTail: () => stderr,
        onOutput: (listener) => void outputListeners.push(listener),
        kill() {
          if (exit === undefined) child.kill();
        },
      };
    },
  };
}
