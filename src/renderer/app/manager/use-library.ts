/**
 * The library as the manager shows it: machines, media, watched folders, the OS catalog and
 * whether QEMU is there. Loaded once and again whenever the library or a machine's state changes.
 */
import { useCallback, useEffect, useState } from 'react';
import type { ApiResult, HangarClient } from '../../platform/client.js';
import type { MachineSummary, MediaItem, OsChoice, WatchedFolder } from '../../platform/models.js';

/** What the manager knows of the library. */
export interface Library {
  readonly machines: readonly MachineSummary[];
  readonly media: readonly MediaItem[];
  readonly folders: readonly WatchedFolder[];
  readonly osChoices: readonly OsChoice[];
  readonly qemuAvailable: boolean;
  /** Reads machines, media and folders again; resolves with the machine list's result. */
  readonly refresh: () => Promise<ApiResult<MachineSummary[]>>;
}

/** The live library; a first load that fails for another reason than a lost connection goes to `onLoadError`. */
export function useLibrary(client: HangarClient, onLoadError: (text: string) => void): Library {
  const [machines, setMachines] = useState<MachineSummary[]>([]);
  const [media, setMedia] = useState<MediaItem[]>([]);
  const [folders, setFolders] = useState<WatchedFolder[]>([]);
  const [osChoices, setOsChoices] = useState<OsChoice[]>([]);
  const [qemuAvailable, setQemuAvailable] = useState(false);

  const refresh = useCallback(async () => {
    const [list, mediaList, folderList] = await Promise.all([client.listMachines(), client.listMedia(), client.listFolders()]);
    if (list.ok) setMachines(list.value);
    if (mediaList.ok) setMedia(mediaList.value);
    if (folderList.ok) setFolders(folderList.value);
    return list;
  }, [client]);

  useEffect(() => {
    void (async () => {
      const list = await refresh();
      // Unavailable is shown by the connection banner; anything else deserves its own message.
      if (!list.ok && list.error.class !== 'Unavailable') onLoadError(list.error.desc);
      const [osList, engines] = await Promise.all([client.listOsChoices(), client.engines()]);
      if (osList.ok) setOsChoices(osList.value);
      if (engines.ok) setQemuAvailable(engines.value.qemuAvailable);
    })();
    return client.onLibraryChanged(() => void refresh());
  }, [client, refresh, onLoadError]);

  return { machines, media, folders, osChoices, qemuAvailable, refresh };
}
