/**
 * RAM snapshots as QEMU jobs (snapshot-save, snapshot-load, snapshot-delete stored in the qcow2
 * disk), query-jobs, job-dismiss and query-snapshots. At a job's end the run state is checked
 * again, a failed load is reported and the clipboard agent comes back.
 */
import type { EngineReturn, RunStateName } from '../../shared/protocol/engine/index.js';
import { ProtocolError } from '../backend.js';
import { needsReset } from '../common/run-state.js';
import type { QemuClipboard } from './clipboard.js';
import { explainSnapshotFailure } from './disk-space.js';
import type { QemuMachine, Session } from './machine.js';

interface SnapshotJob {
  readonly type: 'snapshot-save' | 'snapshot-load' | 'snapshot-delete';
  readonly tag: string;
}

/** The snapshot jobs of one QEMU machine. */
export class QemuSnapshots {
  private readonly jobs = new Map<string, SnapshotJob>();

  constructor(
    private readonly machine: QemuMachine,
    private readonly clipboard: QemuClipboard,
  ) {
    machine.addHandlers({
      'snapshot-save': (args) => this.startJob('snapshot-save', args),
      'snapshot-load': (args) => this.startJob('snapshot-load', args),
      'snapshot-delete': (args) => this.startJob('snapshot-delete', args),
      'query-jobs': async () => {
        const jobs = await this.machine.call<{ id: string; type: string; status: EngineReturn<'query-jobs'>[number]['status']; 'current-progress': number; 'total-progress': number; error?: string }[]>('query-jobs');
        return jobs.map((job) => ({
          id: job.id,
          type: job.type,
          status: job.status,
          'current-progress': job['current-progress'],
          'total-progress': job['total-progress'],
          ...(job.error === undefined ? {} : { error: this.jobError(job.type, job.error) }),
        }));
      },
      'job-dismiss': async (args) => {
        await this.machine.call('job-dismiss', { id: args.id });
        return {};
      },
      'query-snapshots': async () => {
        const node = this.machine.drives.find((drive) => drive.nodeName !== undefined);
        if (node === undefined) return [];
        type Snapshot = { name: string; 'vm-state-size': number; 'date-sec': number; 'date-nsec': number; 'vm-clock-sec': number; 'vm-clock-nsec': number };
        const blocks = await this.machine.call<{ device: string; inserted?: { image?: { snapshots?: Snapshot[] } } }[]>('query-block');
        const snapshots = blocks.find((block) => block.device === node.backend)?.inserted?.image?.snapshots ?? [];
        return snapshots.map((snapshot) => ({
          tag: snapshot.name,
          'vm-state-size': snapshot['vm-state-size'],
          'date-sec': snapshot['date-sec'],
          'date-nsec': snapshot['date-nsec'],
          'vm-clock-sec': snapshot['vm-clock-sec'],
          'vm-clock-nsec': snapshot['vm-clock-nsec'],
        }));
      },
    });
  }

  /** How many snapshot jobs started and have not concluded yet. */
  get running(): number {
    return this.jobs.size;
  }

  /** True while a snapshot-load job runs (its failure is reported when it concludes). */
  loadRunning(): boolean {
    return [...this.jobs.values()].some((job) => job.type === 'snapshot-load');
  }

  /** A job reached "concluded": re-check the run state, report a failed load, re-attach the clipboard. */
  async onJobConcluded(session: Session, id: string): Promise<void> {
    const job = this.jobs.get(id);
    if (job === undefined) return;
    this.jobs.delete(id);
    await this.machine.syncRunState(session, `after job ${id}`);
    try {
      const jobs = await this.machine.call<{ id: string; error?: string }[]>('query-jobs');
      const error = jobs.find((entry) => entry.id === id)?.error;
      if (error !== undefined && job.type === 'snapshot-load') {
        const status = (await this.machine.call<{ status: RunStateName }>('query-status')).status;
        this.machine.runState = status;
        this.machine.emit('ENGINE_ERROR', {
          reason: `Loading snapshot "${job.tag}" failed: ${error}. The guest is stopped (${status}); load another snapshot or reset the machine (system_reset).`,
          fatal: false,
        });
      }
    } catch (error) {
      this.machine.host.log(`qemu: after job ${id}: ${(error as Error).message}`);
    }
    if (this.jobs.size === 0 && this.clipboard.enabled && !this.clipboard.attached) await this.clipboard.attach('the snapshot job ended');
  }

  private snapshotNodes(): string[] {
    const drives = this.machine.drives;
    const nodes = drives.flatMap((drive) => (drive.nodeName === undefined ? [] : [drive.nodeName]));
    const rawDisk = drives.find((drive) => drive.type === 'disk' && drive.format !== 'qcow2');
    if (rawDisk !== undefined) throw new ProtocolError('GenericError', 'Snapshots with RAM need the disk in qcow2 format; this machine has a raw disk. Convert it to qcow2 (qemu-img convert) first.');
    if (nodes.length === 0) throw new ProtocolError('GenericError', 'Snapshots with RAM are stored in a qcow2 disk, and this machine has none. Add a qcow2 disk to take snapshots.');
    return nodes;
  }

  private nodeName(name: string): string {
    return this.machine.drives.find((drive) => drive.id === name || drive.backend === name)?.nodeName ?? name;
  }

  private async startJob(
    type: SnapshotJob['type'],
    args: { 'job-id': string; tag: string; vmstate?: string; devices?: string[] },
  ): Promise<Record<string, never>> {
    const nodes = this.snapshotNodes();
    if (this.jobs.has(args['job-id'])) throw new ProtocolError('GenericError', `A job with id "${args['job-id']}" is already running; pick another job-id.`);
    if (type === 'snapshot-load' && needsReset(this.machine.runState)) await this.resetBeforeLoad();
    if (this.clipboard.enabled) await this.clipboard.detach(`${type} "${args.tag}"`);
    const devices = (args.devices ?? nodes).map((name) => this.nodeName(name));
    const qemuArgs: Record<string, unknown> = { 'job-id': args['job-id'], tag: args.tag, devices };
    if (type !== 'snapshot-delete') qemuArgs.vmstate = this.nodeName(args.vmstate ?? nodes[0]!);
    this.jobs.set(args['job-id'], { type, tag: args.tag });
    try {
      await this.machine.call(type, qemuArgs);
    } catch (error) {
      this.jobs.delete(args['job-id']);
      if (this.jobs.size === 0 && this.clipboard.enabled) await this.clipboard.attach(`${type} could not start`);
      throw error;
    }
    return {};
  }

  /**
   * QEMU keeps a powered-off or faulted guest in its state through a load, so `cont` would be
   * refused and a reset would undo the load: reset first (QEMU then says prelaunch), as the
   * common rule has a loaded state wait for `cont` (common/run-state.ts).
   */
  private async resetBeforeLoad(): Promise<void> {
    await this.machine.call('system_reset');
    // QEMU resets in its main loop after answering: load only once it has.
    const deadline = Date.now() + 10_000;
    for (;;) {
      const { status } = await this.machine.call<{ status: RunStateName }>('query-status');
      if (!needsReset(status)) {
        this.machine.runState = status;
        return;
      }
      if (Date.now() > deadline) throw new ProtocolError('GenericError', `QEMU did not reset the guest (still ${status}) before the snapshot load; reset it (system_reset), then load again.`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  /** A snapshot job's error, naming a full disk when that is why QEMU could not write. */
  private jobError(type: string, error: string): string {
    // QEMU 7.2 blocks saving RAM while a guest has a 9P share mounted; its message names no way out.
    if (type === 'snapshot-save' && /Migration is disabled when VirtFS export path/.test(error)) {
      return `${error}. Unmount the shared folder in the guest (umount /mnt), take the snapshot, then mount it again.`;
    }
    const disk = this.machine.config.disk;
    if ((type !== 'snapshot-save' && type !== 'snapshot-delete') || disk === undefined) return error;
    return explainSnapshotFailure(error, disk, this.machine.config.memoryMib * 1024 * 1024);
  }
}
