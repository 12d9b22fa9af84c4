/** Live thumbnails of the running (and paused) machines. */
import { useEffect, useState } from 'react';
import type { HangarClient } from '../../platform/client.js';
import type { MachineSummary } from '../../platform/models.js';

/** How often thumbnails of running machines are refreshed. */
const THUMBNAIL_INTERVAL_MS = 3000;
/** The width of thumbnail the manager asks for. */
const THUMBNAIL_WIDTH = 320;

/** PNG data URLs by machine id, refreshed every few seconds while machines run. */
export function useThumbnails(client: HangarClient, machines: readonly MachineSummary[]): Readonly<Record<string, string>> {
  const [thumbnails, setThumbnails] = useState<Record<string, string>>({});
  // The ids as one string, so the timer restarts only when the set of running machines changes.
  const runningIds = machines.filter((m) => m.state === 'running' || m.state === 'paused').map((m) => m.id).join(',');
  useEffect(() => {
    const ids = runningIds ? runningIds.split(',') : [];
    if (ids.length === 0) return undefined;
    let live = true;
    const update = async (): Promise<void> => {
      for (const id of ids) {
        const result = await client.thumbnail(id, THUMBNAIL_WIDTH);
        if (live && result.ok) setThumbnails((old) => ({ ...old, [id]: result.value }));
      }
    };
    void update();
    const timer = setInterval(() => void update(), THUMBNAIL_INTERVAL_MS);
    return () => {
      live = false;
      clearInterval(timer);
    };
  }, [client, runningIds]);
  return thumbnails;
}
