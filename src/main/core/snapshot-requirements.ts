/**
 * What a machine needs before a snapshot can be taken, said before anything is tried: QEMU
 * keeps the saved RAM inside the machine's qcow2 disk, so a QEMU machine without a hard disk,
 * or with a raw one, cannot snapshot. The sentence names the fix (Settings → Storage or the CLI).
 */
import type { Machine } from '../../library/index.js';
import { diskDriveName, shellName } from './disk-names.js';

/** Why `machine` cannot take a snapshot as configured, with what to do; undefined when nothing is missing. */
export function snapshotBlocker(machine: Pick<Machine, 'name' | 'engine' | 'disks'>): string | undefined {
  if (machine.engine !== 'qemu') return undefined;
  const name = shellName(machine.name);
  const raw = machine.disks.find((disk) => disk.format !== 'qcow2');
  if (raw !== undefined) {
    const drive = diskDriveName(raw);
    return (
      `Snapshots of a QEMU machine are stored inside its qcow2 hard disk, and the hard disk ${drive} of "${machine.name}" is ${raw.format}. ` +
      `Power the machine off and convert the disk to qcow2 in Settings → Storage (or \`hangar disk convert ${name} ${drive} qcow2\`).`
    );
  }
  if (machine.disks.length === 0) {
    return (
      `Snapshots of a QEMU machine are stored inside its qcow2 hard disk, and "${machine.name}" has no hard disk. ` +
      `Power the machine off and add one in Settings → Storage (or \`hangar modify ${name} --add-disk 8G\`).`
    );
  }
  return undefined;
}
