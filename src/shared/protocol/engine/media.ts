/**
 * Block devices and removable media: QEMU's `query-block`, `eject`, `blockdev-change-medium`
 * and the `DEVICE_TRAY_MOVED` / `BLOCK_IO_ERROR` events, with QEMU's argument names.
 * Drives are addressed by their qdev id: `cd0`, `fd0`, `hd0`.
 */
import { command, event } from '../definitions.js';
import { s } from '../schema.js';

const empty = s.object({});

export const BlockInfo = s.named(
  'BlockInfo',
  s.object(
    {
      device: s.required(s.string(), 'Block backend name (may be empty, as in QEMU for -drive if=none).'),
      qdev: s.required(s.string(), 'The drive id used by eject/blockdev-change-medium: cd0, fd0, hd0.'),
      type: s.required(s.enumeration(['cdrom', 'floppy', 'disk'] as const), 'Kind of drive (Hangar addition).'),
      removable: s.required(s.boolean()),
      locked: s.required(s.boolean(), 'True when the guest locked the tray.'),
      tray_open: s.optional(s.boolean(), 'Present for removable drives.'),
      'io-status': s.optional(s.enumeration(['ok', 'failed', 'nospace'] as const)),
      inserted: s.optional(
        s.object(
          {
            file: s.required(s.string(), 'Path of the image.'),
            ro: s.required(s.boolean()),
            drv: s.required(s.string(), 'Image format: raw, qcow2, …'),
            'virtual-size': s.optional(s.integer({ min: 0 })),
          },
          { allowUnknown: true },
        ),
        'The medium, absent when the drive is empty.',
      ),
    },
    { allowUnknown: true },
  ),
  'One block device (QAPI `BlockInfo`, trimmed).',
);

const DriveSelector = {
  id: s.optional(s.string({ minLength: 1, maxLength: 64 }), 'The drive id (cd0, fd0).'),
  device: s.optional(s.string({ minLength: 1, maxLength: 64 }), 'Deprecated alias of id, accepted for old clients.'),
} as const;

export const mediaCommands = {
  'query-block': command({
    doc: 'Lists the block devices with their media and tray state.',
    since: '0.1',
    args: empty,
    returns: s.array(BlockInfo),
  }),
  eject: command({
    doc: 'Opens the tray and removes the medium of a removable drive. Emits DEVICE_TRAY_MOVED.',
    since: '0.1',
    args: s.object({ ...DriveSelector, force: s.optional(s.boolean(), 'Eject even when the guest locked the tray.') }),
    returns: empty,
    errors: [
      { class: 'DeviceNotFound', when: 'no drive has that id' },
      { class: 'GenericError', when: 'the drive is not removable, or is locked and force is not set' },
    ],
  }),
  'blockdev-change-medium': command({
    doc: 'Inserts an image into a removable drive (ejecting what was there), then closes the tray. Emits DEVICE_TRAY_MOVED.',
    since: '0.1',
    args: s.object({
      ...DriveSelector,
      filename: s.required(s.string({ minLength: 1, maxLength: 4096 }), 'Absolute path of the image file.'),
      format: s.optional(s.string({ maxLength: 16 }), 'Image format; detected when absent.'),
      'read-only-mode': s.optional(s.enumeration(['retain', 'read-only', 'read-write'] as const)),
    }),
    returns: empty,
    errors: [
      { class: 'DeviceNotFound', when: 'no drive has that id' },
      { class: 'GenericError', when: 'the file is missing, a directory, unreadable or empty' },
    ],
  }),
} as const;

export const mediaEvents = {
  DEVICE_TRAY_MOVED: event({
    doc: 'A removable drive\'s tray opened or closed (by a command or by the guest).',
    since: '0.1',
    data: s.object({ device: s.required(s.string()), id: s.required(s.string()), 'tray-open': s.required(s.boolean()) }),
  }),
  BLOCK_IO_ERROR: event({
    doc: 'A host I/O error on a drive. With action "stop" the guest is paused with status io-error.',
    since: '0.1',
    data: s.object(
      {
        device: s.required(s.string()),
        'node-name': s.optional(s.string()),
        operation: s.required(s.enumeration(['read', 'write'] as const)),
        action: s.required(s.enumeration(['ignore', 'report', 'stop'] as const)),
        nospace: s.optional(s.boolean()),
        reason: s.required(s.string()),
      },
      { allowUnknown: true },
    ),
  }),
} as const;
