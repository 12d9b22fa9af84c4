/**
 * One running engine seen from main: QMP over the parent channel (greeting, negotiation,
 * commands with ids and timeouts, events) and the display messages. Owns the channel and the
 * display socket: the display comes over a UNIX socket the engine's display worker serves
 * (length-prefixed binary messages, no structured clone on either side), or over the channel
 * when the socket cannot be had or breaks.
 */
import { createConnection, type Socket } from 'node:net';
import type { DisplayMessage } from '../../shared/protocol/display.js';
import { DisplayStreamReader } from '../../shared/protocol/display-stream.js';
import type { QmpEvent } from '../../shared/protocol/envelope.js';
import { DisplayBuffers, type Release } from '../../shared/display/display-buffers.js';
import { DisplayReadGate, type DisplayDemand } from '../display/display-read-gate.js';
import { ScreenCache } from '../display/screen-cache.js';
import type { EngineChannel, EngineExit } from './engine-launcher.js';

/** An engine command failed; `errorClass` is the engine's (QMP) class or ours (Timeout, Unavailable). */
export class EngineCommandError extends Error {
  constructor(
    readonly errorClass: string,
    message: string,
  ) {
    super(message);
    this.name = 'EngineCommandError';
  }
}

interface Pending {
  resolve(value: unknown): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
}

/** Bytes main reads from the display socket at a time (into one reused buffer). */
const readChunkBytes = 256 << 10;

/** Default time an engine command may take. */
export const defaultCommandTimeoutMs = 15_000;

export class EngineSession {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly eventListeners = new Set<(event: QmpEvent) => void>();
  private readonly displayListeners = new Set<(message: DisplayMessage) => void>();
  private readonly endListeners = new Set<() => void>();
  private greeted: (() => void) | undefined;
  private readonly greeting: Promise<void>;
  private exitInfo: EngineExit | undefined;
  private displayAttached = false;
  private transport: 'none' | 'pending' | 'socket' | 'channel' = 'none';
  private displaySocket: Socket | undefined;
  private transportNote: string | undefined;
  /** Large display messages are read into reused buffers (display-buffers.ts). */
  private readonly displayBuffers = new DisplayBuffers();
  /** The current screen, kept from the first display subscription on, for later subscribers. */
  private readonly screenCache = new ScreenCache((message) => this.displayBuffers.retain(message));
  /** Whether main reads the display socket now (paused while every viewer is far behind). */
  private readonly readGate = new DisplayReadGate();

  constructor(readonly channel: EngineChannel) {
    this.greeting = new Promise((resolve) => (this.greeted = resolve));
    channel.onMessage((message) => this.receive(message));
    channel.onExit((exit) => {
      this.exitInfo = exit;
      this.readGate.dispose();
      this.displaySocket?.destroy();
      this.displaySocket = undefined;
      this.displayBuffers.clear();
      for (const [, pending] of this.pending) {
        clearTimeout(pending.timer);
        const tail = engineFailureReason(channel.stderrTail());
        pending.reject(new EngineCommandError('EngineFailed', `The engine ended (${describeExit(exit)}) before it answered.${tail ? ` ${tail}` : ''}`));
      }
      this.pending.clear();
      for (const listener of this.endListeners) listener();
      this.endListeners.clear();
    });
  }

  /** Waits for the greeting and negotiates capabilities. */
  async negotiate(timeoutMs: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const exited = new Promise<never>((_, reject) =>
      this.channel.onExit((exit) => reject(new EngineCommandError('EngineFailed', `The engine ended (${describeExit(exit)}) while starting. ${engineFailureReason(this.channel.stderrTail())}`.trim()))),
    );
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new EngineCommandError('Timeout', `The engine did not greet within ${timeoutMs} ms.`)), timeoutMs);
    });
    try {
      await Promise.race([this.greeting, exited, timeout]);
    } finally {
      clearTimeout(timer);
    }
    await this.execute('qmp_capabilities', {}, timeoutMs);
  }

  /** Runs an engine command; rejects with EngineCommandError on an error reply, exit or timeout. */
  execute(name: string, args: Record<string, unknown> = {}, timeoutMs = defaultCommandTimeoutMs): Promise<unknown> {
    if (this.exitInfo) return Promise.reject(new EngineCommandError('Unavailable', `The engine is not running (${describeExit(this.exitInfo)}).`));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new EngineCommandError('Timeout', `The engine did not answer ${name} within ${timeoutMs} ms.`));
      }, timeoutMs);
      this.pending.set(id, { resolve, reject, timer });
      this.channel.send({ kind: 'qmp', message: { execute: name, arguments: args, id } });
    });
  }

  onEvent(listener: (event: QmpEvent) => void): () => void {
    this.eventListeners.add(listener);
    return () => this.eventListeners.delete(listener);
  }

  /**
   * Subscribes to display messages. The first subscriber attaches the display channel (the
   * engine then sends its whole screen, and main keeps a copy from then on); every later one
   * first gets the whole current screen from that copy, synchronously, then live messages.
   * Unsubscribing never detaches the engine's display: the copy must follow every change.
   * A message's payload (pixels, font bitmap) may be reused for a later message once the call
   * returns: a listener that reads it later holds it first (retainDisplay) or copies it.
   */
  onDisplay(listener: (message: DisplayMessage) => void): () => void {
    if (!this.displayAttached) {
      this.displayAttached = true;
      this.transport = 'pending';
      this.channel.send({ kind: 'attach-display', transport: 'socket' });
    } else {
      for (const message of this.screenCache.replay()) listener(message);
    }
    this.displayListeners.add(listener);
    return () => this.displayListeners.delete(listener);
  }

  /**
   * A display feed's say in whether the display is read (display-read-gate.ts): a feed whose
   * viewers are all far behind lets main stop reading, so the engine coalesces at the source.
   */
  displayDemand(): DisplayDemand {
    return this.readGate.demand();
  }

  /**
   * Holds the buffer a display message's payload lives in, for a listener that keeps using the
   * payload after its call returns (a transport still writing it); the returned function lets go.
   * Payloads of messages nobody holds are reused for later messages once the call has returned.
   */
  retainDisplay(message: DisplayMessage): Release {
    return this.displayBuffers.retain(message);
  }

  /** Display message buffers reused so far, and those held now (tests and benchmarks). */
  get displayBufferStats(): { reused: number; inUse: number } {
    return { reused: this.displayBuffers.reused, inUse: this.displayBuffers.inUse };
  }

  /** Whether main has paused reading the display socket because no viewer keeps up (tests). */
  get displayReadPaused(): boolean {
    return this.readGate.isPaused;
  }

  /** Calls `listener` once when the engine has ended (at once when it already has); returns an unsubscribe. */
  onEnd(listener: () => void): () => void {
    if (this.exitInfo !== undefined) {
      listener();
      return () => undefined;
    }
    this.endListeners.add(listener);
    return () => this.endListeners.delete(listener);
  }

  /** The messages that draw the whole current screen (empty before the display is attached or has a mode). */
  screen(): DisplayMessage[] {
    return this.screenCache.replay();
  }

  get exit(): EngineExit | undefined {
    return this.exitInfo;
  }

  /** How display messages arrive: over the engine's display socket, the parent channel, or not yet. */
  get displayTransport(): 'none' | 'pending' | 'socket' | 'channel' {
    return this.transport;
  }

  /** Why the display fell back to the parent channel (undefined while it did not). */
  get displayTransportNote(): string | undefined {
    return this.transportNote;
  }

  private receiveDisplay(display: DisplayMessage): void {
    this.screenCache.apply(display);
    for (const listener of this.displayListeners) listener(display);
  }

  /** Connects to the engine's display socket; any failure falls back to the parent channel. */
  private connectDisplay(path: string): void {
    const buffers = this.displayBuffers;
    const reader = new DisplayStreamReader(undefined, (length) => buffers.take(length));
    const bodies: Uint8Array[] = [];
    const releaseBodies = (): void => {
      // Delivered (or never to be): what a listener still needs, it holds (retainDisplay); the rest is free again.
      for (const body of bodies) buffers.release(body);
      bodies.length = 0;
    };
    const take = (chunk: Uint8Array): void => {
      if (this.displaySocket !== socket) return;
      let messages: DisplayMessage[];
      try {
        messages = reader.push(chunk, bodies);
      } catch (error) {
        releaseBodies();
        this.fallBack(`the display socket sent bad data (${(error as Error).message})`);
        return;
      }
      try {
        for (const message of messages) this.receiveDisplay(message);
      } finally {
        releaseBodies();
      }
      if (messages.length > 0 && this.displaySocket === socket) this.readGate.messagesTaken();
    };
    // Reads land in one reused buffer (the reader copies each chunk out at once), not a fresh
    // 64 KiB allocation per read: 48 of them per 1024×768 frame, each for the collector to free.
    const socket = createConnection({
      path,
      onread: {
        buffer: Buffer.allocUnsafe(readChunkBytes),
        callback: (length, buffer) => {
          take(buffer.subarray(0, length));
          // Pausing is the read gate's (socket.pause), never this callback's.
          return true;
        },
      },
    });
    this.displaySocket = socket;
    this.readGate.attach(socket);
    socket.on('connect', () => {
      if (this.displaySocket === socket) this.transport = 'socket';
    });
    socket.on('error', (error) => {
      if (this.displaySocket === socket) this.fallBack(`the display socket failed (${error.message})`);
    });
    socket.on('close', () => {
      if (this.displaySocket === socket) this.fallBack('the engine closed the display socket');
    });
  }

  /** Drops the display socket and attaches the display over the parent channel (the engine replays the screen). */
  private fallBack(reason: string): void {
    const socket = this.displaySocket;
    this.displaySocket = undefined;
    this.readGate.attach(undefined);
    socket?.destroy();
    if (this.transport === 'channel' || this.exitInfo) return;
    this.transport = 'channel';
    this.transportNote = reason;
    this.channel.send({ kind: 'attach-display' });
  }

  private receive(data: unknown): void {
    if (typeof data !== 'object' || data === null) return;
    const { kind, message } = data as { kind?: unknown; message?: unknown };
    if (kind === 'display') {
      if (typeof message !== 'object' || message === null) return;
      this.receiveDisplay(message as DisplayMessage);
      return;
    }
    if (kind === 'display-socket') {
      if (this.transport !== 'pending') return;
      const { path, error } = data as { path?: unknown; error?: { desc?: unknown } };
      if (typeof path === 'string') this.connectDisplay(path);
      else this.fallBack(typeof error?.desc === 'string' ? error.desc : 'the engine offered no display socket');
      return;
    }
    if (kind !== 'qmp' || typeof message !== 'object' || message === null) return;
    const qmp = message as Record<string, unknown>;
    if ('QMP' in qmp) this.greeted?.();
    else if ('event' in qmp) {
      for (const listener of this.eventListeners) listener(qmp as unknown as QmpEvent);
    } else if (typeof qmp.id === 'number') {
      const pending = this.pending.get(qmp.id);
      if (!pending) return;
      this.pending.delete(qmp.id);
      clearTimeout(pending.timer);
      if ('error' in qmp) {
        const error = qmp.error as { class?: string; desc?: string };
        pending.reject(new EngineCommandError(error.class ?? 'GenericError', error.desc ?? 'The engine reported an error.'));
      } else pending.resolve(qmp.return);
    }
  }
}

/** "code 1", "signal SIGKILL". */
export function describeExit(exit: EngineExit): string {
  return exit.signal ? `killed by signal ${exit.signal}` : `exit code ${exit.code ?? 'unknown'}`;
}

/** Longest line of engine output quoted in a reason (QEMU's command line in the log is ~1.2 KB). */
const maxQuotedLine = 300;
const failedPrefix = '[engine] failed: ';

/** The engine's own progress notes: true in the log, noise in a crash reason. */
const engineNotePrefix = '[engine] ';
/** QEMU's stderr as the engine forwards it; quoted without the prefix. */
const qemuStderrPrefix = '[engine] qemu stderr: ';

/**
 * Why an engine failed, from the tail of its stderr: its own `[engine] failed: …` report (and
 * the lines that continue it) when there is one; else the last lines that are not the engine's
 * progress notes (QEMU's stderr, a Node.js stack trace), since notes such as the accelerator
 * choice or QEMU's command line say nothing about the failure. Long lines are cut.
 */
export function engineFailureReason(tail: string): string {
  const lines = tail.trim().split('\n').filter((line) => line.trim() !== '');
  let failed = -1;
  for (let index = lines.length - 1; index >= 0 && failed < 0; index--) if (lines[index]?.startsWith(failedPrefix)) failed = index;
  const picked =
    failed >= 0
      ? lines.slice(failed, failed + 3).map((line) => line.replace(failedPrefix, ''))
      : lines
          .filter((line) => line.startsWith(qemuStderrPrefix) || !line.startsWith(engineNotePrefix))
          .slice(-3)
          .map((line) => (line.startsWith(qemuStderrPrefix) ? `QEMU: ${line.slice(qemuStderrPrefix.length)}` : line));
  return picked.map((line) => (line.length > maxQuotedLine ? `${line.slice(0, maxQuotedLine - 1)}…` : line)).join(' ');
}

