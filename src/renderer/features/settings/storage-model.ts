/**
 * The hard-disk part of Settings → Storage without React: the disk rows as the API gives them,
 * sizes typed by people ("8", "8G", "512M"), the rules a new or grown size must follow, and the
 * calls the page makes (`disks.*`) on one machine.
 */
import type { ApiClient } from '../../../shared/protocol/api/client.js';
import type { ApiResult } from '../../platform/transport.js';
import type { EngineKind, Progress } from '../../platform/models.js';

/** One hard disk of a machine. */
export interface HardDisk {
  readonly id: string;
  /** hda, hdb… */
  readonly drive: string;
  readonly path: string;
  readonly format: 'raw' | 'qcow2';
  readonly sizeBytes: number;
}

const MIB = 1024 * 1024;
/** The largest disk the library accepts (16 TiB), in MiB. */
export const MAX_DISK_MIB = 16 << 20;

/** The disk rows of a machine view (`disks`, which the API schema leaves open), ordered by position. */
export function toHardDisks(disks: unknown): HardDisk[] {
  if (!Array.isArray(disks)) return [];
  return disks
    .map((row: unknown) => row as { id?: unknown; path?: unknown; format?: unknown; sizeBytes?: unknown; position?: unknown })
    .filter((row) => typeof row.id === 'string' && typeof row.path === 'string')
    .sort((a, b) => Number(a.position ?? 0) - Number(b.position ?? 0))
    .map((row) => ({
      id: String(row.id),
      drive: `hd${String.fromCharCode(97 + Math.min(Math.max(0, Number(row.position ?? 0)), 25))}`,
      path: String(row.path),
      format: row.format === 'qcow2' ? 'qcow2' : 'raw',
      sizeBytes: typeof row.sizeBytes === 'number' ? row.sizeBytes : 0,
    }));
}

/**
 * A size typed into the page, in MiB: "8" and "8G" are GiB (disks are sized in GiB), "512M" is
 * MiB, "1T" TiB. Undefined when it is not a whole positive size.
 */
export function parseDiskSize(text: string): number | undefined {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(t|ti|tib|tb|g|gi|gib|gb|m|mi|mib|mb)?\s*$/i.exec(text);
  if (!match) return undefined;
  const unit = (match[2] ?? 'g')[0]?.toLowerCase();
  const mib = Number(match[1]) * (unit === 't' ? 1 << 20 : unit === 'm' ? 1 : 1024);
  return Number.isInteger(mib) && mib > 0 ? mib : undefined;
}

/** "8 GiB", "512 MiB", "1.5 GiB". */
export function formatDiskSize(bytes: number): string {
  const mib = bytes / MIB;
  if (mib >= 1 << 20) return `${Number((mib / (1 << 20)).toFixed(2))} TiB`;
  if (mib >= 1024) return `${Number((mib / 1024).toFixed(2))} GiB`;
  return `${Number(mib.toFixed(1))} MiB`;
}

/** What is wrong with a size for a new disk, or undefined. */
export function newSizeProblem(text: string): string | undefined {
  const mib = parseDiskSize(text);
  if (mib === undefined) return 'Enter a size like 8 (GiB), 8G or 512M.';
  if (mib > MAX_DISK_MIB) return 'A disk can have at most 16 TiB.';
  return undefined;
}

/** What is wrong with the new size of a disk being grown, or undefined. */
export function growSizeProblem(text: string, disk: Pick<HardDisk, 'sizeBytes'>): string | undefined {
  const problem = newSizeProblem(text);
  if (problem) return problem;
  const mib = parseDiskSize(text) as number;
  if (mib * MIB < disk.sizeBytes) return `Smaller than the disk's ${formatDiskSize(disk.sizeBytes)}: Hangar only grows disks.`;
  if (mib * MIB === disk.sizeBytes) return `The disk already has ${formatDiskSize(disk.sizeBytes)}.`;
  return undefined;
}

/** The format a new disk gets on `engine`, and why (shown next to the size). */
export function newDiskFormat(engine: EngineKind): { format: 'raw' | 'qcow2'; note: string } {
  return engine === 'qemu'
    ? { format: 'qcow2', note: 'A qcow2 image: it grows as the guest writes, and holds QEMU snapshots.' }
    : { format: 'raw', note: 'A raw file: sparse on the host, it takes space as the guest writes.' };
}

/** The `disks.*` calls of the Storage page on one machine. */
export interface DiskStorageApi {
  load(): Promise<ApiResult<HardDisk[]>>;
  add(sizeMib: number, format: 'raw' | 'qcow2'): Promise<ApiResult<unknown>>;
  attach(path: string): Promise<ApiResult<unknown>>;
  remove(drive: string, deleteFile: boolean): Promise<ApiResult<{ keptFile?: string }>>;
  resize(drive: string, sizeMib: number): Promise<ApiResult<unknown>>;
  convert(drive: string, format: 'raw' | 'qcow2'): Promise<ApiResult<unknown>>;
  /** PROGRESS events of this machine's disk creation and conversion. */
  onProgress(listener: (progress: Progress) => void): () => void;
}

/** Disk creation and conversion write whole images: allow them long on a loaded machine. */
const LONG_DISK_CALL_MS = 3_600_000;

/** The Storage page's calls through the API client, for machine `id`. */
export function diskStorageApi(client: { readonly call: ApiClient['call']; onProgress(listener: (progress: Progress) => void): () => void }, id: string): DiskStorageApi {
  return {
    async load() {
      const result = await client.call('machines.get', { id });
      return result.ok ? { ok: true, value: toHardDisks((result.value as { disks?: unknown }).disks) } : result;
    },
    add: (sizeMib, format) => client.call('disks.add', { id, sizeMib, format }, LONG_DISK_CALL_MS),
    attach: (path) => client.call('disks.attach', { id, path }, 120_000),
    async remove(drive, deleteFile) {
      const result = await client.call('disks.remove', { id, drive, deleteFile });
      return result.ok ? { ok: true, value: result.value.keptFile !== undefined ? { keptFile: result.value.keptFile } : {} } : result;
    },
    resize: (drive, sizeMib) => client.call('disks.resize', { id, drive, sizeMib }, 600_000),
    convert: (drive, format) => client.call('disks.convert', { id, drive, format }, LONG_DISK_CALL_MS),
    onProgress: (listener) =>
      client.onProgress((progress) => {
        if (progress.machineId === id && (progress.operation === 'disk-create' || progress.operation === 'disk-convert')) listener(progress);
      }),
  };
}
