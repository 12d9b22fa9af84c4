/**
 * Maps app-API values (src/shared/protocol/api) to the renderer's models and back. Pure
 * functions over the schema's types: the client checks every reply against the schema before
 * it gets here (client.ts), so only what the schema leaves open (`any` values, and the fields an
 * `allowUnknown` view carries beyond its listed ones) is checked field by field here.
 */
import { toShares, toSharesPatch } from './share-mapping.js';
import type { ApiArgs } from '../../shared/protocol/api/index.js';
import type { ApiValue } from '../../shared/protocol/api/client.js';
import { bootDevices, clipboardModes, displayDevices, isOneOf } from '../../shared/protocol/enums.js';
import type { BootDevice, DetectedOs, DriveConfig, MachineConfig, MachineSummary, MediaItem, NetworkConfig, NetworkStatus, OsChoice, PortForward, SnapshotRow } from './models.js';

const MIB = 1024 * 1024;

const text = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);
const number = (value: unknown): number | undefined => (typeof value === 'number' && Number.isFinite(value) ? value : undefined);

/** Field `key` of `value` when it is an object that has it; else undefined (for values the schema types as `any`). */
export function member(value: unknown, key: string): unknown {
  if (typeof value !== 'object' || value === null || !Object.hasOwn(value, key)) return undefined;
  return Object.getOwnPropertyDescriptor(value, key)?.value;
}

/** Fields `K` a view may carry beyond its schema's (the view allows unknown fields): present or not, of any type until checked. */
type Unlisted<K extends string> = { readonly [Key in K]?: unknown };

/** A media row as `media.list` / `media.add` answer it, with the library's fields the schema does not list. */
export type MediaRow = ApiValue<'media.list'>[number] & Unlisted<'sizeBytes' | 'present' | 'osId' | 'osName' | 'volumeLabel'>;

/** A machine as `machines.list` / `machines.get` answer it, with the stored configuration the schema does not list. */
export type MachineRow = ApiValue<'machines.get'> & Unlisted<'disks' | 'bootOrder' | 'forceTcg' | 'speedLimitMips' | 'displayDevice' | 'serialEnabled' | 'clipboardMode'>;

/** A snapshot as `snapshots.list` answers it. */
export type SnapshotListRow = ApiValue<'snapshots.list'>['snapshots'][number];

/** An entry of `os.list`, with osinfo's architecture the schema does not list. */
export type OsRow = ApiValue<'os.list'>[number] & Unlisted<'arch'>;

/** The library's media kind → the renderer's. */
export function mediaKind(kind: unknown): MediaItem['kind'] {
  return kind === 'iso' || kind === 'cdrom' ? 'cdrom' : kind === 'floppy' ? 'floppy' : 'disk';
}

/** A media row of `media.list`. */
export function toMediaItem(row: MediaRow): MediaItem {
  const osId = text(row.osId);
  const osName = text(row.osName);
  const label = text(row.volumeLabel);
  return {
    id: row.id,
    path: row.path,
    kind: mediaKind(row.kind),
    sizeBytes: number(row.sizeBytes) ?? 0,
    present: row.present !== false,
    ...(osId && osId !== 'other' ? { osId } : {}),
    ...(osName ? { osName } : {}),
    ...(label ? { label } : {}),
  };
}

/** Per-machine UI preferences kept in app settings (not part of the machine row). */
export interface MachineUiPreferences {
  readonly scaling?: MachineConfig['scaling'];
}

/** The per-machine UI preferences stored in the setting `ui.machine.<id>` (anything else: none). */
export function toUiPreferences(value: unknown): MachineUiPreferences {
  const scaling = member(value, 'scaling');
  return scaling === 'fit' || scaling === 'native' || scaling === 'integer' ? { scaling } : {};
}

/**
 * The answer of the engine's `query-clipboard` (through vm.execute): whether the agent channel is
 * plugged in (`channel`), whether an agent in the guest has answered on it (`connected`: only
 * this means a shared clipboard works), and the guest's last text.
 */
export function toClipboardAgent(value: unknown): { channel: boolean; connected: boolean; text?: string } {
  const channel = member(value, 'enabled') === true && member(value, 'attached') === true;
  const connected = channel && member(value, 'connected') === true;
  const agentText = text(member(value, 'text'));
  return { channel, connected, ...(agentText !== undefined ? { text: agentText } : {}) };
}

/** The answer of the engine's `query-screen-text` (through vm.execute). */
export function toScreenText(value: unknown): { mode: 'text' | 'graphics' | 'off'; lines: string[] } {
  const mode = member(value, 'mode');
  const lines = member(value, 'lines');
  return { mode: mode === 'text' ? 'text' : mode === 'graphics' ? 'graphics' : 'off', lines: Array.isArray(lines) ? lines.map(String) : [] };
}

const isBootDevice = (value: unknown): value is BootDevice => isOneOf(bootDevices, value);

/** A machine of `machines.list` / `machines.get`, with drive paths resolved from the media list. */
export function toMachineSummary(row: MachineRow, media: readonly MediaItem[], preferences: MachineUiPreferences = {}): MachineSummary {
  const drives: DriveConfig[] = [];
  for (const disk of Array.isArray(row.disks) ? row.disks : []) {
    drives.push({ id: String(member(disk, 'id')), kind: 'disk', path: String(member(disk, 'path')), sizeMiB: Math.round((number(member(disk, 'sizeBytes')) ?? 0) / MIB) });
  }
  for (const [slot, kind] of [['cd0', 'cdrom'], ['fd0', 'floppy']] as const) {
    const mediaId = text(row.drives?.[slot]);
    const item = mediaId ? media.find((m) => m.id === mediaId) : undefined;
    drives.push({ id: slot, kind, ...(mediaId ? { mediaId } : {}), ...(item ? { path: item.path, present: item.present } : mediaId ? { path: `(medium ${mediaId})`, present: false } : {}) });
  }
  return {
    id: row.id,
    state: row.state,
    ...(row.reason ? { reason: row.reason } : {}),
    currentSnapshotId: text(row.currentSnapshotId) ?? null,
    // The medium's own release name ("Debian 12") when the OS database only knows an older one.
    ...(text(row.osName) ? { osName: text(row.osName) } : {}),
    config: {
      name: row.name,
      osId: row.osId,
      engine: row.engine,
      memoryMiB: row.memoryMib,
      cpus: row.cpus,
      bootOrder: Array.isArray(row.bootOrder) ? row.bootOrder.filter(isBootDevice) : ['disk'],
      forceTcg: row.forceTcg === true,
      speedLimitMips: number(row.speedLimitMips) ?? 0,
      displayDevice: isOneOf(displayDevices, row.displayDevice) ? row.displayDevice : 'std',
      scaling: preferences.scaling ?? 'fit',
      drives,
      serial: row.serialEnabled === true ? 'console' : 'off',
      clipboard: isOneOf(clipboardModes, row.clipboardMode) ? row.clipboardMode : 'off',
      network: toNetworkConfig(row.network),
      shares: toShares(row.shares),
    },
  };
}

/** A forward of the API with its defaults filled in. */
function toPortForward(forward: { protocol?: 'tcp' | 'udp'; hostAddress?: string; hostPort: number; guestPort: number; name?: string }): PortForward {
  return { protocol: forward.protocol ?? 'tcp', hostAddress: forward.hostAddress ?? '127.0.0.1', hostPort: forward.hostPort, guestPort: forward.guestPort, ...(forward.name !== undefined ? { name: forward.name } : {}) };
}

/** The machine view's stored network; a core older than networking (no `network`) shows no card. */
export function toNetworkConfig(network: MachineRow['network']): NetworkConfig {
  if (!network) return { mode: 'none', model: 'auto', mac: '', connected: true, forwards: [] };
  return { mode: network.mode, model: network.model, mac: network.mac, connected: network.connected, forwards: network.forwards.map(toPortForward) };
}

/** The answer of `vm.network`. */
export function toNetworkStatus(value: ApiValue<'vm.network'>): NetworkStatus {
  return {
    mode: value.mode,
    model: value.model,
    mac: value.mac,
    connected: value.connected,
    running: value.running,
    available: value.available,
    ...(value.reason !== undefined ? { reason: value.reason } : {}),
    forwards: value.forwards.map((forward) => ({ ...toPortForward(forward), status: forward.status, ...(forward.error !== undefined ? { error: forward.error } : {}) })),
    ...(value.rxFrames !== undefined ? { rxFrames: value.rxFrames } : {}),
    ...(value.txFrames !== undefined ? { txFrames: value.txFrames } : {}),
  };
}

/** The `network` of a machines.update patch: only the changed parts (forwards as a whole list); undefined when nothing changed. */
export function toNetworkPatch(before: NetworkConfig, after: NetworkConfig): NonNullable<ApiArgs<'machines.update'>['patch']['network']> | undefined {
  const patch: NonNullable<ApiArgs<'machines.update'>['patch']['network']> = {};
  if (after.mode !== before.mode) patch.mode = after.mode;
  if (after.model !== before.model) patch.model = after.model;
  if (after.mac !== before.mac) patch.mac = after.mac.toLowerCase();
  if (after.connected !== before.connected) patch.connected = after.connected;
  if (JSON.stringify(after.forwards) !== JSON.stringify(before.forwards)) patch.forwards = after.forwards.map((forward) => ({ ...forward }));
  return Object.keys(patch).length > 0 ? patch : undefined;
}

/** The `machines.update` patch that turns `before` into `after` (only changed machine fields). */
export function toMachinePatch(before: MachineConfig, after: MachineConfig): ApiArgs<'machines.update'>['patch'] {
  const patch: ApiArgs<'machines.update'>['patch'] = {};
  if (after.name !== before.name) patch.name = after.name.trim();
  if (after.osId !== before.osId) patch.osId = after.osId;
  if (after.engine !== before.engine) patch.engine = after.engine;
  if (after.memoryMiB !== before.memoryMiB) patch.memoryMib = after.memoryMiB;
  if (after.cpus !== before.cpus) patch.cpus = after.cpus;
  if (after.bootOrder.join() !== before.bootOrder.join()) patch.bootOrder = [...after.bootOrder];
  if (after.forceTcg !== before.forceTcg) patch.forceTcg = after.forceTcg;
  if (after.speedLimitMips !== before.speedLimitMips) patch.speedLimitMips = after.speedLimitMips;
  if (after.displayDevice !== before.displayDevice) patch.displayDevice = after.displayDevice;
  if (after.serial !== before.serial) patch.serialEnabled = after.serial === 'console';
  if (after.clipboard !== before.clipboard) patch.clipboardMode = after.clipboard;
  const network = toNetworkPatch(before.network, after.network);
  if (network) patch.network = network;
  const shares = toSharesPatch(before.shares, after.shares);
  if (shares) patch.shares = shares;
  return patch;
}

/** Bits of an OS from what osinfo tells (arch, family, id); undefined when unknown. */
export function osBits(os: { id?: unknown; family?: unknown; arch?: unknown }): 16 | 32 | 64 | undefined {
  const arch = text(os.arch);
  if (arch === 'x86_64' || arch === 'aarch64') return 64;
  if (arch && /^i[3-6]86$/u.test(arch)) return 32;
  const family = text(os.family) ?? '';
  const id = text(os.id) ?? '';
  if (family === 'msdos' || /msdos|freedos|\/dos\//u.test(id)) return 16;
  return undefined;
}

/** An entry of `os.list`. */
export function toOsChoice(os: OsRow): OsChoice {
  const bits = osBits(os);
  const arch = text(os.arch);
  return {
    id: os.id,
    name: os.name,
    ...(bits ? { bits } : {}),
    ...(arch ? { arch } : {}),
    ...(os.family ? { family: os.family } : {}),
    ...(os.memory.minimumMib > 0 ? { minimumMemoryMiB: os.memory.minimumMib } : {}),
    recommendedMemoryMiB: os.memory.recommendedMib,
    recommendedDiskMiB: Math.round(os.disk.recommendedBytes / MIB),
  };
}

/** The answer of `os.detect`: what was found (osinfo's entry) and the proposed machine; both are `any` in the schema. */
export function toDetectedOs({ detection, proposal }: ApiValue<'os.detect'>): DetectedOs {
  const machine = member(proposal, 'machine');
  const notes = member(proposal, 'notes');
  const bits = osBits({ id: member(detection, 'id'), family: member(detection, 'family'), arch: member(detection, 'arch') });
  const arch = text(member(detection, 'arch'));
  const archEvidence = text(member(member(detection, 'archSource'), 'evidence'));
  const family = text(member(detection, 'family'));
  const closestKnown = text(member(member(detection, 'closestKnown'), 'name'));
  const memory = member(detection, 'memory');
  const minimumMemoryMiB = number(member(memory, 'minimumMib'));
  const recommendedMemoryMiB = number(member(memory, 'recommendedMib'));
  const bootProblem = text(member(detection, 'bootProblem'));
  return {
    osId: String(member(detection, 'id') ?? 'other'),
    name: String(member(detection, 'name') ?? 'Other'),
    ...(bits ? { bits } : {}),
    ...(arch ? { arch } : {}),
    ...(archEvidence ? { archEvidence } : {}),
    ...(family ? { family } : {}),
    ...(closestKnown ? { closestKnown } : {}),
    ...(minimumMemoryMiB !== undefined ? { minimumMemoryMiB } : {}),
    ...(recommendedMemoryMiB !== undefined ? { recommendedMemoryMiB } : {}),
    ...(bootProblem ? { bootProblem } : {}),
    engine: member(machine, 'engine') === 'qemu' ? 'qemu' : 'v86',
    memoryMiB: number(member(machine, 'memoryMib')) ?? 128,
    cpus: number(member(machine, 'cpus')) ?? 1,
    diskMiB: Math.round((number(member(proposal, 'diskBytes')) ?? 0) / MIB),
    notes: Array.isArray(notes) ? notes.map(String) : [],
  };
}

/** A row of `snapshots.list` (whether it loads is learnt later, from `snapshots.inspect`). */
export function toSnapshotRow(row: SnapshotListRow): SnapshotRow {
  return {
    id: row.id,
    parentId: text(row.parentId) ?? null,
    name: row.name,
    description: row.description,
    createdAt: Date.parse(row.createdAt) || 0,
    loadable: true,
    engine: row.engine,
    ...(row.sizeBytes !== undefined ? { sizeBytes: row.sizeBytes } : {}),
    hasThumbnail: row.hasThumbnail,
  };
}

/** Splits text into pieces of at most `size` characters, never splitting a surrogate pair. */
export function chunkText(value: string, size: number): string[] {
  const chars = Array.from(value);
  const out: string[] = [];
  for (let index = 0; index < chars.length; index += size) out.push(chars.slice(index, index + size).join(''));
  return out;
}
