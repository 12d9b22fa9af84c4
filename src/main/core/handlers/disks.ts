/**
 * The `disks.*` calls: a stopped machine's hard disks after it was created — add a new image,
 * attach an existing one, remove (file kept or deleted), grow, convert. The engines read their
 * disks at start, so a running machine is refused rather than changed under its guest; so is a
 * machine with snapshots for anything that would change the disk they saved.
 */
import { existsSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { addNewDisk, attachExistingDisk, convertMachineDisk, LibraryError, removeMachineDisk, resizeDiskImage } from '../../../library/index.js';
import type { Disk, DiskFormat, Machine } from '../../../library/index.js';
import type { ApiArgs, MachineViewValue } from '../../../shared/protocol/api/index.js';
import { CoreError } from '../core-error.js';
import { diskDriveName, findMachineDisk, shellName } from '../disk-names.js';
import { checkFile } from '../lookups.js';
import { engineStateDir } from '../start-machine.js';
import type { HandlerContext, NamespaceHandlers } from './context.js';

const mib = 1024 * 1024;

/** The handlers of the `disks.*` calls. */
export function diskHandlers(ctx: HandlerContext): NamespaceHandlers<'disks'> {
  // One disk change per machine at a time: two would race for the same file and row.
  const busy = new Set<string>();
  const exclusive = async (idOrName: string, what: string, work: (machine: Machine) => Promise<void> | void): Promise<MachineViewValue> => {
    const machine = stoppedMachine(ctx, idOrName, what);
    if (busy.has(machine.id)) throw new CoreError('Conflict', `Another disk change of "${machine.name}" is under way; try again when it has finished.`);
    busy.add(machine.id);
    try {
      await work(machine);
    } finally {
      busy.delete(machine.id);
    }
    return ctx.view(ctx.machine(machine.id));
  };
  return {
    'disks.add': (args: ApiArgs<'disks.add'>) =>
      exclusive(args.id, 'add a disk', async (machine) => {
        assertNoDisk(machine);
        const format: DiskFormat = args.format ?? (machine.engine === 'qemu' ? 'qcow2' : 'raw');
        const progress = (fraction: number, done: boolean, error?: string): void =>
          ctx.publish({ event: 'PROGRESS', data: { machineId: machine.id, operation: 'disk-create', fraction: Math.min(1, Math.max(0, fraction)), done, ...(error !== undefined ? { error } : {}) } });
        try {
          await addNewDisk(ctx.library, machine.id, { format, sizeBytes: args.sizeMib * mib, onProgress: (fraction) => progress(fraction, false) });
        } catch (error) {
          progress(1, true, error instanceof Error ? error.message : String(error));
          throw error;
        }
        progress(1, true);
      }),
    'disks.attach': (args: ApiArgs<'disks.attach'>) =>
      exclusive(args.id, 'attach a disk', async (machine) => {
        assertNoDisk(machine);
        if (!isAbsolute(args.path)) throw new CoreError('InvalidArgument', `${args.path} is not an absolute path; give the image's full path.`);
        const path = checkFile(resolve(args.path));
        const owner = ctx.library.machines.list().map((summary) => ctx.machine(summary.id)).find((other) => other.disks.some((disk) => disk.path === path));
        if (owner) throw new CoreError('NotSupported', `${path} is already the hard disk of "${owner.name}"; two machines writing one image would corrupt it. Remove it there first, or copy the file.`);
        try {
          await attachExistingDisk(ctx.library, machine.id, path);
        } catch (error) {
          // A damaged image is a bad argument here (nothing of the library's is damaged).
          if (error instanceof LibraryError && error.class === 'Corrupt') throw new CoreError('InvalidArgument', `${error.message} Nothing was attached.`);
          throw error;
        }
      }),
    'disks.remove': async (args: ApiArgs<'disks.remove'>) => {
      let keptFile: string | undefined;
      const view = await exclusive(args.id, 'remove a disk', (machine) => {
        const disk = findMachineDisk(machine, args.drive);
        assertNoSnapshots(ctx, machine, `removing the hard disk ${diskDriveName(disk)}`);
        const deleteFile = args.deleteFile ?? false;
        if (!deleteFile) assertNoEngineLayers(ctx, machine, disk, 'keeping its file');
        keptFile = removeMachineDisk(ctx.library, disk, deleteFile);
        dropEngineLayers(ctx, machine, disk);
      });
      return { machine: view, ...(keptFile !== undefined ? { keptFile } : {}) };
    },
    'disks.resize': (args: ApiArgs<'disks.resize'>) =>
      exclusive(args.id, 'resize a disk', async (machine) => {
        const disk = findMachineDisk(machine, args.drive);
        assertNoSnapshots(ctx, machine, `resizing the hard disk ${diskDriveName(disk)}`);
        assertNoEngineLayers(ctx, machine, disk, 'resizing it');
        const info = await resizeDiskImage(disk.path, { format: disk.format, sizeBytes: args.sizeMib * mib });
        ctx.library.machines.updateDisk(disk.id, { sizeBytes: info.virtualSizeBytes });
      }),
    'disks.convert': (args: ApiArgs<'disks.convert'>) =>
      exclusive(args.id, 'convert a disk', async (machine) => {
        const disk = findMachineDisk(machine, args.drive);
        if (disk.format === args.format) throw new CoreError('InvalidArgument', `The hard disk ${diskDriveName(disk)} of "${machine.name}" is already ${args.format}.`);
        assertNoSnapshots(ctx, machine, `converting the hard disk ${diskDriveName(disk)}`);
        assertNoEngineLayers(ctx, machine, disk, 'converting it');
        const progress = (fraction: number, done: boolean, error?: string): void =>
          ctx.publish({ event: 'PROGRESS', data: { machineId: machine.id, operation: 'disk-convert', fraction: Math.min(1, Math.max(0, fraction)), done, ...(error !== undefined ? { error } : {}) } });
        try {
          await convertMachineDisk(ctx.library, disk, args.format, (fraction) => progress(fraction, false));
        } catch (error) {
          progress(1, true, error instanceof Error ? error.message : String(error));
          throw error;
        }
        progress(1, true);
      }),
  };
}

/** The machine, when its engine is not running; Conflict otherwise. */
function stoppedMachine(ctx: HandlerContext, idOrName: string, what: string): Machine {
  const machine = ctx.machine(idOrName);
  if (ctx.supervisor.isActive(machine.id)) {
    throw new CoreError('Conflict', `"${machine.name}" is running; power it off to ${what} (the engine reads its disks when it starts).`);
  }
  return machine;
}

/** The engines drive one hard disk (hda): a second would be stored but never reach the guest. */
function assertNoDisk(machine: Machine): void {
  const disk = machine.disks[0];
  if (disk === undefined) return;
  throw new CoreError(
    'NotSupported',
    `"${machine.name}" already has a hard disk (${diskDriveName(disk)}: ${disk.path}), and Hangar's engines use one. Remove it first (its file can be kept: \`hangar modify ${shellName(machine.name)} --remove-disk ${diskDriveName(disk)}\`), or grow it instead.`,
  );
}

/** Snapshots hold the disk as it was: changing it under them would make them restore onto another disk. */
function assertNoSnapshots(ctx: HandlerContext, machine: Machine, what: string): void {
  const count = ctx.library.snapshots.list(machine.id).length;
  if (count === 0) return;
  throw new CoreError(
    'Conflict',
    `"${machine.name}" has ${count} snapshot${count === 1 ? '' : 's'}, which hold its disk as it was; ${what} would leave ${count === 1 ? 'it' : 'them'} pointing at a disk that no longer matches. Delete the snapshots first (\`hangar snapshot ${shellName(machine.name)} list\`).`,
  );
}

/** The v86 engine's record of a disk's copy-on-write layers (engine/disks/hd0.chain.json), when it has layers over this image. */
function engineLayers(ctx: HandlerContext, machine: Machine, disk: Disk): { record: string; overlays: string[] } | undefined {
  if (disk.position !== 0) return undefined;
  const record = join(engineStateDir(ctx.library, machine.id), 'disks', 'hd0.chain.json');
  if (!existsSync(record)) return undefined;
  try {
    const chain = JSON.parse(readFileSync(record, 'utf8')) as { base?: unknown; overlays?: unknown };
    if (chain.base !== disk.path || !Array.isArray(chain.overlays)) return undefined;
    return { record, overlays: chain.overlays.filter((name): name is string => typeof name === 'string') };
  } catch {
    return { record, overlays: [] };
  }
}

/**
 * Once a v86 machine has taken a snapshot, the guest's later writes go to layers beside the
 * image, not into it: the image alone is out of date, so it must not be resized, converted or
 * kept as if it were the disk.
 */
function assertNoEngineLayers(ctx: HandlerContext, machine: Machine, disk: Disk, what: string): void {
  const layers = engineLayers(ctx, machine, disk);
  if (layers === undefined || layers.overlays.length === 0) return;
  throw new CoreError(
    'NotSupported',
    `Since its first snapshot, "${machine.name}"'s v86 engine writes the hard disk ${diskDriveName(disk)} to copy-on-write layers beside ${disk.path} (recorded in ${layers.record}), so the image alone is out of date; ${what} would lose those writes. Hangar cannot merge the layers back yet: copy what you need out of the guest, or remove the disk together with its file.`,
  );
}

/** Removes the v86 layers of a removed disk (they belong to it alone). */
function dropEngineLayers(ctx: HandlerContext, machine: Machine, disk: Disk): void {
  const layers = engineLayers(ctx, machine, disk);
  if (layers === undefined) return;
  const folder = join(engineStateDir(ctx.library, machine.id), 'disks');
  for (const name of readdirSync(folder)) {
    if (layers.overlays.includes(name)) rmSync(join(folder, name), { force: true });
  }
  rmSync(layers.record, { force: true });
}
