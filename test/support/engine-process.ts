/**
 * Spawns the engine entry as a real child process for tests.
 *
 * API:
 *   const engine = await startEngine({ engine: 'v86', memoryMib: 64, cdrom: '/usr/lib/grub-rescue/grub-rescue-cdrom.iso',
 *                                      args?: string[], timeoutMs?: 60000 })
 *   engine.client        // a negotiated QmpClient (test/support/qmp-client.ts)
 *   engine.socketPath    // the QMP socket (in a private temp folder, engine.dir)
 *   await engine.connect({ negotiate? })  // another client
 *   engine.child         // the ChildProcess; engine.stderr() is what it logged so far
 *   await engine.exited  // exit code (null when killed by a signal)
 *   await engine.stop()  // quit (or SIGKILL after 10 s) and remove the temp folder; idempotent
 */
import { spawnOwned } from '../../src/node/owned-child.js';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { QmpClient } from './qmp-client.js';

/** The engine process entry file. */
export const engineEntry = fileURLToPath(new URL('../../src/emulator/host/entry.ts', import.meta.url));

export interface EngineProcessOptions {
  engine?: 'v86' | 'qemu';
  memoryMib?: number;
  cdrom?: string;
  floppy?: string;
  disk?: string;
  /** Extra entry arguments (e.g. ['--paused'], ['--options', '{...}']). */
  args?: string[];
  timeoutMs?: number;
}

export interface EngineProcess {
  readonly child: ChildProcess;
  readonly dir: string;
  readonly socketPath: string;
  readonly client: QmpClient;
  readonly exited: Promise<number | null>;
  stderr(): string;
  connect(options?: { negotiate?: boolean }): Promise<QmpClient>;
  stop(): Promise<void>;
}

/** Starts an engine process and connects a negotiated client. */
export async function startEngine(options: EngineProcessOptions = {}): Promise<EngineProcess> {
  const dir = mkdtempSync(join(tmpdir(), 'hangar-engine-'));
  const socketPath = join(dir, 'qmp.sock');
  const args = ['--import', 'tsx', engineEntry, '--engine', options.engine ?? 'v86', '--memory', String(options.memoryMib ?? 64), '--qmp', socketPath];
  for (const name of ['cdrom', 'floppy', 'disk'] as const) {
    const value = options[name];
    if (value) args.push(`--${name}`, value);
  }
  args.push(...(options.args ?? []));
  const child = spawnOwned(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  child.stderr?.setEncoding('utf8').on('data', (text: string) => (log += text));
  child.stdout?.resume();
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let exitedCode: number | null | undefined;
  void exited.then((code) => (exitedCode = code ?? -1));
  const cleanup = (): void => rmSync(dir, { recursive: true, force: true });
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  let client: QmpClient | undefined;
  try {
    while (!client) {
      if (exitedCode !== undefined) throw new Error(`the engine exited (${exitedCode}) before serving QMP:\n${log}`);
      if (Date.now() > deadline) throw new Error(`the engine did not open ${socketPath} in time:\n${log}`);
      if (existsSync(socketPath)) {
        try {
          client = await QmpClient.connect(socketPath);
          break;
        } catch {
          // Not listening yet.
        }
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  } catch (error) {
    child.kill('SIGKILL');
    await exited;
    cleanup();
    throw error;
  }
  let stopping: Promise<void> | undefined;
  const connected = client;
  return {
    child,
    dir,
    socketPath,
    client: connected,
    exited,
    stderr: () => log,
    connect: (connectOptions) => QmpClient.connect(socketPath, connectOptions),
    stop() {
      stopping ??= (async () => {
        if (exitedCode === undefined) {
          connected.execute('quit', {}, 5000).catch(() => {});
          const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
          await exited;
          clearTimeout(timer);
        }
        connected.close();
        cleanup();
      })();
      return stopping;
    },
  };
}
