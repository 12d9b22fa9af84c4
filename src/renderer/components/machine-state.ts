/** Words and colours for machine run states, shared by the manager and VM windows. */
import type { MachineState } from '../platform/models.js';

/** What a person reads for each state. */
export const stateLabels: Readonly<Record<MachineState, string>> = {
  stopped: 'Powered off',
  starting: 'Starting',
  running: 'Running',
  paused: 'Paused',
  shutdown: 'Shut down',
  crashed: 'Crashed',
  stopping: 'Stopping',
};

/** The MUI colour of a state chip. */
export function stateColour(state: MachineState): 'success' | 'warning' | 'error' | 'info' | 'default' {
  if (state === 'running') return 'success';
  if (state === 'paused') return 'warning';
  if (state === 'crashed') return 'error';
  if (state === 'starting' || state === 'stopping') return 'info';
  return 'default';
}

/** Whether an engine process exists for a machine in `state` (a display can be opened). */
export function isActive(state: MachineState): boolean {
  return state === 'running' || state === 'paused' || state === 'starting' || state === 'stopping';
}
