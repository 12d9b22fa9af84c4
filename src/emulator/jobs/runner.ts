/**
 * A small job runner with QEMU's job life cycle: created → running → pending → concluded, or
 * created → running → aborting → concluded with an error; `dismiss` takes a concluded job to
 * null and forgets it. Every change is reported (JOB_STATUS_CHANGE). Jobs run one at a time,
 * in order, as QEMU's snapshot jobs effectively do.
 */
import { ProtocolError } from '../backend.js';
import type { JobStatusName } from './types.js';

/** A job as `query-jobs` lists it. */
export interface JobInfo {
  id: string;
  type: string;
  status: JobStatusName;
  'current-progress': number;
  'total-progress': number;
  error?: string;
}

/** What a job's work can report while it runs. */
export interface JobContext {
  progress(current: number, total: number): void;
}

export class JobRunner {
  private readonly jobs = new Map<string, JobInfo>();
  private queue: Promise<void> = Promise.resolve();

  /** `changed` is called on every status change (emit JOB_STATUS_CHANGE from it). */
  constructor(private readonly changed: (id: string, status: JobStatusName) => void) {}

  private set(job: JobInfo, status: JobStatusName): void {
    job.status = status;
    this.changed(job.id, status);
  }

  /**
   * Starts a job; returns once it is created (the work runs afterwards). Rejects a duplicate id
   * with GenericError, as QEMU does.
   */
  start(id: string, type: string, work: (context: JobContext) => Promise<void>): void {
    if (this.jobs.has(id)) throw new ProtocolError('GenericError', `Job ID '${id}' already in use`);
    const job: JobInfo = { id, type, status: 'undefined', 'current-progress': 0, 'total-progress': 1 };
    this.jobs.set(id, job);
    this.set(job, 'created');
    const context: JobContext = {
      progress: (current, total) => {
        job['current-progress'] = current;
        job['total-progress'] = total;
      },
    };
    this.queue = this.queue.then(async () => {
      // Let the command's reply go out before the first status change, as with QEMU.
      await new Promise((resolve) => setImmediate(resolve));
      this.set(job, 'running');
      try {
        await work(context);
        job['current-progress'] = job['total-progress'];
        this.set(job, 'pending');
        this.set(job, 'concluded');
      } catch (error) {
        job.error = error instanceof Error ? error.message : String(error);
        this.set(job, 'aborting');
        this.set(job, 'concluded');
      }
    });
  }

  /** Jobs not dismissed yet. */
  list(): JobInfo[] {
    return [...this.jobs.values()].map((job) => ({ ...job }));
  }

  /** Removes a concluded job. */
  dismiss(id: string): void {
    const job = this.jobs.get(id);
    if (!job) throw new ProtocolError('GenericError', `Job '${id}' not found`);
    if (job.status !== 'concluded') throw new ProtocolError('GenericError', `Job '${id}' in state '${job.status}' cannot accept command verb 'dismiss'`);
    this.jobs.delete(id);
    this.set(job, 'null');
  }

  /** Resolves when every job started so far has concluded. */
  async idle(): Promise<void> {
    await this.queue;
  }
}
