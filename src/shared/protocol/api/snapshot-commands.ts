/**
 * The app API's `snapshots.*` commands: the snapshot tree of a machine.
 */
import { command } from '../definitions.js';
import { s } from '../schema.js';
import { byId, empty, id, png, snapshotId, SnapshotView } from './views.js';

export const snapshotCommands = {
  'snapshots.list': command({
    doc: 'A machine\'s snapshot tree: every snapshot (build the tree from parentId) and the current one (the snapshot the running state descends from).',
    since: '0.2',
    args: byId,
    returns: s.object({
      snapshots: s.required(s.array(SnapshotView)),
      currentId: s.required(s.any('Id of the current snapshot, or null.')),
      takeBlocked: s.optional(s.string(), 'Why a snapshot cannot be taken of this machine as configured (e.g. QEMU needs a qcow2 disk), with what to do; absent when nothing is missing. A take would be refused with the same sentence.', '0.7'),
    }),
    errors: [{ class: 'NotFound', when: 'no such machine' }],
  }),
  'snapshots.take': command({
    doc: 'Takes a snapshot with RAM of a running machine (the guest pauses briefly), with a thumbnail of the screen. PROGRESS events (operation "snapshot-take") report how far it is.',
    since: '0.2',
    args: s.object({ id: s.required(id), name: s.required(s.string({ minLength: 1, maxLength: 200 })), description: s.optional(s.string({ maxLength: 10000 })) }),
    returns: SnapshotView,
    errors: [
      { class: 'Unavailable', when: 'the machine is not running (start it first)' },
      { class: 'NotSupported', when: 'the machine lacks what its engine needs to snapshot (QEMU: a qcow2 hard disk); desc says what to do, as snapshots.list\'s takeBlocked does' },
      { class: 'EngineFailed', when: 'the engine could not save (the reason is in desc)' },
      { class: 'NoSpace', when: 'the library\'s file system is full (desc names the folder, the free space and what to do; nothing is half-written)' },
      { class: 'Unavailable', when: 'the library\'s own files cannot be written (desc has the I/O error)' },
      { class: 'Conflict', when: 'another snapshot operation on this machine is under way' },
    ],
  }),
  'snapshots.restore': command({
    doc: 'Restores a snapshot: the guest returns to the saved screen, memory and disk. A stopped machine is started from the snapshot. The snapshot becomes current.',
    since: '0.2',
    args: s.object({ id: s.required(id), snapshotId: s.required(snapshotId) }),
    returns: empty,
    errors: [
      { class: 'NotFound', when: 'no such machine or snapshot' },
      { class: 'EngineFailed', when: 'the engine could not load it (the guest is stopped; restore another snapshot or reset)' },
      { class: 'NoSpace', when: 'the library\'s file system is full (desc names the folder, the free space and what to do)' },
      { class: 'Conflict', when: 'another snapshot operation on this machine is under way' },
    ],
  }),
  'snapshots.delete': command({
    doc: 'Deletes a snapshot; its children move up to its parent. The row goes first, then the files.',
    since: '0.2',
    args: s.object({ id: s.required(id), snapshotId: s.required(snapshotId) }),
    returns: empty,
    errors: [{ class: 'NotFound', when: 'no such machine or snapshot' }, { class: 'Conflict', when: 'the engine is using the snapshot' }],
  }),
  'snapshots.inspect': command({
    doc: 'Describes what a snapshot holds without loading it: engine and version, configuration, sections and sizes, and whether this machine can load it (and if not, why).',
    since: '0.2',
    args: s.object({ id: s.required(id), snapshotId: s.required(snapshotId) }),
    returns: s.object(
      {
        id: s.required(s.string()),
        name: s.required(s.string()),
        engine: s.required(s.string()),
        engineVersion: s.optional(s.string()),
        sizeBytes: s.optional(s.integer({ min: 0 })),
        formatVersion: s.optional(s.integer()),
        sections: s.optional(s.array(s.object({ name: s.required(s.string()), size: s.required(s.integer()), rawSize: s.optional(s.integer()) }))),
        configuration: s.optional(s.any()),
        loadable: s.required(s.boolean()),
        reason: s.optional(s.string(), 'Why it cannot be loaded.'),
      },
      { allowUnknown: true },
    ),
    errors: [{ class: 'NotFound', when: 'no such machine or snapshot' }],
  }),
  'snapshots.update': command({
    doc: 'Renames a snapshot or changes its description.',
    since: '0.2',
    args: s.object({
      id: s.required(id),
      snapshotId: s.required(snapshotId),
      name: s.optional(s.string({ minLength: 1, maxLength: 200 })),
      description: s.optional(s.string({ maxLength: 10000 })),
    }),
    returns: SnapshotView,
    errors: [{ class: 'NotFound', when: 'no such machine or snapshot' }],
  }),
  'snapshots.thumbnail': command({
    doc: 'The screen thumbnail stored with a snapshot.',
    since: '0.2',
    args: s.object({ id: s.required(id), snapshotId: s.required(snapshotId) }),
    returns: png,
    errors: [{ class: 'NotFound', when: 'no such snapshot, or it has no thumbnail' }],
  }),
} as const;
