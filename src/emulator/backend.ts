/**
 * The contract between the engine host (process entry, QMP server) and an emulator backend
 * (v86, QEMU). The host parses, validates and dispatches protocol commands; a backend only
 * implements handlers and emits events and display messages.
 */
import type { DisplayMessage } from '../shared/protocol/display.js';
import type { Rect } from './display/rect.js';
import type { SharedFrame } from './display/shared-frame.js';
import type { EngineKindName } from '../shared/protocol/enums.js';
import type {
  EngineArgs,
  EngineCommandName,
  EngineEventData,
  EngineEventName,
  EngineReturn,
  ErrorClass,
  RunStateName,
} from '../shared/protocol/engine/index.js';

/** An error a handler throws to answer a command with a QMP error of the given class. */
export class ProtocolError extends Error {
  constructor(
    readonly errorClass: ErrorClass,
    message: string,
  ) {
    super(message);
    this.name = 'ProtocolError';
  }
}

/** Handlers for the commands a backend implements; a missing handler answers CommandNotFound. */
export type CommandHandlers = {
  [N in EngineCommandName]?: (args: EngineArgs<N>) => Promise<EngineReturn<N>> | EngineReturn<N>;
};

/** What a backend can call on its host. */
export interface BackendHost {
  /** Emits a protocol event to every client. */
  emit<N extends EngineEventName>(name: N, data: EngineEventData<N>): void;
  /** Sends a display message to every attached viewer (viewers coalesce; never blocks). */
  display(message: DisplayMessage): void;
  /**
   * True when `display` has copied a message's pixels by the time it returns (every viewer
   * serializes it at once), so a backend may send a view of its own live frame buffer instead of
   * a fresh copy. Hosts that keep messages (tests) leave it unset and get owned pixels.
   */
  readonly displayCopiesPixels?: boolean;
  /** Optional (SharedFrameSink): sends a changed rectangle of a shared frame; see displayBusy. */
  displayFrame?(frame: SharedFrame, rect: Rect): void;
  /** Optional (SharedFrameSink): true while a viewer still reads the shared frame; leave it unwritten. */
  displayBusy?(): boolean;
  /**
   * Optional: true while display viewers are attached and every one is far behind (main stopped
   * reading because its own viewers are): a backend that can wait before producing frames does.
   */
  displayBacklogged?(): boolean;
  /** Writes a line to the engine log (stderr). */
  log(message: string): void;
}

/** Machine configuration an engine is started with. */
export interface MachineConfig {
  readonly engine: EngineKindName;
  readonly memoryMib: number;
  readonly cpus?: number;
  readonly cdrom?: string;
  readonly floppy?: string;
  readonly disk?: string;
  /** Format of `disk` as the library stores it; absent: read from the header (a damaged qcow2 header is refused, never taken for raw). */
  readonly diskFormat?: 'raw' | 'qcow2';
  readonly bootOrder?: readonly ('cdrom' | 'floppy' | 'disk')[];
  /** Folder for runtime files (sockets); must exist with mode 0700. */
  readonly runtimeDir: string;
  /** Folder for the machine's persistent state (snapshot files, overlays); defaults to runtimeDir. */
  readonly stateDir?: string;
  /** Start paused (status `prelaunch`) instead of running. */
  readonly paused?: boolean;
  /** Backend-specific options (firmware paths, accelerator, speed limit…). */
  readonly options?: Readonly<Record<string, unknown>>;
}

/** A running emulator behind the protocol. */
export interface EngineBackend {
  readonly kind: EngineKindName;
  /** Command handlers; the host adds `qmp_capabilities`, `query-commands` and `quit` itself. */
  readonly handlers: CommandHandlers;
  /** Current run state (answers `query-status` even after a fault). */
  status(): RunStateName;
  /**
   * Sends the full current screen (mode, font, cells or one whole-screen rectangle, cursor) so a
   * newly attached viewer can draw immediately.
   */
  replayDisplay(send: (message: DisplayMessage) => void): void;
  /** Stops the emulator and releases everything it holds. Idempotent. */
  dispose(): Promise<void>;
}

/** Creates and starts a backend; rejects with a clear message when it cannot start. */
export type BackendFactory = (config: MachineConfig, host: BackendHost) => Promise<EngineBackend>;
