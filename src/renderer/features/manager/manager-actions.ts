/** The manager's machine actions and which ones a machine's state allows (no React, so unit tested in Node). */
import type { MachineState } from '../../platform/models.js';

/** Toolbar and menu actions. */
export type ManagerAction = 'new' | 'settings' | 'start' | 'show' | 'pause' | 'resume' | 'shutdown' | 'stop' | 'snapshots' | 'delete';

/**
 * Which actions a machine in `state` offers. `shutdown` (the ACPI power button) only with an
 * engine that has one: v86 has no ACPI power button.
 */
export function actionsFor(state: MachineState | undefined, engine?: 'v86' | 'qemu'): ReadonlySet<ManagerAction> {
  const actions = new Set<ManagerAction>(['new']);
  if (state === undefined) return actions;
  actions.add('settings').add('snapshots');
  if (state === 'stopped' || state === 'crashed') actions.add('start').add('delete');
  if (state === 'shutdown') actions.add('start').add('stop');
  if (state === 'running') actions.add('pause').add('stop').add('show');
  if (state === 'running' && engine !== 'v86') actions.add('shutdown');
  if (state === 'paused') actions.add('resume').add('stop').add('show');
  return actions;
}
