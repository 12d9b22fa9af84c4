/**
 * What an application-menu command (Electron's bridge `onMenuCommand`) does in a VM window: what
 * the window's own menus do, as far as the machine's state allows.
 */
import type { MenuCommand } from '../../../shared/bridge.js';
import type { MachineState } from '../../platform/models.js';
import type { ScalingMode } from '../display/types.js';
import type { VmCommand } from './types.js';

/** A command for the owner, or something the window does itself; undefined when nothing applies. */
export type VmMenuOutcome =
  | { readonly kind: 'command'; readonly command: VmCommand }
  | { readonly kind: 'screenshot' | 'ctrl-alt-del' | 'type-clipboard' }
  | { readonly kind: 'scaling'; readonly scaling: ScalingMode }
  | undefined;

const owner = (command: VmCommand): VmMenuOutcome => ({ kind: 'command', command });

/** The outcome of `command` with the machine in `state`, `typing` while paste-as-typing runs. */
export function vmMenuOutcome(command: MenuCommand, state: MachineState, typing: boolean): VmMenuOutcome {
  const running = state === 'running';
  const active = running || state === 'paused';
  switch (command) {
    case 'machine.start':
      return active ? undefined : owner({ kind: 'start' });
    case 'machine.pause':
      return active ? owner({ kind: running ? 'pause' : 'resume' }) : undefined;
    case 'machine.reset':
      return active ? owner({ kind: 'reset' }) : undefined;
    case 'machine.powerdown':
      return active ? owner({ kind: 'powerdown' }) : undefined;
    case 'machine.poweroff':
      return active ? owner({ kind: 'poweroff' }) : undefined;
    case 'machine.snapshot':
      return active ? owner({ kind: 'snapshot' }) : undefined;
    case 'machine.settings':
      return owner({ kind: 'settings' });
    case 'machine.screenshot':
      return { kind: 'screenshot' };
    case 'input.ctrl-alt-del':
      return running ? { kind: 'ctrl-alt-del' } : undefined;
    case 'input.type-clipboard':
      return running && !typing ? { kind: 'type-clipboard' } : undefined;
    case 'view.scale-fit':
      return { kind: 'scaling', scaling: 'fit' };
    case 'view.scale-1x':
      return { kind: 'scaling', scaling: 'native' };
    case 'machine.new':
    case 'app.preferences':
      return undefined; // the manager's commands
  }
}
