/** The manager's machine actions and which ones a machine's state allows (no React, so unit tested in Node). */
import type { MachineState } from '../../platform/models.js';

/** Toolbar and menu actions. */
export type ManagerAction = 'new' | 'settings' | 'start' | 'show' | 'pause' | 'resume' | 'stop' | 'snapshots' | 'delete';

/** Which actions a machine in `state` offers. */
export function actionsFor(state: MachineState | undefined): ReadonlySet<ManagerAction> {
  const actions = new Set<ManagerAction>(['new']);
  if (state === undefined) return actions;
  actions.add('settings').add('snapshots');
  if (state === 'stopped' || state === 'crashed') actions.add('start').add('delete');
  if (state === 'shutdown') actions.add('start').add('stop');
  if (state === 'running') actions.add('pause').add('stop').add('show');
  if (state === 'paused') actions.add('resume').add('stop').add('show');
  return actions;
}
