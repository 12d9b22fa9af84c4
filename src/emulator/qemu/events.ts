/**
 * QEMU's events and the run state: QMP events handled one at a time in the order QEMU sent them
 * and mapped onto protocol events (STOP asks QEMU for the status before it is reported), guest
 * faults with advice, and the power commands query-status, stop, cont, system_reset and
 * system_powerdown.
 */
import type { EngineEventData, RunStateName } from '../../shared/protocol/engine/index.js';
import { ProtocolError } from '../backend.js';
import { continueProblem, pauseProblem } from '../common/run-state.js';
import { Waiters } from '../common/waiters.js';
import { qmpFailure, type QemuMachine, type Session } from './machine.js';
import { qdevId } from './media.js';
import type { QemuProcess } from './process.js';
import { QmpError, type QmpEvent } from './qmp.js';
import type { QemuSnapshots } from './snapshots.js';

/** Statuses in which the guest cannot simply continue, with what the user can do. */
const faultAdvice: Partial<Record<RunStateName, string>> = {
  'internal-error': 'QEMU hit an internal error running the guest (often an accelerator problem). Reset the machine (system_reset) to start over, or force TCG in the machine settings.',
  'io-error': 'A disk I/O error paused the guest (for example the host disk is full). Free space or fix the disk, then continue (cont).',
  'guest-panicked': 'The guest operating system panicked. Reset the machine (system_reset).',
  'restore-vm': 'Loading the snapshot failed and the guest is stopped. Load another snapshot, or reset the machine (system_reset).',
  watchdog: 'The guest watchdog fired. Reset the machine (system_reset).',
};

/** How long system_reset waits for QEMU to have reset before it answers anyway. */
const resetWaitMs = 5000;

/** The event queue and power commands of one QEMU machine. */
export class QemuEvents {
  /**
   * QEMU events are handled one at a time in the order QEMU sent them: STOP asks for the status
   * before it is reported, and a RESUME that QEMU sent after it must not overtake it.
   */
  private eventQueue: Promise<void> = Promise.resolve();
  /** Those waiting for QEMU's next RESET event (system_reset replies before QEMU has reset). */
  private readonly resets = new Waiters();

  constructor(
    private readonly machine: QemuMachine,
    private readonly process: QemuProcess,
    private readonly snapshots: QemuSnapshots,
  ) {
    machine.addHandlers({
      'query-status': async () => {
        try {
          const status = await this.readRunState();
          return { status: status.status, running: status.running };
        } catch {
          return { status: this.machine.runState, running: false };
        }
      },
      stop: async () => {
        this.machine.qmp();
        const problem = pauseProblem(this.machine.runState);
        if (problem !== undefined) throw new ProtocolError('WrongState', problem);
        await this.machine.call('stop');
        await this.refreshRunState();
        return {};
      },
      cont: async () => {
        this.machine.qmp();
        const problem = continueProblem(this.machine.runState);
        if (problem !== undefined) throw new ProtocolError('WrongState', problem);
        try {
          await this.machine.qmp().execute('cont');
        } catch (error) {
          if (error instanceof QmpError && /reset/i.test(error.message)) throw new ProtocolError('WrongState', `${error.message}: reset it first (system_reset).`);
          throw qmpFailure(error);
        }
        await this.refreshRunState();
        return {};
      },
      system_reset: async () => {
        // QEMU resets in its main loop after replying, and leaves a powered-off guest in
        // prelaunch: wait for that, so the state answered next (and a cont) is the reset one.
        const reset = this.resets.wait(resetWaitMs);
        try {
          await this.machine.call('system_reset');
        } catch (error) {
          reset.cancel();
          throw error;
        }
        await reset.done;
        await this.refreshRunState();
        return {};
      },
      system_powerdown: async () => {
        await this.machine.call('system_powerdown');
        return {};
      },
    });
  }

  /** Asks QEMU for its run state and takes it as the machine's (quietly: QEMU sends its own events). */
  private async readRunState(): Promise<{ status: RunStateName; running: boolean }> {
    const status = await this.machine.qmp().execute<{ status: RunStateName; running: boolean }>('query-status', {}, 10_000);
    this.machine.runState = status.status;
    return status;
  }

  /**
   * Takes QEMU's run state now, before a command's reply goes out: the engine answers
   * query-status from this state, and the STOP/RESUME event that also updates it is handled
   * behind a QMP round trip of its own, so a client asking right after `stop` could otherwise be
   * told "running" (seen in CI under load). The event still follows and is sent to clients.
   */
  private async refreshRunState(): Promise<void> {
    // QEMU gone: its exit is reported.
    await this.readRunState().catch(() => undefined);
  }

  /** Queues an event of `session`'s QEMU behind the ones before it. */
  onQemuEvent(session: Session, event: QmpEvent): void {
    if (this.machine.session !== session || session.retiring) return;
    this.eventQueue = this.eventQueue
      .then(() => this.handleQemuEvent(session, event))
      .catch((error: unknown) => this.machine.host.log(`qemu: handling the ${event.event} event: ${(error as Error).message}`));
  }

  private async handleQemuEvent(session: Session, event: QmpEvent): Promise<void> {
    const machine = this.machine;
    // An event queued behind a relaunch belongs to the QEMU that was replaced.
    if (machine.session !== session || session.retiring) return;
    const data = event.data;
    switch (event.event) {
      case 'STOP':
        await this.onStop(session);
        break;
      case 'RESUME':
        machine.run.reported('RESUME', 'running');
        break;
      case 'RESET':
        machine.emit('RESET', { guest: data.guest === true, reason: String(data.reason ?? 'host-qmp-system-reset') });
        this.resets.release();
        break;
      case 'SHUTDOWN':
        machine.runState = 'shutdown';
        machine.emit('SHUTDOWN', { guest: data.guest === true, reason: String(data.reason ?? 'guest-shutdown') });
        break;
      case 'POWERDOWN':
        machine.emit('POWERDOWN', {});
        break;
      case 'DEVICE_TRAY_MOVED':
        machine.emit('DEVICE_TRAY_MOVED', { device: String(data.device ?? ''), id: qdevId(String(data.id ?? '')), 'tray-open': data['tray-open'] === true });
        break;
      case 'BLOCK_IO_ERROR':
        machine.emit('BLOCK_IO_ERROR', {
          device: String(data.device ?? ''),
          ...(typeof data['node-name'] === 'string' ? { 'node-name': data['node-name'] } : {}),
          operation: data.operation === 'read' ? 'read' : 'write',
          action: data.action === 'ignore' || data.action === 'report' ? data.action : 'stop',
          ...(typeof data.nospace === 'boolean' ? { nospace: data.nospace } : {}),
          reason: String(data.reason ?? 'I/O error'),
        });
        break;
      case 'JOB_STATUS_CHANGE': {
        const id = String(data.id ?? '');
        const status = String(data.status ?? 'undefined') as EngineEventData<'JOB_STATUS_CHANGE'>['status'];
        // Whoever waits for "concluded" then sees the machine's real state and the clipboard back.
        if (status === 'concluded') await this.snapshots.onJobConcluded(session, id);
        machine.emit('JOB_STATUS_CHANGE', { id, status });
        break;
      }
      default:
        break;
    }
  }

  private async onStop(session: Session): Promise<void> {
    const machine = this.machine;
    let status: RunStateName = 'paused';
    try {
      status = (await session.qmp!.execute<{ status: RunStateName }>('query-status', {}, 10_000)).status;
    } catch {
      // QEMU went away; onExit reports it.
    }
    if (machine.session !== session) return;
    machine.run.reported('STOP', status);
    if (status === 'internal-error' && session.accelerator === 'kvm' && machine.config.options?.accelerator !== 'kvm') {
      this.process.kvmFailed('the guest stopped with a KVM internal error');
      // Not awaited: the new QEMU's events queue behind this one.
      void this.process.relaunch('tcg', true);
      return;
    }
    const advice = faultAdvice[status];
    // A failed snapshot load is reported with its reason when its job concludes.
    if (advice !== undefined && status !== 'restore-vm' && !this.snapshots.loadRunning()) machine.emit('ENGINE_ERROR', { reason: `The guest stopped (${status}). ${advice}`, fatal: false });
  }
}
