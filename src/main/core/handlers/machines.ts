/**
 * The `machines.*` calls: list, get, create (one atomic library create, with disk progress),
 * update, delete, drives (checked media, changed in a running engine first), disk check and
 * engine logs.
 */
import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { inspectDiskImage } from '../../../library/index.js';
import { builtinOsInfo } from '../../../library/osinfo.js';
import type { Machine, MachineInput, MachinePatch, Media } from '../../../library/index.js';
import type { ApiArgs, MachineViewValue } from '../../../shared/protocol/api/index.js';
import type { DriveSlotName } from '../../../shared/protocol/enums.js';
import { checkName } from '../../../shared/names.js';
import { readEngineLog } from '../../supervisor/engine-log.js';
import { assertClipboardMode } from '../clipboard-check.js';
import { CoreError } from '../core-error.js';
import { checkMachineDisks } from '../disk-check.js';
import { attempt, checkFile } from '../lookups.js';
import { savedStateKey } from '../saved-state.js';
import { sentMediumKey } from '../send-files.js';
import type { HandlerContext, NamespaceHandlers } from './context.js';

/** The handlers of the `machines.*` calls. */
export function machineHandlers(ctx: HandlerContext): NamespaceHandlers<'machines'> {
  const { library, supervisor } = ctx;
  return {
    'machines.list': () => library.machines.list().map((summary) => ctx.view(ctx.machine(summary.id))),
    'machines.get': (args: ApiArgs<'machines.get'>) => ctx.view(ctx.machine(args.id)),
    'machines.create': (args: ApiArgs<'machines.create'>) => createMachine(ctx, args),
    'machines.update': (args: ApiArgs<'machines.update'>) => {
      const machine = ctx.machine(args.id);
      const { speedLimitMips, ...rest } = args.patch;
      const patch: MachinePatch = { ...rest };
      if (rest.clipboardMode !== undefined) assertClipboardMode(rest.engine ?? machine.engine, rest.clipboardMode, machine.name);
      if (speedLimitMips !== undefined) patch.speedLimitMips = speedLimitMips === 0 ? null : speedLimitMips;
      return ctx.view(library.machines.update(machine.id, patch));
    },
    'machines.delete': (args: ApiArgs<'machines.delete'>) => {
      const machine = ctx.machine(args.id);
      if (supervisor.isActive(machine.id)) throw new CoreError('Conflict', `"${machine.name}" is running; power it off before deleting it.`);
      library.machines.delete(machine.id, { keepFiles: args.keepFiles ?? false });
      supervisor.forget(machine.id);
      // Per-machine settings would otherwise stay in the settings table for good.
      for (const key of [savedStateKey(machine.id), sentMediumKey(machine.id)]) {
        if (library.settings.get<unknown>(key, null) !== null) library.settings.delete(key);
      }
      return { id: machine.id };
    },
    'machines.set-drive': (args: ApiArgs<'machines.set-drive'>) => setDrive(ctx, args),
    'machines.check-disk': (args: ApiArgs<'machines.check-disk'>) => {
      const machine = ctx.machine(args.id);
      return checkMachineDisks(machine, args, supervisor.isActive(machine.id));
    },
    'machines.logs': (args: ApiArgs<'machines.logs'>) => readEngineLog(library.layout.logFile(ctx.machine(args.id).id, args.log ?? 'engine'), args.lines),
  };
}

async function createMachine(ctx: HandlerContext, args: ApiArgs<'machines.create'>): Promise<MachineViewValue> {
  const { library } = ctx;
  const { cdrom, floppy, speedLimitMips, diskMib, diskPath, ...config } = args;
  // The name first: a refused name must not leave media rows or disks behind.
  const named = checkName(config.name, 'machine');
  if (!named.ok) throw new CoreError('InvalidArgument', named.error);
  if (diskMib !== undefined && diskPath !== undefined) throw new CoreError('InvalidArgument', 'Give either diskMib (a new disk) or diskPath (an existing one), not both.');
  const existingDisk = diskPath !== undefined ? await inspectDisk(checkFile(resolve(diskPath))) : undefined;
  const cdMedia = cdrom ? library.media.findByPath(checkFile(cdrom)) ?? library.media.add(cdrom) : undefined;
  const fdMedia = floppy ? library.media.findByPath(checkFile(floppy)) ?? library.media.add(floppy) : undefined;
  if (config.clipboardMode !== undefined) assertClipboardMode(config.engine, config.clipboardMode, config.name);
  const input: MachineInput = { osId: 'other', ...config };
  const mediumOsName = cdMedia && config.osName === undefined ? newerReleaseName(library, cdMedia, input.osId) : undefined;
  if (mediumOsName) input.osName = mediumOsName;
  if (speedLimitMips) input.speedLimitMips = speedLimitMips;
  if (!config.bootOrder) input.bootOrder = cdMedia ? ['cdrom', 'disk'] : fdMedia ? ['floppy', 'disk'] : ['disk', 'cdrom'];
  // One atomic create (folder, disk, rows together or nothing): a crash or a failed disk leaves no half-made machine.
  let machineId: string | undefined;
  const progress = (fraction: number, done: boolean, error?: string): void => {
    if (machineId !== undefined) ctx.publish({ event: 'PROGRESS', data: { machineId, operation: 'disk-create', fraction, done, ...(error ? { error } : {}) } });
  };
  let machine: Machine;
  try {
    machine = await library.createMachine(input, {
      drives: { cd0: cdMedia?.id ?? null, fd0: fdMedia?.id ?? null },
      disks: existingDisk ? [existingDisk] : [],
      ...(diskMib !== undefined ? { newDisk: { format: 'qcow2' as const, sizeBytes: diskMib * 1024 * 1024 } } : {}),
      onProgress: (id, fraction) => {
        machineId = id;
        progress(Math.min(1, Math.max(0, fraction)), false);
      },
    });
  } catch (error) {
    progress(1, true, error instanceof Error ? error.message : String(error));
    throw error;
  }
  progress(1, true);
  return ctx.view(ctx.machine(machine.id));
}

/**
 * The CD's own OS name when it is a newer release of `osId` than the OS database knows (the media
 * library detected "Debian 12" and matched it to Debian 11): the machine keeps that name.
 */
function newerReleaseName(library: HandlerContext['library'], medium: Media, osId: string): string | undefined {
  if (medium.osId !== osId || !medium.osName) return undefined;
  const known = builtinOsInfo(osId) ?? library.osCatalog().get(osId);
  return known && known.name !== medium.osName ? medium.osName : undefined;
}

/**
 * Puts media in (or empties) a drive: checks the medium first, changes it in a running engine,
 * and stores the drive row only when the engine took it, so the two never disagree.
 */
async function setDrive(ctx: HandlerContext, args: ApiArgs<'machines.set-drive'>): Promise<MachineViewValue> {
  const { library, supervisor } = ctx;
  const machine = ctx.machine(args.id);
  const media = args.path === null ? null : driveMedia(ctx, args.path, args.slot);
  if (supervisor.isActive(machine.id)) {
    if (media) await supervisor.execute(machine.id, 'blockdev-change-medium', { id: args.slot, filename: media.path });
    else await ejectRunning(ctx, machine.id, args.slot);
  }
  library.machines.setDrive(machine.id, args.slot, media?.id ?? null);
  return ctx.view(ctx.machine(machine.id));
}

/** The media row for a set-drive argument (a media id or a file path), checked for the slot. */
function driveMedia({ library }: HandlerContext, reference: unknown, slot: DriveSlotName): Media {
  if (typeof reference !== 'string' || reference.length === 0) throw new CoreError('InvalidArgument', 'path must be a media file path, a media id, or null to empty the drive.');
  const known = attempt(() => library.media.get(reference));
  const path = known?.path ?? resolve(reference);
  let stat;
  try {
    stat = statSync(path);
  } catch {
    throw new CoreError('InvalidArgument', `${path} does not exist${known ? ' any more (the media library lists it as missing)' : ''}; choose an existing image file.`);
  }
  if (stat.isDirectory()) throw new CoreError('InvalidArgument', `${path} is a folder; choose an image file inside it.`);
  if (!stat.isFile()) throw new CoreError('InvalidArgument', `${path} is not a regular file; choose an image file.`);
  if (stat.size === 0) throw new CoreError('InvalidArgument', `${path} is empty (0 bytes); choose an image file with content.`);
  const media = library.media.findByPath(path) ?? library.media.add(path);
  const wanted = slot === 'cd0' ? 'iso' : 'floppy';
  if (media.kind !== wanted) {
    throw new CoreError('InvalidArgument', `${path} is a ${media.kind} image; the ${slot === 'cd0' ? 'CD drive takes CD/DVD images (.iso)' : 'floppy drive takes floppy images (.img of a floppy size, .ima, .flp, .vfd)'}.`);
  }
  return media;
}

/** Ejects a running machine's medium; an already-empty drive is fine. */
async function ejectRunning({ supervisor }: HandlerContext, machineId: string, slot: DriveSlotName): Promise<void> {
  try {
    await supervisor.execute(machineId, 'eject', { id: slot, force: true });
  } catch (error) {
    const devices = (await supervisor.execute(machineId, 'query-block').catch(() => [])) as { qdev?: string; inserted?: unknown }[];
    const drive = devices.find((device) => device.qdev === slot);
    if (drive && drive.inserted === undefined) return;
    throw error;
  }
}

/** An existing disk image's format and size (qemu-img info), for attaching it. */
async function inspectDisk(path: string): Promise<{ path: string; format: 'raw' | 'qcow2'; sizeBytes: number }> {
  const info = await inspectDiskImage(path);
  if (info.format !== 'raw' && info.format !== 'qcow2') throw new CoreError('InvalidArgument', `${path} is a ${info.format} image; Hangar attaches raw and qcow2 disks (convert it with qemu-img convert).`);
  return { path, format: info.format, sizeBytes: info.virtualSizeBytes };
}
