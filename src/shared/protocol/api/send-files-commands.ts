/**
 * The app API's "send files" commands: host files put into a machine's CD (or floppy) drive as a
 * freshly built image, so a guest without any sharing support can read them; the medium it
 * replaced is remembered and can be put back. Files come as host paths, or (from a browser,
 * which has none) uploaded in chunks to a per-upload staging folder first.
 */
import { command } from '../definitions.js';
import { s } from '../schema.js';
import { id, slot } from './views.js';

const uploadId = s.string({ minLength: 16, maxLength: 64, doc: 'An upload id from vm.upload-file.' });

export const sendFilesCommands = {
  'vm.send-files': command({
    doc:
      'Builds an image with the given files (a CD image with Joliet and Rock Ridge names; a 1.44 MiB FAT floppy image when the target is the floppy drive) in the machine\'s folder and puts it in the drive of the machine, running or stopped. ' +
      'The medium it replaces is remembered (vm.restore-medium puts it back). PROGRESS events (operation "send-files") report how far the image is.',
    since: '0.6',
    args: s.object({
      id: s.required(id),
      paths: s.optional(s.array(s.string({ minLength: 1, maxLength: 4096 }), { maxItems: 4096 }), 'Host files or folders (absolute paths); each goes to the root of the image under its own name.'),
      uploadId: s.optional(uploadId, 'Also send the files uploaded under this id (vm.upload-file); the staging folder is removed afterwards.'),
      target: s.optional(s.enumeration(['auto', 'cd0', 'fd0'] as const), 'Which drive: auto (the CD drive when the machine has one, else the floppy drive), cd0 or fd0. Default auto.'),
      label: s.optional(s.string({ maxLength: 32 }), 'Volume label; default HANGAR.'),
    }),
    returns: s.object({
      slot: s.required(slot),
      image: s.required(s.string(), 'Path of the image built (in the machine\'s folder, mode 0600).'),
      files: s.required(s.integer({ min: 0 }), 'Files in the image.'),
      bytes: s.required(s.integer({ min: 0 }), 'Bytes of file data in the image.'),
      replaced: s.optional(s.string(), 'Path of the medium it replaced; absent when the drive was empty.'),
    }),
    errors: [
      { class: 'NotFound', when: 'no such machine, or no such upload' },
      { class: 'InvalidArgument', when: 'no files given, a path does not exist or cannot be read, or the files do not fit on a floppy (desc says how much they take)' },
      { class: 'Unavailable', when: 'the tool that builds the image (xorriso, mtools) is not installed (desc names the package)' },
      { class: 'EngineFailed', when: 'the image was built but the running engine did not take it' },
    ],
  }),
  'vm.restore-medium': command({
    doc: 'Puts back the medium that vm.send-files replaced (or empties the drive when it was empty), in the running engine and the stored drives, and deletes the sent image.',
    since: '0.6',
    args: s.object({ id: s.required(id) }),
    returns: s.object({
      slot: s.required(slot),
      restored: s.optional(s.string(), 'Path of the medium put back; absent when the drive was left empty.'),
    }),
    errors: [
      { class: 'NotFound', when: 'no such machine, or nothing was sent to it (or it was already put back)' },
      { class: 'InvalidArgument', when: 'the previous medium\'s file is gone (the sent image stays in the drive)' },
    ],
  }),
  'vm.sent-medium': command({
    doc: 'Whether files sent with vm.send-files are in a drive of the machine, and what medium vm.restore-medium would put back (for offering it on eject).',
    since: '0.6',
    args: s.object({ id: s.required(id) }),
    returns: s.object({
      active: s.required(s.boolean(), 'True while a sent image can be replaced by the previous medium.'),
      slot: s.optional(slot),
      image: s.optional(s.string()),
      previous: s.optional(s.string(), 'Path of the medium that would be put back; absent: the drive would be emptied.'),
    }),
    errors: [{ class: 'NotFound', when: 'no such machine' }],
  }),
  'vm.upload-file': command({
    doc:
      'Uploads one file (in chunks, in order) to a staging folder for a later vm.send-files; for shells that cannot give host paths (the web shell). ' +
      'Leave uploadId out of the first call to start an upload; the answer gives it. An upload holds at most the setting "sendFiles.uploadLimitBytes" (default 1 GiB) in all; more is refused.',
    since: '0.6',
    args: s.object({
      id: s.required(id),
      uploadId: s.optional(uploadId),
      name: s.required(s.string({ minLength: 1, maxLength: 255 }), 'The file\'s name (one name, no folders).'),
      offset: s.required(s.integer({ min: 0 }), 'Where this chunk goes: the bytes of this file received so far.'),
      data: s.required(s.string({ maxLength: 2 << 20 }), 'Base64 of the chunk (at most 1.5 MiB of bytes).'),
    }),
    returns: s.object({
      uploadId: s.required(uploadId),
      size: s.required(s.integer({ min: 0 }), 'Bytes of this file received so far.'),
      total: s.required(s.integer({ min: 0 }), 'Bytes of every file of this upload so far.'),
    }),
    errors: [
      { class: 'NotFound', when: 'no such machine or upload' },
      { class: 'InvalidArgument', when: 'a bad name, data that is not base64, an offset other than the bytes received so far, or the upload would exceed its size limit (desc gives the limit)' },
    ],
  }),
  'vm.upload-cancel': command({
    doc: 'Drops an upload and its staging folder.',
    since: '0.6',
    args: s.object({ id: s.required(id), uploadId: s.required(uploadId) }),
    returns: s.object({}),
    errors: [{ class: 'NotFound', when: 'no such machine or upload' }],
  }),
} as const;
