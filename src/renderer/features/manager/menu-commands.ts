/**
 * What an application-menu command (Electron's bridge `onMenuCommand`) does in the manager:
 * it applies to the selected machine, as far as the machine's state allows.
 */
import type { MenuCommand } from '../../../shared/bridge.js';
import type { MachineState } from '../../platform/models.js';
import { actionsFor } from './manager-actions.js';
import type { ManagerAction } from './manager-actions.js';

/** A manager toolbar action, or a power action with no toolbar button (reset, ACPI shutdown). */
export type ManagerMenuOutcome = { readonly kind: 'action'; readonly action: ManagerAction } | { readonly kind: 'power'; readonly action: 'reset' | 'powerdown' } | undefined;

/** The outcome of `command` with the selected machine in `state` (undefined state: none selected). */
export function managerMenuOutcome(command: MenuCommand, state: MachineState | undefined): ManagerMenuOutcome {
  const available = actionsFor(state);
  const action = (name: ManagerAction): ManagerMenuOutcome => (available.has(name) ? { kind: 'action', action: name } : undefined);
  const active = state === 'running' || state === 'paused';
  switch (command) {
    case 'machine.new':
      return action('new');
    case 'machine.settings':
      return action('settings');
    case 'machine.start':
      return action('start') ?? action('resume');
    case 'machine.pause':
      return action('pause') ?? action('resume');
    case 'machine.poweroff':
      return action('stop');
    case 'machine.snapshot':
      return action('snapshots');
    case 'machine.reset':
      return active ? { kind: 'power', action: 'reset' } : undefined;
    case 'machine.powerdown':
      return active ? { kind: 'power', action: 'powerdown' } : undefined;
    default:
      // Screenshots, input and view commands belong to a VM window.
      return undefined;
  }
}
