/**
 * The renderer's one client of the app API. Everything the UI does goes through `HangarClient`;
 * the transport (Electron preload bridge or the web shell's WebSocket) is chosen in
 * `connectClient`. Wire shapes are mapped to the renderer's models in api-mapping.ts.
 */
import type { MachineViewValue } from '../../shared/protocol/api/index.js';
import type { ApiClient } from '../../shared/protocol/api/client.js';
import { validateApiEvent, validateApiReply } from '../../shared/protocol/api/client.js';
import { chunkText, toClipboardAgent, toDetectedOs, toMachinePatch, toMachineSummary, toMediaItem, toNetworkStatus, toOsChoice, toScreenText, toSnapshotRow, toUiPreferences } from './api-mapping.js';
import type { MachineUiPreferences } from './api-mapping.js';
import type { CreateMachineRequest, DetectedOs, DriveSlot, MachineConfig, WatchedFolder, MachineSummary, MediaItem, NetworkStatus, OsChoice, PortForward, Progress, SnapshotRow } from './models.js';
import type { ApiResult, ApiTransport, ConnectionState, DisplayChannel } from './transport.js';
import { fromBase64 } from './base64.js';
import { toSharesStatus } from './share-mapping.js';
import type { SharesStatus } from '../features/settings/shared-folders-model.js';
import { BridgeTransport } from './bridge-transport.js';
import { WebSocketTransport } from './ws-transport.js';

export type { ApiResult } from './transport.js';
export type { CreateMachineRequest } from './models.js';

/** Options of paste-as-typing. */
export interface TypeTextOptions {
  readonly onProgress?: (typed: number, total: number) => void;
  /** Aborting stops after the piece being typed. */
  readonly signal?: AbortSignal;
}

/** The screen's text as the engine reads it (text mode only). */
export interface ScreenText {
  readonly mode: 'text' | 'graphics' | 'off';
  readonly lines: readonly string[];
}

/** A snapshot's details from `snapshots.inspect`. */
export interface SnapshotDetails {
  readonly loadable: boolean;
  readonly reason?: string;
  /** Everything else the core says (sections, sizes, engine), shown as key/value rows. */
  readonly facts: Readonly<Record<string, unknown>>;
}

/** The machine actions of `power` (each an API call `vm.<action>`). */
export type PowerAction = 'start' | 'pause' | 'resume' | 'reset' | 'powerdown' | 'poweroff';

/** What the UI needs from the app core. */
export interface HangarClient {
  /** Calls `listener` now and when the connection to the core changes. */
  onConnection(listener: (state: ConnectionState, reason?: string) => void): () => void;
  listMachines(): Promise<ApiResult<MachineSummary[]>>;
  getMachine(id: string): Promise<ApiResult<MachineSummary>>;
  /** Calls `listener` when a machine's state or the library changes (after a short debounce). */
  onLibraryChanged(listener: () => void): () => void;
  /** Calls `listener` with each MACHINE_STATE event. */
  onMachineState(listener: (id: string, state: MachineSummary['state'], reason?: string) => void): () => void;
  /** Calls `listener` with each PROGRESS event. */
  onProgress(listener: (progress: Progress) => void): () => void;
  listMedia(): Promise<ApiResult<MediaItem[]>>;
  addMedia(path: string): Promise<ApiResult<MediaItem>>;
  /** Removes a medium from the library (the file stays). */
  removeMedia(id: string): Promise<ApiResult<unknown>>;
  /** Watched media folders. */
  listFolders(): Promise<ApiResult<WatchedFolder[]>>;
  addFolder(path: string): Promise<ApiResult<unknown>>;
  removeFolder(path: string): Promise<ApiResult<unknown>>;
  detectOs(path: string): Promise<ApiResult<DetectedOs>>;
  listOsChoices(): Promise<ApiResult<OsChoice[]>>;
  engines(): Promise<ApiResult<{ qemuAvailable: boolean }>>;
  createMachine(request: CreateMachineRequest): Promise<ApiResult<MachineSummary>>;
  updateMachine(id: string, before: MachineConfig, after: MachineConfig): Promise<ApiResult<MachineSummary>>;
  deleteMachine(id: string, options: { keepFiles: boolean }): Promise<ApiResult<{ id: string }>>;
  /** Runs a machine action (vm.start, vm.pause, …). */
  power(id: string, action: PowerAction): Promise<ApiResult<unknown>>;
  eject(id: string, slot: DriveSlot): Promise<ApiResult<unknown>>;
  insert(id: string, slot: DriveSlot, path: string): Promise<ApiResult<unknown>>;
  sendKeys(id: string, keys: readonly string[]): Promise<ApiResult<unknown>>;
  /** Caps a machine's speed (0: no limit): stored, and applied at once when it runs. */
  speedLimit(id: string, mips: number): Promise<ApiResult<unknown>>;
  /** The clipboard agent's state (query-clipboard): whether it is there and the guest's last copied text. */
  clipboardAgent(id: string): Promise<ApiResult<{ channel: boolean; connected: boolean; text?: string }>>;
  /** Offers text to the guest's clipboard through the agent. */
  setGuestClipboard(id: string, text: string): Promise<ApiResult<unknown>>;
  /** This host's KVM state for QEMU (qemu.host): /dev/kvm usable, and a remembered KVM failure. */
  qemuHost(): Promise<ApiResult<{ qemuInstalled: boolean; kvmDevice: boolean; kvmUnusable?: { reason: string; at: string } }>>;
  /** "Try KVM again" (qemu.recheck): forgets a remembered KVM failure and probes afresh. */
  recheckKvm(): Promise<ApiResult<{ accelerator: 'kvm' | 'tcg'; reason?: string }>>;
  /** Types text as keystrokes in pieces, reporting progress; cancellable. Resolves with what was typed. */
  typeText(id: string, text: string, options?: TypeTextOptions): Promise<ApiResult<{ typed: number; cancelled: boolean }>>;
  screenText(id: string): Promise<ApiResult<ScreenText>>;
  /** A PNG of the screen, base64. */
  screenshot(id: string): Promise<ApiResult<string>>;
  /** A PNG data URL of the screen, small. */
  thumbnail(id: string, maxWidth: number): Promise<ApiResult<string>>;
  /** Runs an engine command (QMP name and arguments) on a running machine. */
  execute(id: string, command: string, args?: Record<string, unknown>): Promise<ApiResult<unknown>>;
  listSnapshots(id: string): Promise<ApiResult<{ rows: SnapshotRow[]; currentId: string | null }>>;
  takeSnapshot(id: string, name: string, description: string): Promise<ApiResult<unknown>>;
  restoreSnapshot(id: string, snapshotId: string): Promise<ApiResult<unknown>>;
  deleteSnapshot(id: string, snapshotId: string): Promise<ApiResult<unknown>>;
  inspectSnapshot(id: string, snapshotId: string): Promise<ApiResult<SnapshotDetails>>;
  snapshotThumbnail(id: string, snapshotId: string): Promise<ApiResult<string>>;
  /** An app setting's value (undefined when unset or unreadable). */
  getSetting(key: string): Promise<unknown>;
  /** An app setting's value (null when unset), or the API's error. */
  readSetting(key: string): Promise<ApiResult<unknown>>;
  setSetting(key: string, value: unknown): Promise<ApiResult<unknown>>;
  /** Per-machine UI preferences (default scaling). */
  preferences(id: string): Promise<MachineUiPreferences>;
  setPreferences(id: string, preferences: MachineUiPreferences): Promise<ApiResult<unknown>>;
  /** The display channel of a running machine: messages in, input out. */
  openDisplay(id: string): DisplayChannel;
  /** Puts a medium (file path or media id) in a machine's CD or floppy drive, or empties it (null); stopped or running. */
  setDrive(id: string, slot: DriveSlot, path: string | null): Promise<ApiResult<MachineSummary>>;
  /** What the machine's serial port COM1 wrote recently (since its engine started). */
  serialBacklog(id: string): Promise<ApiResult<Uint8Array>>;
  /** Sends text (UTF-8) to a running machine's serial port COM1. */
  serialWrite(id: string, text: string): Promise<ApiResult<{ written: number }>>;
  /** Calls `listener` with each SERIAL_OUTPUT event (bytes the guest wrote to COM1); returns the unsubscribe function. */
  onSerialOutput(listener: (id: string, bytes: Uint8Array) => void): () => void;
  /** The machine's network (`vm.network`): stored settings, and the engine's view (forward status, cable, frame counters) while it runs. */
  network(id: string): Promise<ApiResult<NetworkStatus>>;
  /** Adds a port forward: stored, and live in a running engine (a busy host port is refused and nothing is stored). */
  addForward(id: string, forward: PortForward): Promise<ApiResult<unknown>>;
  /** Removes the forward on the same protocol, host address and port: stored and live. */
  removeForward(id: string, forward: Pick<PortForward, 'protocol' | 'hostAddress' | 'hostPort'>): Promise<ApiResult<unknown>>;
  /** Connects or disconnects the network cable: stored, and live in a running engine. */
  setLink(id: string, up: boolean): Promise<ApiResult<unknown>>;
  /** The machine's shared folders (`vm.shares`): each one's tag, guest mount command and, while it runs, whether the engine serves it. */
  shares(id: string): Promise<ApiResult<SharesStatus>>;
  /** Any API call, typed by the call (for features with their own call modules, e.g. send files). */
  readonly call: ApiClient['call'];
}


/** Characters typed per `vm.type-text` call: small enough for smooth progress and quick cancel. */
export const TYPE_CHUNK = 24;
/** Snapshot jobs and disk creation can take long on a loaded machine. */
const LONG_CALL_MS = 180_000;

const map = <T, U>(result: ApiResult<T>, transform: (value: T) => U): ApiResult<U> => (result.ok ? { ok: true, value: transform(result.value) } : result);
const pngUrl = (value: { png: string }): string => `data:image/png;base64,${value.png}`;
const preferenceKey = (id: string): string => `ui.machine.${id}`;

/** The machine actions `power` runs, by API call. */
const powerCalls: Record<PowerAction, 'vm.start' | 'vm.pause' | 'vm.resume' | 'vm.reset' | 'vm.powerdown' | 'vm.poweroff'> = {
  start: 'vm.start',
  pause: 'vm.pause',
  resume: 'vm.resume',
  reset: 'vm.reset',
  powerdown: 'vm.powerdown',
  poweroff: 'vm.poweroff',
};

/**
 * The typed API client on `transport`: every reply and event is checked against the API schema
 * (that check is what gives them their types); a reply that breaks it becomes a failure that
 * says so, an event that breaks it is dropped with a warning.
 */
export function typedClient(transport: ApiTransport): ApiClient {
  return {
    call: async (name, args, timeoutMs) => validateApiReply(name, await transport.call(name, args, timeoutMs)),
    subscribe: (listener) =>
      transport.onEvent((message) => {
        const checked = validateApiEvent(message);
        if (checked.ok) listener(checked.value);
        else console.warn(`Hangar: ignored an event that does not match the API: ${checked.issue.path} ${checked.issue.message}`);
      }),
  };
}

/** A client on `transport`. */
export function createApiClient(transport: ApiTransport): HangarClient {
  const api = typedClient(transport);
  const call = api.call;
  let media: MediaItem[] = [];
  const preferenceCache = new Map<string, MachineUiPreferences>();

  const refreshMedia = async (): Promise<ApiResult<MediaItem[]>> => {
    const result = map(await call('media.list', {}), (rows) => rows.map(toMediaItem));
    if (result.ok) media = result.value;
    return result;
  };
  const preferences = async (id: string): Promise<MachineUiPreferences> => {
    const cached = preferenceCache.get(id);
    if (cached) return cached;
    const result = await call('settings.get', { key: preferenceKey(id) });
    const value = result.ok ? toUiPreferences(result.value.value) : {};
    preferenceCache.set(id, value);
    return value;
  };
  const summary = async (row: MachineViewValue): Promise<MachineSummary> => toMachineSummary(row, media, await preferences(row.id));

  return {
    onConnection: (listener) => transport.onConnection(listener),
    async listMachines() {
      const rows = await call('machines.list', {});
      if (!rows.ok) return rows;
      await refreshMedia();
      return { ok: true, value: await Promise.all(rows.value.map(summary)) };
    },
    async getMachine(id) {
      const row = await call('machines.get', { id });
      if (!row.ok) return row;
      await refreshMedia();
      return { ok: true, value: await summary(row.value) };
    },
    onLibraryChanged(listener) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const poke = (): void => {
        clearTimeout(timer);
        timer = setTimeout(listener, 80);
      };
      const stops = [
        api.subscribe((event) => (event.event === 'LIBRARY_CHANGED' || event.event === 'MACHINE_STATE') && poke()),
        transport.onConnection((state) => state === 'open' && poke()),
      ];
      return () => {
        clearTimeout(timer);
        for (const stop of stops) stop();
      };
    },
    onMachineState: (listener) => api.subscribe((event) => event.event === 'MACHINE_STATE' && listener(event.data.id, event.data.state, event.data.reason)),
    onProgress: (listener) =>
      api.subscribe((event) => {
        if (event.event !== 'PROGRESS') return;
        const { machineId, operation, fraction, done, error } = event.data;
        listener({ ...(machineId !== undefined ? { machineId } : {}), operation, fraction, done, ...(error !== undefined ? { error } : {}) });
      }),
    listMedia: refreshMedia,
    addMedia: async (path) => map(await call('media.add', { path }), toMediaItem),
    removeMedia: (id) => call('media.remove', { id }),
    listFolders: async () => map(await call('folders.list', {}), (rows) => rows.map((row) => ({ path: row.path, isDefault: row.isDefault === true }))),
    addFolder: (path) => call('folders.add', { path }),
    removeFolder: (path) => call('folders.remove', { path }),
    detectOs: async (path) => map(await call('os.detect', { path }), toDetectedOs),
    listOsChoices: async () => map(await call('os.list', {}), (rows) => rows.map(toOsChoice).sort((a, b) => a.name.localeCompare(b.name))),
    engines: async () => map(await call('engines.query', {}), (value) => ({ qemuAvailable: value.qemuAvailable })),
    async createMachine({ config, diskMiB, cdromPath, floppyPath }) {
      const result = await call(
        'machines.create',
        {
          name: config.name.trim(),
          osId: config.osId || 'other',
          engine: config.engine,
          memoryMib: config.memoryMiB,
          cpus: config.cpus,
          bootOrder: [...config.bootOrder],
          displayDevice: config.displayDevice,
          clipboardMode: config.clipboard,
          ...(config.speedLimitMips > 0 ? { speedLimitMips: config.speedLimitMips } : {}),
          ...(config.engine === 'qemu' ? { forceTcg: config.forceTcg } : {}),
          serialEnabled: config.serial === 'console',
          ...(cdromPath ? { cdrom: cdromPath } : {}),
          ...(floppyPath ? { floppy: floppyPath } : {}),
          ...(diskMiB > 0 ? { diskMib: diskMiB } : {}),
          network: {
            mode: config.network.mode,
            model: config.network.model,
            connected: config.network.connected,
            forwards: config.network.forwards.map((forward) => ({ ...forward })),
            // Empty: the library generates one, unique in the library.
            ...(config.network.mac ? { mac: config.network.mac } : {}),
          },
          ...(config.shares.length > 0 ? { shares: config.shares.map((share) => ({ ...share })) } : {}),
        },
        LONG_CALL_MS,
      );
      if (!result.ok) return result;
      await refreshMedia();
      return { ok: true, value: await summary(result.value) };
    },
    async updateMachine(id, before, after) {
      if (after.scaling !== before.scaling) {
        const saved = await this.setPreferences(id, { ...(await preferences(id)), scaling: after.scaling });
        if (!saved.ok) return saved;
      }
      const patch = toMachinePatch(before, after);
      const result = Object.keys(patch).length > 0 ? await call('machines.update', { id, patch }) : await call('machines.get', { id });
      return result.ok ? { ok: true, value: await summary(result.value) } : result;
    },
    deleteMachine: (id, { keepFiles }) => call('machines.delete', { id, keepFiles }),
    power: (id, action) => call(powerCalls[action], { id }, action === 'start' ? 120_000 : undefined),
    eject: (id, slot) => call('vm.eject', { id, slot, force: true }),
    insert: (id, slot, path) => call('vm.insert', { id, slot, path }),
    sendKeys: (id, keys) => call('vm.send-keys', { id, keys: [...keys] }),
    speedLimit: (id, mips) => call('vm.speed-limit', { id, mips }),
    clipboardAgent: async (id) => map(await call('vm.execute', { id, command: 'query-clipboard' }), toClipboardAgent),
    setGuestClipboard: (id, text) => call('vm.execute', { id, command: 'clipboard-set', arguments: { text } }),
    qemuHost: async () =>
      map(await call('qemu.host', {}), (value) => ({ qemuInstalled: value.qemuPath !== undefined, kvmDevice: value.kvmDevice, ...(value.kvmUnusable ? { kvmUnusable: value.kvmUnusable } : {}) })),
    // The probe runs a guest under KVM and then TCG: up to ~30 s, longer on a loaded host.
    recheckKvm: async () => map(await call('qemu.recheck', {}, 90_000), (value) => ({ accelerator: value.accelerator, ...(value.reason !== undefined ? { reason: value.reason } : {}) })),
    async typeText(id, value, options = {}) {
      const pieces = chunkText(value, TYPE_CHUNK);
      const total = Array.from(value).length;
      let typed = 0;
      options.onProgress?.(0, total);
      for (const piece of pieces) {
        if (options.signal?.aborted) return { ok: true, value: { typed, cancelled: true } };
        const result = await call('vm.type-text', { id, text: piece }, 60_000);
        if (!result.ok) return result;
        typed += Array.from(piece).length;
        options.onProgress?.(typed, total);
      }
      return { ok: true, value: { typed, cancelled: false } };
    },
    screenText: async (id) => map(await call('vm.execute', { id, command: 'query-screen-text' }), toScreenText),
    screenshot: async (id) => map(await call('vm.screenshot', { id }), (value) => value.png),
    async thumbnail(id, maxWidth) {
      const result = await call('vm.thumbnail', { id, maxWidth });
      // Until vm.thumbnail exists, the full screenshot scaled by the <img> does the job.
      if (!result.ok && result.error.class === 'InvalidArgument' && result.error.desc.startsWith('Unknown command')) return map(await call('vm.screenshot', { id }), pngUrl);
      return map(result, pngUrl);
    },
    execute: (id, command, args) => call('vm.execute', { id, command, ...(args ? { arguments: args } : {}) }),
    listSnapshots: async (id) =>
      map(await call('snapshots.list', { id }), (value) => ({ rows: value.snapshots.map(toSnapshotRow), currentId: typeof value.currentId === 'string' ? value.currentId : null })),
    takeSnapshot: (id, name, description) => call('snapshots.take', { id, name, ...(description ? { description } : {}) }, LONG_CALL_MS),
    restoreSnapshot: (id, snapshotId) => call('snapshots.restore', { id, snapshotId }, LONG_CALL_MS),
    deleteSnapshot: (id, snapshotId) => call('snapshots.delete', { id, snapshotId }, LONG_CALL_MS),
    inspectSnapshot: async (id, snapshotId) =>
      map(await call('snapshots.inspect', { id, snapshotId }), ({ loadable, reason, ...facts }) => ({ loadable, ...(reason !== undefined ? { reason } : {}), facts })),
    snapshotThumbnail: async (id, snapshotId) => map(await call('snapshots.thumbnail', { id, snapshotId }), pngUrl),
    async getSetting(key) {
      const result = await call('settings.get', { key });
      return result.ok ? (result.value.value ?? undefined) : undefined;
    },
    readSetting: async (key) => map(await call('settings.get', { key }), (value) => value.value ?? null),
    setSetting: (key, value) => call('settings.set', { key, value }),
    preferences,
    async setPreferences(id, value) {
      preferenceCache.set(id, value);
      return call('settings.set', { key: preferenceKey(id), value });
    },
    openDisplay: (id) => transport.openDisplay(id),
    async setDrive(id, slot, path) {
      const result = await call('machines.set-drive', { id, slot, path });
      if (!result.ok) return result;
      await refreshMedia();
      return { ok: true, value: await summary(result.value) };
    },
    serialBacklog: async (id) => map(await call('vm.serial-backlog', { id }), (value) => fromBase64(value.data)),
    serialWrite: async (id, text) => map(await call('vm.serial-write', { id, data: text }), (value) => ({ written: value.written })),
    onSerialOutput: (listener) => api.subscribe((event) => event.event === 'SERIAL_OUTPUT' && listener(event.data.id, fromBase64(event.data.data))),
    network: async (id) => map(await call('vm.network', { id }), toNetworkStatus),
    addForward: (id, forward) =>
      call('vm.forward-add', { id, protocol: forward.protocol, hostAddress: forward.hostAddress, hostPort: forward.hostPort, guestPort: forward.guestPort, ...(forward.name ? { name: forward.name } : {}) }),
    removeForward: (id, forward) => call('vm.forward-remove', { id, protocol: forward.protocol, hostAddress: forward.hostAddress, hostPort: forward.hostPort }),
    setLink: (id, up) => call('vm.set-link', { id, up }),
    shares: async (id) => map(await call('vm.shares', { id }), toSharesStatus),
    call,
  };
}

/** A transport that answers every call with `reason` (no shell to talk to). */
export function failingTransport(reason: string): ApiTransport {
  const failure: ApiResult<never> = { ok: false, error: { class: 'Unavailable', desc: reason } };
  return {
    call: async () => failure,
    onEvent: () => () => undefined,
    onConnection: (listener) => (listener('closed', reason), () => undefined),
    openDisplay: () => ({ subscribe: () => () => undefined, send: () => undefined, onClose: (listener) => (listener(reason), () => undefined), close: () => undefined }),
    dispose: () => undefined,
  };
}

/** Connects to the app core through whatever shell hosts the page: Electron's bridge, else the web shell's WebSocket. */
export function connectClient(): HangarClient {
  if (window.hangar) return createApiClient(new BridgeTransport(window.hangar));
  if (typeof WebSocket === 'undefined' || !/^https?:$/u.test(window.location.protocol)) {
    return createApiClient(failingTransport('The app API is not connected: start Hangar with `npm start` or `hangar gui`.'));
  }
  return createApiClient(new WebSocketTransport());
}
