/**
 * One shared folder served over 9P by a confined diod (diod-sandbox.ts) behind a NinePBridge: the
 * engine hands `handle9p` to v86 and the guest's 9P messages go to diod over its stdin, replies
 * come back from its stdout. Started with a Tversion handshake, so a server that cannot run
 * (user namespaces off, a broken install) is reported at start with its own words, not when the
 * guest mounts. The process is owned (spawnOwned): it dies with the engine, also on SIGKILL.
 */
import type { ChildProcess } from 'node:child_process';
import { spawnOwned } from '../../node/owned-child.js';
import { SANDBOX_ACCOUNT, sandboxCommand, type SandboxTools } from './diod-sandbox.js';
import { MAX_MSIZE, NinePBridge } from './nine-p-bridge.js';
import { HEADER_SIZE, MessageReader, NinePType, readHeader } from './nine-p.js';

/** Options of ShareServer.start. */
export interface ShareServerOptions {
  readonly tools: SandboxTools;
  readonly hostPath: string;
  readonly readOnly: boolean;
  /** A private (0700) folder for the sandbox's files. */
  readonly runtimeDir: string;
  /** Engine log. */
  readonly log: (line: string) => void;
  /** The server ended on its own (crashed, killed): why, as a sentence. Not called after close(). */
  readonly onEnd?: (reason: string) => void;
  /** How long the server may take to answer the handshake. Default 15 s. */
  readonly startTimeoutMs?: number;
}

/** The server could not start; the message says why and what to do. */
export class ShareServerError extends Error {
  override name = 'ShareServerError';
}

/** The Tversion the engine sends itself to see the server answer. */
function handshake(): Uint8Array {
  const version = new TextEncoder().encode('9P2000.L');
  const message = new Uint8Array(HEADER_SIZE + 4 + 2 + version.length);
  const view = new DataView(message.buffer);
  view.setUint32(0, message.length, true);
  view.setUint8(4, NinePType.Tversion);
  view.setUint16(5, 0xffff, true);
  view.setUint32(7, MAX_MSIZE, true);
  view.setUint16(11, version.length, true);
  message.set(version, 13);
  return message;
}

/** A running, confined 9P server for one folder. Owner calls `close()`. */
export class ShareServer {
  private closed = false;

  private constructor(
    private readonly child: ChildProcess,
    private readonly bridge: NinePBridge,
  ) {}

  /** Starts the server and waits for its handshake; rejects with ShareServerError. */
  static async start(options: ShareServerOptions): Promise<ShareServer> {
    const command = sandboxCommand(options);
    // An empty environment: nothing of the engine's (tokens, paths) is visible to the sandbox.
    const child = spawnOwned(command.file, command.args, { stdio: ['pipe', 'pipe', 'pipe'], env: {} });
    let stderr = '';
    let exited: string | undefined;
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString('utf8')).slice(-4000);
    });
    child.on('error', (error) => (exited ??= error.message));
    child.on('exit', (code, signal) => (exited ??= signal !== null ? `was killed by ${signal}` : `exited with code ${String(code)}`));
    child.stdin?.on('error', () => undefined); // EPIPE once it is gone; 'exit' reports that.
    const tail = (): string => stderr.trim().split('\n').slice(-3).join(' ');
    const bridge = new NinePBridge((message) => child.stdin?.write(message), SANDBOX_ACCOUNT, options.log);
    let greeted: (() => void) | undefined;
    const reader = new MessageReader(
      (message) => {
        if (greeted !== undefined && readHeader(message)?.type === NinePType.Rversion) {
          greeted();
          greeted = undefined;
          return;
        }
        bridge.receive(message);
      },
      (reason) => {
        bridge.fail(reason);
        child.kill('SIGKILL');
      },
    );
    child.stdout?.on('data', (chunk: Buffer) => reader.push(chunk));
    const timeoutMs = options.startTimeoutMs ?? 15_000;
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new ShareServerError(`The 9P server for ${options.hostPath} did not answer within ${timeoutMs / 1000} s${tail() ? `: ${tail()}` : ''}.`)), timeoutMs);
        greeted = () => {
          clearTimeout(timer);
          resolve();
        };
        child.once('exit', () => {
          clearTimeout(timer);
          reject(new ShareServerError(`The 9P server for ${options.hostPath} ${exited ?? 'ended'}: ${tail() || 'no message'}. Check that bubblewrap can create user namespaces here (sysctl kernel.unprivileged_userns_clone=1).`));
        });
        child.stdin?.write(handshake());
      });
    } catch (error) {
      child.kill('SIGKILL');
      throw error;
    }
    const server = new ShareServer(child, bridge);
    child.on('exit', () => {
      const reason = `the 9P server ${exited ?? 'ended'}${tail() ? ` (${tail()})` : ''}`;
      bridge.fail(reason);
      if (!server.closed) options.onEnd?.(reason);
    });
    return server;
  }

  /** v86's `filesystem.handle9p`. */
  get handle9p(): (request: Uint8Array, reply: (message: Uint8Array) => void) => void {
    return this.bridge.handle;
  }

  /** The sandbox's process id (bwrap), for process-tree checks. */
  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Why the server ended; undefined while it serves. */
  get ended(): string | undefined {
    return this.bridge.ended;
  }

  /** Ends the server; open and later requests are answered EIO. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.bridge.fail('the shared folder was closed');
    this.child.stdin?.end();
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
  }
}
