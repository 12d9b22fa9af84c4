/**
 * Maps the app API's shared folders to the Shared folders page and back: the machine view's
 * `shares`, the answer of `vm.shares`, and the `shares` of a machines.update patch (the whole
 * list, only when it changed). Pure functions over the schema's types (the client has checked
 * each reply), like api-mapping.ts.
 */
import type { ApiArgs } from '../../shared/protocol/api/index.js';
import type { ApiValue } from '../../shared/protocol/api/client.js';
import type { ShareSetting } from '../../shared/share-settings.js';
import type { SharesStatus } from '../features/settings/shared-folders-model.js';

/** The machine view's stored shares with their defaults; a core older than shares (no `shares`) has none. */
export function toShares(shares: ApiValue<'machines.get'>['shares']): ShareSetting[] {
  return (shares ?? []).map((share) => ({ hostPath: share.hostPath, name: share.name ?? '', readOnly: share.readOnly ?? false }));
}

/** The answer of `vm.shares` as the page shows it. */
export function toSharesStatus(value: ApiValue<'vm.shares'>): SharesStatus {
  return {
    running: value.running,
    shares: value.shares.map((share) => ({ ...share })),
    ...(value.note !== undefined ? { note: value.note } : {}),
  };
}

/** The `shares` of a machines.update patch (the whole list); undefined when nothing changed. */
export function toSharesPatch(before: readonly ShareSetting[], after: readonly ShareSetting[]): ApiArgs<'machines.update'>['patch']['shares'] {
  if (JSON.stringify(before) === JSON.stringify(after)) return undefined;
  return after.map((share) => ({ hostPath: share.hostPath, name: share.name, readOnly: share.readOnly }));
}
