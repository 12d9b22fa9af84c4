/**
 * Maps app-API values (src/shared/protocol/api) to the renderer's models and back. Pure
 * functions, so they are unit tested without a browser.
 */
import type { ApiArgs } from '../../shared/protocol/api/index.js';
import type { BootDevice, DetectedOs, DriveConfig, EngineKind, MachineConfig, MachineState, MachineSummary, MediaItem, OsChoice, SnapshotRow } from './models.js';

const MIB = 1024 * 1024;
const machineStates: readonly MachineState[] = ['stopped', 'starting', 'running', 'paused', 'shutdown', 'crashed', 'stopping'];

/** Loose record access for API values declared `allowUnknown` / `any`. */
type Loose = Record<string, unknown>;
const text = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);
const number = (value: unknown): number | undefined => (typeof value === 'number' && Number.isFinite(value) ? value : undefined);

/** The library's media kind → the renderer's. */
export function mediaKind(kind: unknown): MediaItem['kind'] {
  return kind === 'iso' || kind === 'cdrom' ? 'cdrom' : kind === 'floppy' ? 'floppy' : 'disk';
}

/** A media row of `media.list`. */
export function toMediaItem(raw: unknown): MediaItem {
  const row = raw as Loose;
  const osId = text(row.osId);
  const osName = text(row.osName);
  const label = text(row.volumeLabel);
  return {
    id: String(row.id),
    path: String(row.path),
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

/** A machine of `machines.list` / `machines.get`, with drive paths resolved from the media list. */
export function toMachineSummary(raw: unknown, media: readonly MediaItem[], preferences: MachineUiPreferences = {}): MachineSummary {
  const row = raw as Loose;
  const drives: DriveConfig[] = [];
  for (const disk of Array.isArray(row.disks) ? (row.disks as Loose[]) : []) {
    drives.push({ id: String(disk.id), kind: 'disk', path: String(disk.path), sizeMiB: Math.round((number(disk.sizeBytes) ?? 0) / MIB) });
  }
  const slots = (row.drives ?? {}) as Loose;
  for (const [slot, kind] of [['cd0', 'cdrom'], ['fd0', 'floppy']] as const) {
    const mediaId = text(slots[slot]);
    const item = mediaId ? media.find((m) => m.id === mediaId) : undefined;
    drives.push({ id: slot, kind, ...(mediaId ? { mediaId } : {}), ...(item ? { path: item.path, present: item.present } : mediaId ? { path: `(medium ${mediaId})`, present: false } : {}) });
  }
  const state = machineStates.includes(row.state as MachineState) ? (row.state as MachineState) : 'stopped';
  const display = text(row.displayDevice);
  const reason = text(row.reason);
  return {
    id: String(row.id),
    state,
    ...(reason ? { reason } : {}),
    currentSnapshotId: text(row.currentSnapshotId) ?? null,
    config: {
      name: String(row.name),
      osId: String(row.osId ?? 'other'),
      engine: row.engine === 'qemu' ? 'qemu' : 'v86',
      memoryMiB: number(row.memoryMib) ?? 0,
      cpus: number(row.cpus) ?? 1,
      bootOrder: (Array.isArray(row.bootOrder) ? row.bootOrder : ['disk']) as BootDevice[],
      forceTcg: row.forceTcg === true,
      speedLimitMips: number(row.speedLimitMips) ?? 0,
      displayDevice: display === 'virtio' || display === 'vmware' || display === 'cirrus' ? display : 'std',
      scaling: preferences.scaling ?? 'fit',
      drives,
      serial: row.serialEnabled === true ? 'console' : 'off',
      clipboard: (text(row.clipboardMode) as MachineConfig['clipboard'] | undefined) ?? 'off',
    },
  };
}

/** The `machines.update` patch that turns `before` into `after` (only changed machine fields). */
export function toMachinePatch(before: MachineConfig, after: MachineConfig): ApiArgs<'machines.update'>['patch'] {
  const patch: Record<string, unknown> = {};
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
  return patch as ApiArgs<'machines.update'>['patch'];
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
export function toOsChoice(raw: unknown): OsChoice {
  const os = raw as Loose;
  const memory = (os.memory ?? {}) as Loose;
  const disk = (os.disk ?? {}) as Loose;
  const bits = osBits(os);
  return {
    id: String(os.id),
    name: String(os.name ?? os.id),
    ...(bits ? { bits } : {}),
    ...(text(os.family) ? { family: text(os.family) as string } : {}),
    recommendedMemoryMiB: number(memory.recommendedMib) ?? 512,
    recommendedDiskMiB: Math.round((number(disk.recommendedBytes) ?? 0) / MIB),
  };
}

/** The answer of `os.detect`: what was found and the proposed machine. */
export function toDetectedOs(raw: unknown): DetectedOs {
  const value = raw as { detection?: Loose; proposal?: Loose };
  const detection = value.detection ?? {};
  const proposal = value.proposal ?? {};
  const machine = (proposal.machine ?? {}) as Loose;
  const bits = osBits(detection);
  return {
    osId: String(detection.id ?? 'other'),
    name: String(detection.name ?? 'Other'),
    ...(bits ? { bits } : {}),
    engine: (machine.engine === 'qemu' ? 'qemu' : 'v86') as EngineKind,
    memoryMiB: number(machine.memoryMib) ?? 128,
    cpus: number(machine.cpus) ?? 1,
    diskMiB: Math.round((number(proposal.diskBytes) ?? 0) / MIB),
    notes: Array.isArray(proposal.notes) ? proposal.notes.map(String) : [],
  };
}

/** A row of `snapshots.list` (inspection details merged later). */
export function toSnapshotRow(raw: unknown): SnapshotRow {
  const row = raw as Loose;
  const created = row.createdAt;
  const createdAt = typeof created === 'number' ? created : Date.parse(String(created ?? '')) || 0;
  const engine = text(row.engine);
  const sizeBytes = number(row.sizeBytes);
  return {
    id: String(row.id),
    parentId: text(row.parentId) ?? null,
    name: String(row.name ?? ''),
    description: String(row.description ?? ''),
    createdAt,
    loadable: row.loadable !== false,
    ...(text(row.reason) ? { problem: text(row.reason) as string } : {}),
    ...(engine ? { engine } : {}),
    ...(sizeBytes !== undefined ? { sizeBytes } : {}),
    hasThumbnail: row.hasThumbnail === true,
  };
}

/** Splits text into pieces of at most `size` characters, never splitting a surrogate pair. */
export function chunkText(value: string, size: number): string[] {
  const chars = Array.from(value);
  const out: string[] = [];
  for (let index = 0; index < chars.length; index += size) out.push(chars.slice(index, index + size).join(''));
  return out;
}
