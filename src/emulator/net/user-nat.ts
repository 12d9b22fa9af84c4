/**
 * A real NAT for an engine whose emulator has a NIC but no network stack (v86): a CPU-less QEMU
 * (`-M none`) that runs only its user-mode network (slirp: DHCP, DNS, TCP/UDP NAT, port
 * forwards), joined by a hub to a `stream` netdev on an inherited socket. The engine moves
 * Ethernet frames between the guest's NIC and that socket (frame-stream.ts); forwards are added
 * and removed while it runs through QMP (port-forwards.ts). Verified recipe: ENGINE-NOTES
 * "Networking".
 *
 * The QEMU process is owned: it starts through spawnOwned (it dies with the engine, also on
 * SIGKILL) and `close()` ends it. Its QMP socket lives in the caller's private runtime folder.
 */
import type { ChildProcess } from 'node:child_process';
import { chmodSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import { spawnOwned } from '../../node/owned-child.js';
import { QmpClient } from '../qemu/qmp.js';
import { encodeFrame, FrameReader } from './frame-stream.js';
import { forwardKey, forwardProblem, hostfwdAddCommand, hostfwdFailure, hostfwdRemoveCommand } from './port-forwards.js';
import type { PortForward } from './port-forwards.js';

/** The user netdev's id inside the NAT process (what hostfwd_add names). */
const userNetdev = 'u0';

/** Options of `UserNat.start`. */
export interface UserNatOptions {
  /** qemu-system-x86_64 (default: from PATH). */
  qemuBinary?: string;
  /** A private (0700) folder for the NAT's QMP socket. */
  runtimeDir: string;
  /** No outside network (slirp `restrict=on`); forwards still reach the guest. */
  isolated?: boolean;
  /** A frame from the network to the guest's NIC. */
  onFrame: (frame: Uint8Array) => void;
  /** The NAT ended on its own (QEMU died, the stream broke): why, in a sentence. */
  onEnd?: (reason: string) => void;
  /** How long QEMU may take to come up. Default 15 s. */
  startTimeoutMs?: number;
}

/** Thrown when the NAT cannot run; the message says why and what to install or do. */
export class UserNatError extends Error {
  override name = 'UserNatError';
}

/** A running NAT. Owner calls `close()`. */
export class UserNat {
  private readonly forwards = new Map<string, PortForward>();
  private ended: string | undefined;
  private output = '';

  private constructor(
    private readonly child: ChildProcess,
    private readonly stream: Duplex,
    private readonly qmp: QmpClient,
    private readonly socketPath: string,
  ) {}

  /** Starts the NAT process; rejects with UserNatError (QEMU missing, or its own reason). */
  static async start(options: UserNatOptions): Promise<UserNat> {
    const binary = options.qemuBinary ?? 'qemu-system-x86_64';
    const socketPath = join(options.runtimeDir, 'nat-qmp.sock');
    rmSync(socketPath, { force: true });
    const args = [
      '-M', 'none', '-nodefaults', '-no-user-config', '-display', 'none',
      '-qmp', `unix:${socketPath},server=on,wait=off`,
      '-netdev', `user,id=${userNetdev}${options.isolated ? ',restrict=on' : ''}`,
      // fd 3 is the child's end of a socketpair: Node makes 'pipe' stdio entries UNIX socketpairs.
      '-netdev', 'stream,id=s0,server=off,addr.type=fd,addr.str=3',
      '-netdev', `hubport,id=p0,hubid=0,netdev=${userNetdev}`,
      '-netdev', 'hubport,id=p1,hubid=0,netdev=s0',
    ];
    const child = spawnOwned(binary, args, { stdio: ['ignore', 'pipe', 'pipe', 'pipe'] });
    let output = '';
    let exited: string | undefined;
    const collect = (chunk: Buffer): void => {
      output = (output + chunk.toString('utf8')).slice(-2000);
    };
    child.stdout?.on('data', collect);
    child.stderr?.on('data', collect);
    child.on('error', (error) => (exited = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'missing' : error.message));
    child.on('exit', (code, signal) => (exited ??= `exited (${signal ?? `code ${String(code)}`})`));
    const stream = child.stdio[3] as Duplex | null;
    const failure = (): string | undefined => {
      if (exited === undefined) return undefined;
      // The owned-child guard runs `sh -c`, which answers a missing binary with exit 127.
      if (exited === 'missing' || /code 127/.test(exited) || /not found/i.test(output)) {
        return `Networking on v86 needs QEMU's user-mode network: install qemu-system-x86 (Debian: apt install qemu-system-x86). ${binary} could not be run.`;
      }
      return `The network helper (${binary}) ${exited}: ${output.trim().split('\n').slice(-3).join(' ') || 'no message'}`;
    };
    if (!stream) {
      child.kill('SIGKILL');
      throw new UserNatError('The network helper has no frame channel (fd 3).');
    }
    let qmp: QmpClient;
    try {
      qmp = await QmpClient.open(socketPath, options.startTimeoutMs ?? 15_000, failure);
    } catch (error) {
      child.kill('SIGKILL');
      stream.destroy();
      throw new UserNatError(failure() ?? (error as Error).message);
    }
    // QEMU binds with the engine's umask (077 → 0700); library files and sockets are 0600.
    chmodSync(socketPath, 0o600);
    const nat = new UserNat(child, stream, qmp, socketPath);
    nat.output = output;
    const reader = new FrameReader(options.onFrame, (reason) => nat.end(reason, options.onEnd));
    stream.on('data', (chunk: Buffer) => reader.push(chunk));
    stream.on('error', (error) => nat.end(`the frame channel failed: ${error.message}`, options.onEnd));
    child.on('exit', () => nat.end(failure() ?? 'The network helper ended.', options.onEnd));
    return nat;
  }

  /** True until the NAT ends (close, or QEMU died). */
  get running(): boolean {
    return this.ended === undefined;
  }

  /** The QEMU process id (for process-tree checks). */
  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Sends one frame from the guest's NIC to the network; dropped (like a cable) once ended. */
  send(frame: Uint8Array): void {
    if (this.ended !== undefined) return;
    this.stream.write(encodeFrame(frame));
  }

  /** The forwards in effect. */
  listForwards(): PortForward[] {
    return [...this.forwards.values()];
  }

  /** Adds a forward; rejects with a sentence when it is invalid or the host port cannot be used. */
  async addForward(forward: PortForward): Promise<void> {
    const problem = forwardProblem(forward);
    if (problem !== undefined) throw new UserNatError(problem);
    if (this.forwards.has(forwardKey(forward))) throw new UserNatError(`A forward already listens on ${forward.protocol.toUpperCase()} ${forward.hostAddress}:${forward.hostPort}.`);
    const reply = await this.hmp(hostfwdAddCommand(userNetdev, forward));
    const failure = hostfwdFailure(reply, forward, 'add');
    if (failure !== undefined) throw new UserNatError(failure);
    this.forwards.set(forwardKey(forward), { ...forward });
  }

  /** Removes the forward listening on `forward`'s host side. */
  async removeForward(forward: Pick<PortForward, 'protocol' | 'hostAddress' | 'hostPort'>): Promise<void> {
    const reply = await this.hmp(hostfwdRemoveCommand(userNetdev, forward));
    const failure = hostfwdFailure(reply, forward, 'remove');
    if (failure !== undefined) throw new UserNatError(failure);
    this.forwards.delete(forwardKey(forward));
  }

  /** Ends the NAT process and its channel. Idempotent. */
  close(): void {
    this.end('closed', undefined);
  }

  private async hmp(commandLine: string): Promise<string> {
    if (this.ended !== undefined) throw new UserNatError(`The network helper is not running (${this.ended}).`);
    return this.qmp.execute<string>('human-monitor-command', { 'command-line': commandLine }, 10_000);
  }

  private end(reason: string, onEnd: ((reason: string) => void) | undefined): void {
    if (this.ended !== undefined) return;
    this.ended = reason;
    this.qmp.close();
    this.stream.destroy();
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
    rmSync(this.socketPath, { force: true });
    if (reason !== 'closed') onEnd?.(reason);
  }
}
