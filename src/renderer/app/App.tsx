/**
 * The app root: the manager (`#/`) or a machine's window (`#/vm/<id>`), in the system theme.
 * The manager keeps the library live from API events, refreshes thumbnails of running machines,
 * and owns the wizard, settings, delete-confirmation and snapshots dialogs.
 */
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Checkbox from '@mui/material/Checkbox';
import CssBaseline from '@mui/material/CssBaseline';
import Dialog from '@mui/material/Dialog';
import DialogActions from '@mui/material/DialogActions';
import DialogContent from '@mui/material/DialogContent';
import DialogContentText from '@mui/material/DialogContentText';
import DialogTitle from '@mui/material/DialogTitle';
import FormControlLabel from '@mui/material/FormControlLabel';
import Snackbar from '@mui/material/Snackbar';
import { ThemeProvider } from '@mui/material/styles';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { HangarClient } from '../platform/client.js';
import type { ConnectionState } from '../platform/transport.js';
import type { MachineConfig, MachineSummary, MediaItem, OsChoice, WatchedFolder } from '../platform/models.js';
import { chooseMediaFile, hasFileChooser, openVmWindow, routeMachineId } from '../platform/shell.js';
import { ManagerWindow } from '../features/manager/ManagerWindow.js';
import type { ManagerAction, SnapshotSummary } from '../features/manager/ManagerWindow.js';
import { managerMenuOutcome } from '../features/manager/menu-commands.js';
import { NewVmWizard } from '../features/wizard/NewVmWizard.js';
import type { NewMachineRequest } from '../features/wizard/NewVmWizard.js';
import { SettingsEditor } from '../features/settings/SettingsEditor.js';
import { saveMachineSettings } from '../features/settings/save-settings.js';
import { SnapshotsPanel } from '../features/snapshots/SnapshotsPanel.js';
import { VmPage } from '../features/vm-window/VmPage.js';
import { PreferencesDialog } from '../features/preferences/PreferencesDialog.js';
import { parseThemePreference, THEME_SETTING, useAppTheme } from './theme.js';
import type { ThemePreference } from './theme.js';

/** How often thumbnails of running machines are refreshed. */
const THUMBNAIL_INTERVAL_MS = 3000;

/** The root component: routes between the manager and a VM window. */
export function App({ client }: { client: HangarClient }) {
  const [themePreference, setThemePreference] = useState<ThemePreference>('system');
  const theme = useAppTheme(themePreference);
  const [hash, setHash] = useState(() => window.location.hash);
  useEffect(() => {
    const onHash = (): void => setHash(window.location.hash);
    window.addEventListener('hashchange', onHash);
    return () => window.removeEventListener('hashchange', onHash);
  }, []);
  const vmId = routeMachineId(hash);
  // The stored theme; a VM window reads it again when focused, since the manager changes it.
  useEffect(() => {
    let live = true;
    const read = (): void => void client.getSetting(THEME_SETTING).then((value) => live && setThemePreference(parseThemePreference(value)));
    read();
    if (!vmId) return () => void (live = false);
    window.addEventListener('focus', read);
    return () => {
      live = false;
      window.removeEventListener('focus', read);
    };
  }, [client, vmId]);
  return (
    <ThemeProvider theme={theme}>
      <CssBaseline />
      {vmId ? <VmPage key={vmId} client={client} machineId={vmId} /> : <ManagerApp client={client} theme={themePreference} onThemeChange={setThemePreference} />}
    </ThemeProvider>
  );
}

type Notice = { severity: 'error' | 'success' | 'info'; text: string; action?: { label: string; run: () => void } };

/** The manager window wired to the API. */
function ManagerApp({ client, theme, onThemeChange }: { client: HangarClient; theme: ThemePreference; onThemeChange: (theme: ThemePreference) => void }) {
  const [machines, setMachines] = useState<MachineSummary[]>([]);
  const [media, setMedia] = useState<MediaItem[]>([]);
  const [folders, setFolders] = useState<WatchedFolder[]>([]);
  const [osChoices, setOsChoices] = useState<OsChoice[]>([]);
  const [qemuAvailable, setQemuAvailable] = useState(false);
  const [thumbnails, setThumbnails] = useState<Record<string, string>>({});
  const [snapshotSummaries, setSnapshotSummaries] = useState<Record<string, SnapshotSummary>>({});
  const [selectedId, setSelectedId] = useState<string | null>(null);
  const [wizardOpen, setWizardOpen] = useState(false);
  const [settingsId, setSettingsId] = useState<string | undefined>(undefined);
  const [deleteId, setDeleteId] = useState<string | undefined>(undefined);
  const [snapshotsId, setSnapshotsId] = useState<string | undefined>(undefined);
  const [notice, setNotice] = useState<Notice | undefined>(undefined);
  const [keepFiles, setKeepFiles] = useState(false);
  const [preferencesOpen, setPreferencesOpen] = useState(false);
  const [connection, setConnection] = useState<{ state: ConnectionState; reason?: string }>({ state: 'connecting' });

  useEffect(() => {
    document.title = 'Hangar';
  }, []);

  // Ctrl+, (⌘, on macOS) opens Preferences, as in most desktop apps.
  useEffect(() => {
    const onKey = (event: KeyboardEvent): void => {
      if (event.key === ',' && (event.ctrlKey || event.metaKey) && !event.altKey && !event.shiftKey) {
        event.preventDefault();
        setPreferencesOpen(true);
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

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
      if (!list.ok && list.error.class !== 'Unavailable') setNotice({ severity: 'error', text: list.error.desc });
      const [osList, engines] = await Promise.all([client.listOsChoices(), client.engines()]);
      if (osList.ok) setOsChoices(osList.value);
      if (engines.ok) setQemuAvailable(engines.value.qemuAvailable);
    })();
    const stops = [client.onLibraryChanged(() => void refresh()), client.onConnection((state, reason) => setConnection({ state, ...(reason ? { reason } : {}) }))];
    return () => stops.forEach((stop) => stop());
  }, [client, refresh]);

  // Live thumbnails of running machines.
  const runningIds = machines.filter((m) => m.state === 'running' || m.state === 'paused').map((m) => m.id).join(',');
  useEffect(() => {
    const ids = runningIds ? runningIds.split(',') : [];
    if (ids.length === 0) return undefined;
    let live = true;
    const update = async (): Promise<void> => {
      for (const id of ids) {
        const result = await client.thumbnail(id, 320);
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

  // The selected machine's snapshot summary.
  const selected = machines.find((m) => m.id === selectedId);
  const selectedSnapshotKey = selected ? `${selected.id}:${selected.currentSnapshotId ?? ''}:${selected.state}` : '';
  useEffect(() => {
    if (!selected) return;
    let live = true;
    void client.listSnapshots(selected.id).then((result) => {
      if (!live || !result.ok) return;
      const current = result.value.rows.find((row) => row.id === result.value.currentId);
      setSnapshotSummaries((old) => ({ ...old, [selected.id]: { count: result.value.rows.length, ...(current ? { currentName: current.name } : {}) } }));
    });
    return () => {
      live = false;
    };
    // The key captures what matters about `selected`.
  }, [client, selectedSnapshotKey]);

  const osNames = useMemo(() => new Map(osChoices.map((os) => [os.id, os.name])), [osChoices]);
  const shown = useMemo(
    () =>
      machines.map((m) => {
        const osName = m.osName ?? osNames.get(m.config.osId);
        const thumbnail = thumbnails[m.id];
        return { ...m, ...(osName ? { osName } : {}), ...(thumbnail ? { thumbnail } : {}) };
      }),
    [machines, thumbnails, osNames],
  );

  const fail = (result: { ok: boolean; error?: { desc: string } }): boolean => {
    if (!result.ok) setNotice({ severity: 'error', text: result.error?.desc ?? 'The command failed.' });
    return !result.ok;
  };
  const show = (id: string): void => {
    void openVmWindow(id).then((problem) => problem && setNotice({ severity: 'error', text: problem }));
  };
  const start = async (id: string, name = machines.find((m) => m.id === id)?.config.name ?? 'The machine'): Promise<void> => {
    const result = await client.power(id, 'start');
    if (fail(result)) return;
    setNotice({ severity: 'success', text: `${name} is running.`, action: { label: 'Show window', run: () => show(id) } });
  };

  const onAction = (action: ManagerAction, id: string | null): void => {
    if (action === 'new') return setWizardOpen(true);
    if (!id) return;
    if (action === 'settings') setSettingsId(id);
    else if (action === 'delete') {
      setKeepFiles(false);
      setDeleteId(id);
    }
    else if (action === 'snapshots') setSnapshotsId(id);
    else if (action === 'show') show(id);
    else if (action === 'start') void start(id);
    else if (action === 'pause') void client.power(id, 'pause').then(fail);
    else if (action === 'resume') void client.power(id, 'resume').then(fail);
    else if (action === 'stop') void client.power(id, 'poweroff').then(fail);
  };

  // The application menu (Electron) acts on the selected machine.
  const onActionRef = useRef(onAction);
  onActionRef.current = onAction;
  const selectedRef = useRef(selected);
  selectedRef.current = selected;
  useEffect(() => {
    const bridge = window.hangar;
    if (!bridge) return undefined;
    return bridge.onMenuCommand((command) => {
      if (command === 'app.preferences') {
        setPreferencesOpen(true);
        return;
      }
      const machine = selectedRef.current;
      const outcome = managerMenuOutcome(command, machine?.state);
      if (outcome?.kind === 'action') onActionRef.current(outcome.action, machine?.id ?? null);
      else if (outcome?.kind === 'power' && machine) void client.power(machine.id, outcome.action).then(fail);
    });
    // `fail` only sets state; the refs carry everything else.
  }, [client]);

  const create = async (request: NewMachineRequest, progress: (fraction: number) => void): Promise<void> => {
    progress(0.05);
    const stop = client.onProgress((event) => {
      if (event.operation.startsWith('disk')) progress(0.05 + event.fraction * 0.9);
    });
    const config: MachineConfig = {
      name: request.name, osId: request.osId ?? 'other', engine: request.engine, memoryMiB: request.memoryMiB, cpus: request.cpus,
      bootOrder: request.mediaKind === 'cdrom' ? ['cdrom', 'disk'] : request.mediaPath ? ['floppy', 'disk'] : ['disk', 'cdrom'],
      forceTcg: false, speedLimitMips: 0, displayDevice: 'std', scaling: 'fit', drives: [], serial: request.serialConsole ? 'console' : 'off', clipboard: 'off',
    };
    let result: Awaited<ReturnType<HangarClient['createMachine']>>;
    try {
      result = await client.createMachine({
        config,
        diskMiB: request.diskMiB,
        ...(request.mediaPath && request.mediaKind === 'cdrom' ? { cdromPath: request.mediaPath } : {}),
        ...(request.mediaPath && request.mediaKind !== 'cdrom' ? { floppyPath: request.mediaPath } : {}),
      });
    } finally {
      stop();
    }
    if (!result.ok) throw new Error(result.error.desc);
    progress(1);
    setWizardOpen(false);
    setSelectedId(result.value.id);
    await refresh();
    if (request.startAfterCreate) await start(result.value.id, result.value.config.name);
    else setNotice({ severity: 'success', text: `${request.name} was created.` });
  };

  const settingsMachine = machines.find((m) => m.id === settingsId);
  const saveSettings = async (machine: MachineSummary, after: MachineConfig): Promise<void> => {
    const result = await saveMachineSettings(client, machine, after);
    if (fail(result)) return;
    setSettingsId(undefined);
    const later = result.ok ? result.value.later : [];
    setNotice({ severity: later.length > 0 ? 'info' : 'success', text: later.length > 0 ? 'Saved. Some changes take effect after the machine is powered off and started again.' : 'Settings saved.' });
    void refresh();
  };

  const deleteMachine = machines.find((m) => m.id === deleteId);
  const confirmDelete = async (): Promise<void> => {
    if (!deleteMachine) return;
    setDeleteId(undefined);
    const result = await client.deleteMachine(deleteMachine.id, { keepFiles });
    if (fail(result)) return;
    if (selectedId === deleteMachine.id) setSelectedId(null);
    setNotice({ severity: 'success', text: `${deleteMachine.config.name} was deleted.` });
    void refresh();
  };

  const snapshotMachine = machines.find((m) => m.id === snapshotsId);
  const banner =
    connection.state === 'closed' ? (
      <Alert severity="error" sx={{ borderRadius: 0 }} data-testid="connection-banner">
        {connection.reason ? `The app API is not connected (${connection.reason}). Reconnecting…` : 'The app API is not connected. Reconnecting…'}
      </Alert>
    ) : undefined;

  return (
    <>
      <ManagerWindow
        machines={shown}
        media={media}
        selectedId={selectedId}
        onSelect={setSelectedId}
        onAction={onAction}
        onPreferences={() => setPreferencesOpen(true)}
        snapshots={snapshotSummaries}
        banner={banner}
        onAddMedia={(path) => void client.addMedia(path).then((result) => !fail(result) && void refresh())}
        onRemoveMedia={(id) => void client.removeMedia(id).then((result) => !fail(result) && void refresh())}
        folders={folders}
        onAddFolder={(path) => void client.addFolder(path).then((result) => !fail(result) && void refresh())}
        onRemoveFolder={(path) => void client.removeFolder(path).then((result) => !fail(result) && void refresh())}
      />
      <Dialog open={wizardOpen} onClose={() => setWizardOpen(false)} maxWidth="md" aria-labelledby="new-vm-title">
        <DialogTitle id="new-vm-title">New virtual machine</DialogTitle>
        {wizardOpen && (
          <NewVmWizard
            media={media}
            osChoices={osChoices}
            existingNames={machines.map((m) => m.config.name)}
            qemuAvailable={qemuAvailable}
            onCancel={() => setWizardOpen(false)}
            onCreate={create}
            detectOs={async (item) => {
              const result = await client.detectOs(item.path);
              return result.ok ? result.value : undefined;
            }}
            {...(hasFileChooser() ? { chooseFile: () => chooseMediaFile('any') } : {})}
            onAddMedia={async (path) => {
              const result = await client.addMedia(path);
              if (!result.ok) throw new Error(result.error.desc);
              void refresh();
              return result.value;
            }}
          />
        )}
      </Dialog>
      <Dialog open={settingsMachine !== undefined} onClose={() => setSettingsId(undefined)} maxWidth="md" aria-labelledby="settings-title">
        <DialogTitle id="settings-title">Settings of {settingsMachine?.config.name}</DialogTitle>
        {settingsMachine && (
          <SettingsEditor
            config={settingsMachine.config}
            running={settingsMachine.state === 'running' || settingsMachine.state === 'paused'}
            otherNames={machines.filter((m) => m.id !== settingsMachine.id).map((m) => m.config.name)}
            qemuAvailable={qemuAvailable}
            media={media}
            {...(hasFileChooser() ? { chooseFile: chooseMediaFile } : {})}
            onSave={(after) => void saveSettings(settingsMachine, after)}
            onCancel={() => setSettingsId(undefined)}
          />
        )}
      </Dialog>
      <Dialog open={deleteMachine !== undefined} onClose={() => setDeleteId(undefined)} aria-labelledby="delete-title">
        <DialogTitle id="delete-title">Delete {deleteMachine?.config.name}?</DialogTitle>
        {deleteMachine && (
          <DialogContent>
            <DialogContentText component="div">
              This removes:
              <Box component="ul" sx={{ mt: 0.5, mb: 1, pl: 3 }} data-testid="delete-list">
                <li>the machine and its settings</li>
                {snapshotSummaries[deleteMachine.id]?.count ? <li>{snapshotSummaries[deleteMachine.id]?.count} snapshot(s) and their saved states</li> : <li>its snapshots, if any</li>}
                {deleteMachine.config.drives
                  .filter((drive) => drive.kind === 'disk')
                  .map((drive) => (
                    <li key={drive.id} style={{ textDecoration: keepFiles ? 'line-through' : undefined }}>
                      disk image {drive.path}
                      {drive.sizeMiB ? ` (${drive.sizeMiB} MiB)` : ''}
                    </li>
                  ))}
              </Box>
              Install media in its drives stay in the media library.
            </DialogContentText>
            <FormControlLabel control={<Checkbox checked={keepFiles} onChange={(event) => setKeepFiles(event.target.checked)} />} label="Keep the disk image files" />
          </DialogContent>
        )}
        <DialogActions>
          <Button onClick={() => setDeleteId(undefined)} autoFocus>
            Cancel
          </Button>
          <Button color="error" variant="contained" onClick={() => void confirmDelete()}>
            Delete
          </Button>
        </DialogActions>
      </Dialog>
      <Dialog open={snapshotMachine !== undefined} onClose={() => setSnapshotsId(undefined)} maxWidth="lg" aria-labelledby="snapshots-title">
        <DialogTitle id="snapshots-title">Snapshots of {snapshotMachine?.config.name}</DialogTitle>
        <DialogContent>
          {snapshotMachine && (
            <SnapshotsPanel client={client} machineId={snapshotMachine.id} machineName={snapshotMachine.config.name} state={snapshotMachine.state} onClose={() => setSnapshotsId(undefined)} />
          )}
        </DialogContent>
      </Dialog>
      <PreferencesDialog
        open={preferencesOpen}
        client={client}
        theme={theme}
        onThemePreview={onThemeChange}
        onSaved={(_, written) => setNotice({ severity: 'success', text: written.length > 0 ? 'Preferences saved.' : 'Nothing changed.' })}
        onClose={() => setPreferencesOpen(false)}
      />
      <Snackbar open={notice !== undefined} autoHideDuration={notice?.severity === 'error' ? 12_000 : 6000} onClose={(_, reason) => reason !== 'clickaway' && setNotice(undefined)} anchorOrigin={{ vertical: 'bottom', horizontal: 'center' }}>
        <Alert
          severity={notice?.severity ?? 'info'}
          variant="filled"
          onClose={() => setNotice(undefined)}
          action={
            notice?.action ? (
              <Button color="inherit" size="small" onClick={() => (notice.action?.run(), setNotice(undefined))}>
                {notice.action.label}
              </Button>
            ) : undefined
          }
        >
          {notice?.text}
        </Alert>
      </Snackbar>
    </>
  );
}
