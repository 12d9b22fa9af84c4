/** The snapshot count and current snapshot of the selected machine, for the manager's details. */
import { useEffect, useState } from 'react';
import type { HangarClient } from '../../platform/client.js';
import type { MachineSummary } from '../../platform/models.js';
import type { SnapshotSummary } from '../../features/manager/ManagerWindow.js';

/** Summaries by machine id; the selected machine's is read again when its state or current snapshot changes. */
export function useSnapshotSummaries(client: HangarClient, selected: MachineSummary | undefined): Readonly<Record<string, SnapshotSummary>> {
  const [summaries, setSummaries] = useState<Record<string, SnapshotSummary>>({});
  const selectedKey = selected ? `${selected.id}:${selected.currentSnapshotId ?? ''}:${selected.state}` : '';
  useEffect(() => {
    if (!selected) return;
    let live = true;
    void client.listSnapshots(selected.id).then((result) => {
      if (!live || !result.ok) return;
      const current = result.value.rows.find((row) => row.id === result.value.currentId);
      setSummaries((old) => ({ ...old, [selected.id]: { count: result.value.rows.length, ...(current ? { currentName: current.name } : {}) } }));
    });
    return () => {
      live = false;
    };
    // The key captures what matters about `selected`.
  }, [client, selectedKey]);
  return summaries;
}
