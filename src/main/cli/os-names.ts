/** OS names for the CLI's output: machines store osinfo ids (URLs); people read names. */
import { builtinOsInfo } from '../../library/osinfo.js';
import type { CoreConnection } from './connection.js';

/**
 * A lookup from OS id to name. Hangar's own ids (other, grub) are named here; others come from
 * the core's catalog (`os.list`, asked only when such an id is in `ids`). An id nobody knows (or
 * every id, if the call fails) comes back as it is.
 */
export async function osNameLookup(connection: CoreConnection, ids: readonly string[]): Promise<(osId: string) => string> {
  const names = new Map<string, string>();
  if (ids.some((osId) => builtinOsInfo(osId) === undefined)) {
    const catalog = await connection.call('os.list', {});
    if (catalog.ok) for (const os of catalog.value) names.set(os.id, os.name);
  }
  return (osId) => builtinOsInfo(osId)?.name ?? names.get(osId) ?? osId;
}
