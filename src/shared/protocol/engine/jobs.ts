/**
 * Snapshots with RAM as background jobs, with QEMU's names: `snapshot-save`, `snapshot-load`,
 * `snapshot-delete`, `query-jobs`, `job-dismiss`, `JOB_STATUS_CHANGE`; plus Hangar's
 * `query-snapshots` and `snapshot-inspect`.
 */
import { command, event } from '../definitions.js';
import { s } from '../schema.js';

export const jobStatuses = [
  'undefined',
  'created',
  'running',
  'paused',
  'ready',
  'standby',
  'waiting',
  'pending',
  'aborting',
  'concluded',
  'null',
] as const;
export const JobStatus = s.named('JobStatus', s.enumeration(jobStatuses, 'Job life cycle state (QAPI `JobStatus`).'));

const jobArgs = {
  'job-id': s.required(s.string({ minLength: 1, maxLength: 128 }), 'Identifier of the new job.'),
  tag: s.required(s.string({ minLength: 1, maxLength: 256 }), 'Name of the snapshot.'),
  vmstate: s.optional(s.string({ maxLength: 64 }), 'Node holding the machine state (QEMU); ignored by v86.'),
  devices: s.optional(s.array(s.string({ maxLength: 64 }), { maxItems: 32 }), 'Block nodes to snapshot (QEMU); all by default.'),
} as const;

const jobStarted = s.object({});

export const SnapshotSummary = s.named(
  'SnapshotSummary',
  s.object(
    {
      tag: s.required(s.string()),
      'vm-state-size': s.required(s.integer({ min: 0 }), 'Bytes of machine state on disk.'),
      'date-sec': s.required(s.integer()),
      'date-nsec': s.required(s.integer()),
      'vm-clock-sec': s.optional(s.integer()),
      'vm-clock-nsec': s.optional(s.integer()),
    },
    { allowUnknown: true },
  ),
);

export const jobCommands = {
  'snapshot-save': command({
    doc: 'Starts a job that saves CPU, devices, RAM and a consistent disk state under `tag`. Watch JOB_STATUS_CHANGE or query-jobs; errors are in query-jobs[].error.',
    since: '0.1',
    args: s.object(jobArgs),
    returns: jobStarted,
  }),
  'snapshot-load': command({
    doc: 'Starts a job that restores the snapshot `tag` (machine state and disks). A failed load leaves the guest stopped with a clear status.',
    since: '0.1',
    args: s.object(jobArgs),
    returns: jobStarted,
  }),
  'snapshot-delete': command({
    doc: 'Starts a job that deletes the snapshot `tag`.',
    since: '0.1',
    args: s.object({ 'job-id': jobArgs['job-id'], tag: jobArgs.tag, devices: jobArgs.devices }),
    returns: jobStarted,
  }),
  'query-jobs': command({
    doc: 'Lists jobs that have not been dismissed.',
    since: '0.1',
    args: s.object({}),
    returns: s.array(
      s.object(
        {
          id: s.required(s.string()),
          type: s.required(s.string(), 'snapshot-save, snapshot-load or snapshot-delete.'),
          status: s.required(JobStatus),
          'current-progress': s.required(s.integer({ min: 0 })),
          'total-progress': s.required(s.integer({ min: 0 })),
          error: s.optional(s.string(), 'Why the job failed; present only when it did.'),
        },
        { allowUnknown: true },
      ),
    ),
  }),
  'job-dismiss': command({
    doc: 'Removes a concluded job from query-jobs.',
    since: '0.1',
    args: s.object({ id: s.required(s.string({ minLength: 1, maxLength: 128 })) }),
    returns: s.object({}),
    errors: [{ class: 'GenericError', when: 'no such job, or it has not concluded' }],
  }),
  'query-snapshots': command({
    doc: 'Lists the snapshots this machine has (Hangar addition; QEMU shows them with `info snapshots`).',
    since: '0.1',
    args: s.object({}),
    returns: s.array(SnapshotSummary),
  }),
  'snapshot-inspect': command({
    doc: 'Describes a snapshot without loading it: format version, engine and version, the configuration it was taken with, its sections and sizes, and whether this engine and configuration can load it (and if not, why).',
    since: '0.1',
    args: s.object({
      tag: s.optional(s.string({ minLength: 1, maxLength: 256 })),
      filename: s.optional(s.string({ minLength: 1, maxLength: 4096 }), 'A snapshot file to inspect instead of a tag.'),
    }),
    returns: s.object(
      {
        tag: s.required(s.string()),
        'format-version': s.required(s.integer()),
        engine: s.required(s.string()),
        'engine-version': s.required(s.string()),
        'date-sec': s.required(s.integer()),
        configuration: s.required(s.any('The machine configuration the snapshot was taken with.')),
        sections: s.required(
          s.array(
            s.object({
              name: s.required(s.string()),
              size: s.required(s.integer({ min: 0 }), 'Bytes the section takes in the file (compressed).'),
              'raw-size': s.optional(s.integer({ min: 0 }), 'Bytes once decompressed.', '0.1'),
            }),
          ),
        ),
        'file-size': s.required(s.integer({ min: 0 })),
        loadable: s.required(s.boolean()),
        reason: s.optional(s.string(), 'Why it cannot be loaded here.'),
      },
      { allowUnknown: true },
    ),
  }),
} as const;

export const jobEvents = {
  JOB_STATUS_CHANGE: event({
    doc: 'A job changed state.',
    since: '0.1',
    data: s.object({ id: s.required(s.string()), status: s.required(JobStatus) }),
  }),
} as const;
