/**
 * The renderer's one client of the app API. Everything the UI does goes through `HangarClient`;
 * the transport (Electron preload bridge or the web shell's WebSocket) is chosen in
 * `connectClient`. Until the app API schema (src/shared/protocol/api) lands, this is the
 * contract the UI is written against.
 */
import type { DisplaySource, InputSink } from '../features/display/types.js';
import type { MachineConfig, MachineSummary, MediaItem, OsChoice, SnapshotRow } from './models.js';

/** A result across the process boundary (DESIGN.md): a value or an error with class and text. */
export type ApiResult<T> = { ok: true; value: T } | { ok: false; error: { class: string; desc: string } };

/** What the UI needs from the app core. */
export interface HangarClient {
  listMachines(): Promise<ApiResult<MachineSummary[]>>;
  /** Calls `listener` whenever a machine's state, config or thumbnail changes. */
  onMachinesChanged(listener: (machines: MachineSummary[]) => void): () => void;
  listMedia(): Promise<ApiResult<MediaItem[]>>;
  listOsChoices(): Promise<ApiResult<OsChoice[]>>;
  engines(): Promise<ApiResult<{ qemuAvailable: boolean }>>;
  createMachine(config: MachineConfig, diskMiB: number, onProgress: (fraction: number) => void): Promise<ApiResult<{ id: string }>>;
  updateMachine(id: string, config: MachineConfig): Promise<ApiResult<{ needsPowerCycle: boolean }>>;
  deleteMachine(id: string, options: { deleteDisks: boolean }): Promise<ApiResult<{ removed: string[] }>>;
  start(id: string): Promise<ApiResult<void>>;
  /** Runs an engine command (QMP name and arguments) on a running machine. */
  execute(id: string, command: string, args?: Record<string, unknown>): Promise<ApiResult<unknown>>;
  listSnapshots(id: string): Promise<ApiResult<{ rows: SnapshotRow[]; currentId: string | null }>>;
  /** The display channel of a running machine: messages in, input out. */
  openDisplay(id: string): Promise<ApiResult<{ source: DisplaySource; sink: InputSink; close(): void }>>;
}

/** A client that answers every call with a clear "not connected" error (before the app API exists). */
export function disconnectedClient(reason: string): HangarClient {
  const fail = async <T,>(): Promise<ApiResult<T>> => ({ ok: false, error: { class: 'GenericError', desc: reason } });
  return {
    listMachines: fail,
    onMachinesChanged: () => () => undefined,
    listMedia: fail,
    listOsChoices: fail,
    engines: fail,
    createMachine: fail,
    updateMachine: fail,
    deleteMachine: fail,
    start: fail,
    execute: fail,
    listSnapshots: fail,
    openDisplay: fail,
  };
}

/** Connects to the app core through whatever shell hosts the page. */
export function connectClient(): HangarClient {
  return disconnectedClient('The app API is not connected yet: start Hangar with `npm start` or `hangar gui`.');
}
