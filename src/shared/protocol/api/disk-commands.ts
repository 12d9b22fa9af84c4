/**
 * The app API's `disks.*` commands: a machine's hard disks after it was created. A new disk
 * (qcow2 on QEMU, a raw file on v86), an existing image attached (its header decides the
 * format), one removed (its file kept or deleted), grown, or converted (raw → qcow2, which QEMU
 * needs for snapshots). Every change is to a stopped machine: the engines read their disks at
 * start. Disks are named hda, hdb… (hd0, hd1… and disk ids are accepted too).
 */
import { command } from '../definitions.js';
import { s } from '../schema.js';
import { diskFormats } from '../enums.js';
import { id, MachineView } from './views.js';

const drive = s.required(s.string({ minLength: 1, maxLength: 200 }), 'Which disk: hda, hdb… (or hd0, hd1…, or a disk id).');
const stopped = { class: 'Conflict', when: 'the machine is running or paused (power it off first)' } as const;

export const diskCommands = {
  'disks.add': command({
    doc: 'Creates a new hard disk image in the machine\'s folder (0600) and attaches it. The format defaults to the engine\'s: qcow2 on QEMU (needed for snapshots), a raw file on v86. PROGRESS events (operation "disk-create") report how far it is. The engines use one hard disk (hda): a machine that has one must remove it first.',
    since: '0.7',
    args: s.object({
      id: s.required(id),
      sizeMib: s.required(s.integer({ min: 1, max: 16 << 20 }), 'Size of the new disk in MiB.'),
      format: s.optional(s.enumeration(diskFormats), 'raw or qcow2; the engine\'s format when absent.'),
    }),
    returns: MachineView,
    errors: [
      { class: 'NotFound', when: 'no such machine' },
      stopped,
      { class: 'NotSupported', when: 'the machine already has a hard disk (the engines use one)' },
      { class: 'NoSpace', when: 'the file system is full (nothing is left behind)' },
    ],
  }),
  'disks.attach': command({
    doc: 'Attaches an existing raw or qcow2 image where it is. Its header decides the format (a damaged qcow2 header is refused, never taken for raw), qemu-img info its size; a qcow2 overlay with a backing file is refused.',
    since: '0.7',
    args: s.object({ id: s.required(id), path: s.required(s.string({ minLength: 1, maxLength: 4096 }), 'Absolute path of the image.') }),
    returns: MachineView,
    errors: [
      { class: 'NotFound', when: 'no such machine, or the file does not exist' },
      { class: 'InvalidArgument', when: 'the file is not a usable raw or qcow2 image (desc says why)' },
      stopped,
      { class: 'NotSupported', when: 'the machine already has a hard disk, or the image is already attached to a machine' },
    ],
  }),
  'disks.remove': command({
    doc: 'Detaches a hard disk; its image file is kept unless deleteFile. A kept image from the machine\'s own folder moves to the library\'s lost+found/ (a machine\'s folder goes with it, so it cannot stay there); keptFile says where it is. Refused while snapshots exist: they hold the disk\'s state.',
    since: '0.7',
    args: s.object({ id: s.required(id), drive, deleteFile: s.optional(s.boolean(), 'Also delete the image file (default false: the file is kept).') }),
    returns: s.object({ machine: s.required(MachineView), keptFile: s.optional(s.string(), 'Where the kept image is now; absent when it was deleted.') }),
    errors: [{ class: 'NotFound', when: 'no such machine or disk' }, stopped, { class: 'Conflict', when: 'the machine has snapshots (delete them first)' }],
  }),
  'disks.resize': command({
    doc: 'Grows a hard disk to sizeMib (qemu-img resize). Shrinking is refused; the partitions inside are the guest\'s to grow. Refused while snapshots exist.',
    since: '0.7',
    args: s.object({ id: s.required(id), drive, sizeMib: s.required(s.integer({ min: 1, max: 16 << 20 }), 'The new size in MiB; at least the current size.') }),
    returns: MachineView,
    errors: [
      { class: 'NotFound', when: 'no such machine or disk' },
      { class: 'InvalidArgument', when: 'the new size is smaller than the disk' },
      stopped,
      { class: 'Conflict', when: 'the machine has snapshots (delete them first)' },
    ],
  }),
  'disks.convert': command({
    doc: 'Converts a hard disk to another format (qemu-img convert) into a new file in the machine\'s folder; the disk then uses it, and the old file is deleted when it was in the machine\'s folder (an image attached from elsewhere stays). raw → qcow2 lets QEMU take snapshots. PROGRESS events (operation "disk-convert").',
    since: '0.7',
    args: s.object({ id: s.required(id), drive, format: s.required(s.enumeration(diskFormats)) }),
    returns: MachineView,
    errors: [
      { class: 'NotFound', when: 'no such machine or disk' },
      { class: 'InvalidArgument', when: 'the disk already has that format' },
      stopped,
      { class: 'Conflict', when: 'the machine has snapshots (delete them first)' },
      { class: 'Unavailable', when: 'qemu-img is not installed' },
    ],
  }),
} as const;
