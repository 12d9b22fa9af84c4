/**
 * Stores what a running machine's removable drive now holds, after the engine took the change
 * (`vm.insert` / `vm.eject`, as `hangar control NAME insert|eject` sends them). The stored drive
 * is what windows and the manager show: storing it publishes LIBRARY_CHANGED, so every open view
 * follows a change made from the CLI at once, and the medium stays in at the next start, as
 * with the Devices menu (machines.set-drive).
 */
import { resolve } from 'node:path';
import type { Library } from '../../library/index.js';
import type { DriveSlotName } from '../../shared/protocol/enums.js';

/** Records `path` (null: empty) as the medium in `slot` of machine `machineId`, adding the file to the media library. */
export function recordDrive(library: Library, machineId: string, slot: DriveSlotName, path: string | null): void {
  if (path === null) {
    library.machines.setDrive(machineId, slot, null);
    return;
  }
  const absolute = resolve(path);
  const media = library.media.findByPath(absolute) ?? library.media.add(absolute);
  library.machines.setDrive(machineId, slot, media.id);
}
