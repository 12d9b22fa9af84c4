/**
 * Validation of machine configuration, per engine. Every error names the field, the rule and
 * the allowed values, so the settings editor can show it next to the field.
 */
import { unknownOsMemoryMib } from '../shared/guest-os.js';
import { checkName } from '../shared/names.js';
import { checkNetworkSettings, randomMacAddress } from '../shared/network-settings.js';
import { checkShareSettings } from '../shared/share-settings.js';
import { invalid } from './errors.js';
import { builtinOsInfo } from './osinfo.js';
import {
  bootDevices,
  clipboardModes,
  diskBuses,
  diskFormats,
  engineIds,
  type DiskInput,
  type EngineId,
  type MachineConfig,
  type MachineInput,
} from './types.js';

/** Hardware limits of each engine. */
export interface EngineLimits {
  memoryMib: { min: number; max: number };
  cpus: { min: number; max: number };
  displayDevices: readonly MachineConfig['displayDevice'][];
  /** Largest guest word size. */
  bits: 32 | 64;
}

export const engineLimits: Record<EngineId, EngineLimits> = {
  v86: { memoryMib: { min: 8, max: 2048 }, cpus: { min: 1, max: 1 }, displayDevices: ['std'], bits: 32 },
  qemu: { memoryMib: { min: 16, max: 65536 }, cpus: { min: 1, max: 64 }, displayDevices: ['std', 'virtio', 'vmware', 'cirrus'], bits: 64 },
};

/** Configuration defaults for fields a MachineInput leaves out. */
export function defaultConfig(input: Pick<MachineInput, 'name' | 'osId' | 'engine'>): MachineConfig {
  return {
    name: input.name,
    osId: input.osId,
    osName: null,
    engine: input.engine,
    // 128 MiB made a current Linux kernel panic: Hangar's own OSes get their recommendation, others 512 MiB.
    memoryMib: input.engine === 'v86' ? (builtinOsInfo(input.osId)?.memory.recommendedMib ?? unknownOsMemoryMib) : 1024,
    cpus: 1,
    bootOrder: ['cdrom', 'disk', 'floppy'],
    displayDevice: 'std',
    clipboardMode: 'off',
    speedLimitMips: null,
    forceTcg: false,
    serialEnabled: false,
    notes: '',
    network: { mode: 'nat', model: 'auto', mac: randomMacAddress(), connected: true, forwards: [] },
    shares: [],
  };
}

function oneOf<T extends string>(field: string, value: unknown, allowed: readonly T[]): T {
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    throw invalid(field, `${JSON.stringify(value)} is not one of ${allowed.join(', ')}.`);
  }
  return value as T;
}

function integerIn(field: string, value: unknown, min: number, max: number, unit = ''): number {
  if (typeof value !== 'number' || !Number.isInteger(value)) throw invalid(field, `must be a whole number, got ${JSON.stringify(value)}.`);
  if (value < min || value > max) throw invalid(field, `${value}${unit} is out of range; allowed ${min}–${max}${unit}.`);
  return value;
}

/** Trims and checks a machine name with the rule the CLI, API and UI share (src/shared/names.ts). */
export function validateName(name: unknown): string {
  const checked = checkName(name, 'machine');
  if (!checked.ok) throw invalid('name', checked.error);
  return checked.value;
}

/** Trims and checks a snapshot name with the shared rule. */
export function validateSnapshotName(name: unknown): string {
  const checked = checkName(name, 'snapshot');
  if (!checked.ok) throw invalid('snapshot.name', checked.error);
  return checked.value;
}

/**
 * Checks a complete configuration against the engine's limits. `isKnownOs` answers whether an
 * OS id exists (osinfo or Hangar's own). Returns a normalised copy.
 */
export function validateConfig(config: MachineConfig, isKnownOs: (osId: string) => boolean): MachineConfig {
  const engine = oneOf('engine', config.engine, engineIds);
  const limits = engineLimits[engine];
  if (typeof config.osId !== 'string' || !isKnownOs(config.osId)) {
    throw invalid('osId', `unknown OS id ${JSON.stringify(config.osId)}; use an osinfo id (e.g. http://debian.org/debian/11) or "other".`);
  }
  const osName = config.osName === null || config.osName === undefined ? null : validateOsName(config.osName);
  const memoryMib = integerIn(`memoryMib (engine ${engine})`, config.memoryMib, limits.memoryMib.min, limits.memoryMib.max, ' MiB');
  const cpus = integerIn(`cpus (engine ${engine})`, config.cpus, limits.cpus.min, limits.cpus.max);
  if (!Array.isArray(config.bootOrder) || config.bootOrder.length === 0) throw invalid('bootOrder', 'must list at least one of cdrom, floppy, disk.');
  const bootOrder = config.bootOrder.map((device, index) => oneOf(`bootOrder[${index}]`, device, bootDevices));
  if (new Set(bootOrder).size !== bootOrder.length) throw invalid('bootOrder', 'lists a device twice.');
  const displayDevice = oneOf(`displayDevice (engine ${engine})`, config.displayDevice, limits.displayDevices);
  const clipboardMode = oneOf('clipboardMode', config.clipboardMode, clipboardModes);
  const speedLimitMips = config.speedLimitMips === null ? null : integerIn('speedLimitMips', config.speedLimitMips, 1, 1_000_000, ' MIPS');
  if (typeof config.forceTcg !== 'boolean') throw invalid('forceTcg', 'must be true or false.');
  if (typeof config.serialEnabled !== 'boolean') throw invalid('serialEnabled', 'must be true or false.');
  if (typeof config.notes !== 'string' || config.notes.length > 10_000) throw invalid('notes', 'must be text of at most 10000 characters.');
  const network = checkNetworkSettings(engine, config.network);
  if (!network.ok) throw invalid('network', network.error);
  const shares = checkShareSettings(config.shares);
  if (!shares.ok) throw invalid('shares', shares.error);
  return {
    name: validateName(config.name),
    osId: config.osId,
    osName,
    engine,
    memoryMib,
    cpus,
    bootOrder,
    displayDevice,
    clipboardMode,
    speedLimitMips,
    forceTcg: config.forceTcg,
    serialEnabled: config.serialEnabled,
    notes: config.notes,
    network: network.value,
    shares: shares.value,
  };
}

/** A medium's own OS name: 1–100 characters of text, trimmed, no control characters. */
function validateOsName(value: unknown): string | null {
  if (typeof value !== 'string') throw invalid('osName', 'must be text (or null for the OS database\'s name).');
  const trimmed = value.trim();
  // eslint-disable-next-line no-control-regex
  if (trimmed.length > 100 || /[\u0000-\u001f\u007f]/u.test(trimmed)) throw invalid('osName', 'must be at most 100 characters without control characters.');
  return trimmed.length === 0 ? null : trimmed;
}

/** Largest disk the library creates or attaches: 16 TiB. */
export const maxDiskBytes = 16 * 1024 ** 4;

/** Checks a disk attachment. */
export function validateDisk(input: DiskInput): Required<DiskInput> {
  if (typeof input.path !== 'string' || input.path.length === 0) throw invalid('disk.path', 'must be a file path.');
  const format = oneOf('disk.format', input.format, diskFormats);
  const sizeBytes = integerIn('disk.sizeBytes', input.sizeBytes, 512, maxDiskBytes, ' bytes');
  const bus = oneOf('disk.bus', input.bus ?? 'ide', diskBuses);
  return { path: input.path, format, sizeBytes, bus };
}
