/**
 * A machine's hard disks before they are used and on demand: the header is checked against the
 * format the library stores (a damaged qcow2 image is never opened, least of all as raw) and,
 * for qcow2, `qemu-img check` must find no corruption. A refused start names the command that
 * shows and repairs the damage (`hangar disk check NAME [--repair]`, API `machines.check-disk`).
 */
import { checkDiskImage, diskHeaderProblem, hasQemuImg, LibraryError } from '../../library/index.js';
import type { Disk, DiskCheck, Machine } from '../../library/index.js';
import type { ApiArgs, ApiReturn } from '../../shared/protocol/api/index.js';
import { CoreError } from './core-error.js';
import { diskDriveName } from './disk-names.js';

/** How long the check before a start may take; a slower one is skipped (the engine still checks the header). */
const startCheckTimeoutMs = 60_000;

/** The machine's name as a shell argument in advice. */
function shellName(name: string): string {
  return /^[\w.@%+=:,-]+$/.test(name) ? name : `'${name.replaceAll("'", "'\\''")}'`;
}

/** The protocol's name of the disk at `position` (the engine calls the first one hd0). */
function driveName(disk: Disk): string {
  return `hd${disk.position}`;
}

/** The command that shows (and with --repair, fixes) a machine's disk damage. */
export function diskCheckCommand(machine: Pick<Machine, 'name'>, repair = false): string {
  return `hangar disk check ${shellName(machine.name)}${repair ? ' --repair' : ''}`;
}

/**
 * Throws (Unavailable) when a disk the machine is about to use is damaged: a header that does
 * not match the stored format, or corruption `qemu-img check` finds. Leaked clusters are
 * harmless and do not stop the start. The one kind of error QEMU leaves when it is killed while
 * saving a snapshot (reference counts raised, the snapshot table not yet written) is repaired
 * here, because the repair cannot lose data; resolves with one sentence per repair.
 */
export async function assertDisksUsable(machine: Machine, disks: readonly Disk[] = machine.disks.slice(0, 1)): Promise<string[]> {
  const repairs: string[] = [];
  for (const disk of disks) {
    const refuse = (problem: string, repairable: boolean): never => {
      throw new CoreError(
        'Unavailable',
        `The hard disk ${driveName(disk)} of "${machine.name}": ${problem}. Hangar did not start the machine, so nothing was written to the disk. ` +
          (repairable
            ? `Run \`${diskCheckCommand(machine)}\` to see qemu-img's findings and \`${diskCheckCommand(machine, true)}\` to repair what it can, or restore the image from a backup.`
            : `qemu-img cannot repair a damaged header: restore the image from a backup (\`${diskCheckCommand(machine)}\` shows the details).`),
      );
    };
    const headerProblem = diskHeaderProblem(disk.path, disk.format);
    if (headerProblem !== undefined) refuse(headerProblem, false);
    if (disk.format !== 'qcow2' || !(await hasQemuImg())) continue;
    let check: DiskCheck;
    try {
      check = await checkDiskImage(disk.path, { format: disk.format, signal: AbortSignal.timeout(startCheckTimeoutMs) });
    } catch (error) {
      // A lock held by a stray QEMU, or a check slower than the limit: the engine reports the
      // lock itself and checks the header again, so the start goes on.
      if (error instanceof LibraryError && (error.class === 'Locked' || error.class === 'IoError')) continue;
      throw error;
    }
    if (!check.ok && check.onlyRaisedRefcounts) {
      const repaired = await checkDiskImage(disk.path, { format: disk.format, repair: 'all', signal: AbortSignal.timeout(startCheckTimeoutMs) });
      if (repaired.ok) {
        repairs.push(
          `repaired the hard disk ${driveName(disk)} (${disk.path}) before the start: an interrupted snapshot save had left ${check.corruptions} cluster(s) counted ` +
            `once too often and ${check.leaks} leaked; qemu-img recounted them (${repaired.corruptionsFixed ?? 0} fixed, ${repaired.leaksFixed ?? 0} freed). No data was lost.`,
        );
        continue;
      }
      check = repaired;
    }
    if (!check.ok) refuse(`qemu-img check found ${check.corruptions} error(s) in ${disk.path}: ${check.detail.split('\n').slice(0, 3).join(' ')}`, true);
  }
  return repairs;
}

/** The disks a `machines.check-disk` call is about: one by drive name or id, else all. */
function selectDisks(machine: Machine, drive: string | undefined): Disk[] {
  if (drive === undefined) return machine.disks;
  // hda, hdb… (as Settings → Storage and `hangar disk resize` name them) are accepted too.
  const disk = machine.disks.find((candidate) => candidate.id === drive || driveName(candidate) === drive || diskDriveName(candidate) === drive.toLowerCase());
  if (!disk) {
    const known = machine.disks.map(driveName);
    throw new CoreError('NotFound', `"${machine.name}" has no hard disk ${drive}; ${known.length > 0 ? `its disks are ${known.join(', ')}` : 'it has no hard disks'}.`);
  }
  return [disk];
}

/** `machines.check-disk`: checks (and repairs) a stopped machine's disks; a running one is only checked, read-only. */
export async function checkMachineDisks(machine: Machine, args: ApiArgs<'machines.check-disk'>, running: boolean): Promise<ApiReturn<'machines.check-disk'>> {
  const disks = selectDisks(machine, args.drive);
  if (args.repair !== undefined && running) throw new CoreError('Conflict', `"${machine.name}" is running; power it off before repairing its disk (checking works while it runs).`);
  const results: ApiReturn<'machines.check-disk'>['disks'] = [];
  for (const disk of disks) {
    const before = await checkDiskImage(disk.path, { format: disk.format, inUse: running });
    if (args.repair !== undefined && before.headerProblem !== undefined) {
      throw new CoreError(
        'NotSupported',
        `The hard disk ${driveName(disk)} of "${machine.name}" (${disk.path}) ${before.headerProblem}; qemu-img cannot repair a damaged header, and nothing was changed. Restore the image from a backup.`,
      );
    }
    const check = args.repair !== undefined && before.supported && (before.leaks > 0 || before.corruptions > 0) ? await checkDiskImage(disk.path, { format: disk.format, repair: args.repair }) : before;
    results.push({
      drive: driveName(disk),
      diskId: disk.id,
      path: disk.path,
      format: disk.format,
      ok: check.ok,
      checked: check.supported,
      corruptions: check.corruptions,
      leaks: check.leaks,
      ...(check.headerProblem !== undefined ? { headerProblem: check.headerProblem } : {}),
      ...(check.leaksFixed !== undefined ? { leaksFixed: check.leaksFixed } : {}),
      ...(check.corruptionsFixed !== undefined ? { corruptionsFixed: check.corruptionsFixed } : {}),
      detail: check.detail,
      advice: advice(machine, check, args.repair),
    });
  }
  return { id: machine.id, disks: results };
}

/** What to do next, in one sentence. */
function advice(machine: Machine, check: DiskCheck, repair: 'leaks' | 'all' | undefined): string {
  if (check.headerProblem !== undefined) return 'The header is damaged and qemu-img cannot repair it: restore the image from a backup.';
  if (check.corruptions > 0) {
    if (check.onlyRaisedRefcounts) {
      return `The errors are reference counts an interrupted snapshot save raised; \`${diskCheckCommand(machine)} --repair-all\` recounts them without loss (starting the machine does it too).`;
    }
    return repair === 'all'
      ? 'Errors remain after the repair: restore the image from a backup.'
      : `The image has errors: \`${diskCheckCommand(machine)} --repair-all\` lets qemu-img try to fix them (back the image up first), or restore it from a backup.`;
  }
  if (check.leaks > 0) return `Leaked clusters only waste space; \`${diskCheckCommand(machine, true)}\` frees them.`;
  return 'Nothing to do.';
}
