/**
 * Machines saved when the app closes: with the setting `app.quitAction` = "save", each running
 * machine's state becomes a snapshot, and a setting per machine names the snapshot its next
 * start resumes from (vm.start, handlers/vm.ts).
 */
import type { Library } from '../../library/index.js';
import type { Supervisor } from '../supervisor/index.js';
import { attempt } from './lookups.js';
import type { SnapshotService } from './snapshot-service.js';

/**
 * Setting: what closing the app does with running machines (shared with the Electron quit path,
 * src/main/electron/quit.ts): "save" keeps their state for the next start; anything else powers
 * them off here (the Electron shell may have shut them down gracefully before).
 */
export const onCloseSetting = 'app.quitAction';
/** Name of the snapshot that holds a machine's state saved on close. */
export const savedStateName = 'Saved when Hangar closed';
/** Setting holding the snapshot a machine resumes from at its next start. */
export function savedStateKey(machineId: string): string {
  return `machine.${machineId}.resumeSnapshot`;
}

/** When the setting says "save", saves every running or paused machine as a snapshot to resume from. */
export async function saveRunningMachines({ library, supervisor, snapshots }: { library: Library; supervisor: Supervisor; snapshots: SnapshotService }): Promise<void> {
  if (library.settings.get<unknown>(onCloseSetting, 'poweroff') !== 'save') return;
  for (const id of supervisor.active()) {
    const state = supervisor.status(id).state;
    if (state !== 'running' && state !== 'paused') continue;
    const machine = attempt(() => library.machines.get(id));
    if (!machine) continue;
    try {
      const saved = await snapshots.take(machine, { id, name: savedStateName, description: 'The machine\'s state when Hangar closed; its next start resumes from here.' });
      library.settings.set(savedStateKey(id), saved.id);
    } catch (error) {
      // Saving failed (an engine without snapshot support, a full disk): it is powered off like before.
      console.warn(`hangar: could not save "${machine.name}" on close: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
}
