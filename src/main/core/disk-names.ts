/**
 * How people name a machine's hard disks: hda, hdb… by position (the engines' hd0, hd1… and a
 * disk id are accepted too), and a machine's name quoted for a shell command in advice.
 */
import type { Disk, Machine } from '../../library/index.js';
import { CoreError } from './core-error.js';

/** hda for the disk at position 0, hdb for 1… */
export function diskDriveName(disk: Pick<Disk, 'position'>): string {
  return `hd${String.fromCharCode(97 + Math.min(disk.position, 25))}`;
}

/** The machine's name as a shell argument in advice. */
export function shellName(name: string): string {
  return /^[\w.@%+=:,-]+$/.test(name) ? name : `'${name.replaceAll("'", "'\\''")}'`;
}

/** The disk of `machine` that `drive` names (hda, hd0 or a disk id); NotFound naming the disks it has otherwise. */
export function findMachineDisk(machine: Machine, drive: string): Disk {
  const wanted = drive.trim().toLowerCase();
  const disk = machine.disks.find((candidate) => candidate.id === drive || diskDriveName(candidate) === wanted || `hd${candidate.position}` === wanted);
  if (disk) return disk;
  const known = machine.disks.map(diskDriveName);
  throw new CoreError('NotFound', `"${machine.name}" has no hard disk ${drive}; ${known.length > 0 ? `its disks are ${known.join(', ')}` : 'it has no hard disks (add one in Settings → Storage)'}.`);
}
