/** The manager app: loads machines through the API client and shows the manager window and dialogs. */
import CssBaseline from '@mui/material/CssBaseline';
import Dialog from '@mui/material/Dialog';
import DialogTitle from '@mui/material/DialogTitle';
import { ThemeProvider } from '@mui/material/styles';
import { useEffect, useState } from 'react';
import Alert from '@mui/material/Alert';
import Snackbar from '@mui/material/Snackbar';
import type { HangarClient } from '../platform/client.js';
import type { MachineSummary, MediaItem, OsChoice } from '../platform/models.js';
import { ManagerWindow } from '../features/manager/ManagerWindow.js';
import type { ManagerAction } from '../features/manager/ManagerWindow.js';
import { NewVmWizard } from '../features/wizard/NewVmWizard.js';
import { useSystemTheme } from './theme.js';

/** The root component. */
export function App({ client }: { client: HangarClient }) {
  const theme = useSystemTheme();
  const [machines, setMachines] = useState<MachineSummary[]>([]);
  const [media, setMedia] = useState<MediaItem[]>([]);
  const [osChoices, setOsChoices] = useState<OsChoice[]>([]);
  const [qemuAvailable, setQemuAvailable] = useState(false);
  const [selectedId, setSelectedId] = useState<string | null>(null);
  const [wizardOpen, setWizardOpen] = useState(false);
  const [message, setMessage] = useState<string | undefined>(undefined);

  useEffect(() => {
    void (async () => {
      const [list, mediaList, osList, engines] = await Promise.all([client.listMachines(), client.listMedia(), client.listOsChoices(), client.engines()]);
      if (list.ok) setMachines(list.value);
      else setMessage(list.error.desc);
      if (mediaList.ok) setMedia(mediaList.value);
      if (osList.ok) setOsChoices(osList.value);
      if (engines.ok) setQemuAvailable(engines.value.qemuAvailable);
    })();
    return client.onMachinesChanged(setMachines);
  }, [client]);

  const onAction = (action: ManagerAction, id: string | null): void => {
    if (action === 'new') setWizardOpen(true);
    else if (action === 'start' && id) void client.start(id).then((r) => !r.ok && setMessage(r.error.desc));
    else if (action === 'pause' && id) void client.execute(id, 'stop');
    else if (action === 'resume' && id) void client.execute(id, 'cont');
    else setMessage(`"${action}" is not wired to the app API yet.`);
  };

  return (
    <ThemeProvider theme={theme}>
      <CssBaseline />
      <ManagerWindow machines={machines} selectedId={selectedId} onSelect={setSelectedId} onAction={onAction} />
      <Dialog open={wizardOpen} onClose={() => setWizardOpen(false)} maxWidth="md" aria-labelledby="new-vm-title">
        <DialogTitle id="new-vm-title">New virtual machine</DialogTitle>
        <NewVmWizard
          media={media}
          osChoices={osChoices}
          existingNames={machines.map((m) => m.config.name)}
          qemuAvailable={qemuAvailable}
          onCancel={() => setWizardOpen(false)}
          onCreate={async (request, progress) => {
            const result = await client.createMachine(
              {
                name: request.name, osId: request.osId ?? '', engine: request.engine, memoryMiB: request.memoryMiB, cpus: request.cpus,
                bootOrder: request.mediaId ? ['cdrom', 'disk'] : ['disk'], forceTcg: false, speedLimitPercent: 0, displayDevice: 'std', scaling: 'fit',
                drives: [], serial: 'off', clipboard: 'off',
              },
              request.diskMiB,
              progress,
            );
            if (!result.ok) throw new Error(result.error.desc);
            setWizardOpen(false);
            if (request.startAfterCreate) await client.start(result.value.id);
          }}
        />
      </Dialog>
      <Snackbar open={message !== undefined} autoHideDuration={8000} onClose={() => setMessage(undefined)}>
        <Alert severity="error" onClose={() => setMessage(undefined)}>{message}</Alert>
      </Snackbar>
    </ThemeProvider>
  );
}
