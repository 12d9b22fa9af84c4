/**
 * The run-state rules both engines follow: which states `stop` and `cont` refuse, the state a
 * guest is in once a snapshot job is over, and when STOP and RESUME are emitted (the guest
 * stopping or starting to run; after a snapshot job, the last one sent must agree with the state,
 * so a client that follows the events, as the app does, never shows a running guest as paused).
 */
import type { RunStateName } from '../../shared/protocol/engine/index.js';

/** The events that tell clients the guest stopped or started running. */
export type RunEvent = 'STOP' | 'RESUME';

/** States only a reset leaves (QEMU's "needs reset" states). */
const needsResetStates: ReadonlySet<RunStateName> = new Set(['shutdown', 'internal-error', 'guest-panicked']);

/** True in the states only a reset leaves (shutdown, internal-error, guest-panicked). */
export function needsReset(state: RunStateName): boolean {
  return needsResetStates.has(state);
}

/** Why `stop` is refused in `state`, or undefined when the guest can be paused. */
export function pauseProblem(state: RunStateName): string | undefined {
  return needsResetStates.has(state) ? `The guest is ${state}; there is nothing to pause. Reset it (system_reset) or power it off (quit).` : undefined;
}

/** Why `cont` is refused in `state`, or undefined when the guest can continue. */
export function continueProblem(state: RunStateName): string | undefined {
  // A failed snapshot load leaves a half-restored guest: only a reset or another load helps.
  if (needsResetStates.has(state) || state === 'restore-vm') return `The guest cannot continue: it is ${state}; reset it first (system_reset), then cont.`;
  if (state === 'save-vm') return 'A snapshot is being saved; continue (cont) once its job has concluded.';
  return undefined;
}

/**
 * The state a snapshot job leaves the guest in: a running guest runs on, a stopped one stays
 * stopped, and a loaded state waits for `cont` whatever the guest was doing before, also after a
 * power-off or a fault (QEMU says `prelaunch` there: it needs a reset before the load).
 */
export function stateAfterSnapshotJob(job: 'snapshot-save' | 'snapshot-load', before: RunStateName): RunStateName {
  if (before === 'running') return 'running';
  return job === 'snapshot-load' ? 'paused' : before;
}

/** One machine's run state and the STOP/RESUME events that report it. */
export class RunState {
  private current: RunStateName;
  private lastEvent: RunEvent | undefined;

  /** `emit` sends STOP or RESUME to clients. */
  constructor(
    private readonly emit: (event: RunEvent) => void,
    initial: RunStateName = 'prelaunch',
  ) {
    this.current = initial;
  }

  /** The state now. */
  get state(): RunStateName {
    return this.current;
  }

  /** True when the guest CPU runs. */
  get running(): boolean {
    return this.current === 'running';
  }

  /** Moves to `next`; the guest stopping emits STOP, starting emits RESUME, unless `quiet`. */
  set(next: RunStateName, options: { quiet?: boolean } = {}): void {
    const wasRunning = this.running;
    this.current = next;
    if (options.quiet !== true && wasRunning !== this.running) this.send(this.running ? 'RESUME' : 'STOP');
  }

  /** Passes on a STOP or RESUME the emulator itself reported (QEMU), with the state it has now. */
  reported(event: RunEvent, state: RunStateName): void {
    this.current = state;
    this.send(event);
  }

  /**
   * Takes `state` as authoritative and makes the last STOP/RESUME sent agree with it. A snapshot
   * job stops and resumes the guest within moments; whatever was reported during it, its end decides.
   */
  settle(state: RunStateName): void {
    this.current = state;
    if (this.running && this.lastEvent === 'STOP') this.send('RESUME');
    else if (!this.running && this.lastEvent === 'RESUME') this.send('STOP');
  }

  private send(event: RunEvent): void {
    this.lastEvent = event;
    this.emit(event);
  }
}
