/**
 * The manager window wired to the API: the library kept live from API events (use-library),
 * thumbnails of running machines, the selected machine's snapshot summary, and the wizard,
 * settings, delete-confirmation, snapshots and Preferences dialogs. State lives in one hook per
 * concern (use-*.ts); this component connects them to the views and runs the actions.
 */
import Dialog from '@mui/material/Dialog';
import DialogContent from '@mui/material/DialogContent';
import DialogTitle from '@mui/material/DialogTitle';
import { useCallback, useMemo, useState } from 'react';
import type { MenuCommand } from '../../../shared/bridge.js';
import type { HangarClient } from '../../platform/client.js';
import type { MachineConfig, MachineSummary, OsChoice } from '../../platform/models.js';
import { chooseMediaFile, hasFileChooser, openVmWindow } from '../../platform/shell.js';
import { useMenuCommands } from '../../components/use-menu-commands.js';
import { ManagerWindow } from '../../features/manager/ManagerWindow.js';
import type { ManagerAction } from '../../features/manager/ManagerWindow.js';
import { managerMenuOutcome } from '../../features/manager/menu-commands.js';
import { NewVmWizard } from '../../features/wizard/NewVmWizard.js';
import type { NewMachineRequest } from '../../features/wizard/NewVmWizard.js';
import { createRequest } from '../../features/wizard/create-request.js';
import { SettingsEditor } from '../../features/settings/SettingsEditor.js';
import { diskStorageApi } from '../../features/settings/storage-model.js';
import { saveMachineSettings } from '../../features/settings/save-settings.js';
import { SnapshotsPanel } from '../../features/snapshots/SnapshotsPanel.js';
import { PreferencesDialog } from '../../features/preferences/PreferencesDialog.js';
import { LogsDialog } from '../../features/logs/LogsDialog.js';
import type { ThemePreference } from '../theme.js';
import { connectionBanner } from './ConnectionBanner.js';
import { DeleteMachineDialog } from './DeleteMachineDialog.js';
import { NoticeSnackbar } from './NoticeSnackbar.js';
import { useConnection } from './use-connection.js';
import { useManagerDialogs } from './use-dialogs.js';
import { useLibrary } from './use-library.js';
import { useNotice } from './use-notice.js';
import { useAccelerator } from './use-accelerator.js';
import { useSnapshotSummaries } from './use-snapshot-summaries.js';
import { useThumbnails } from './use-thumbnails.js';
import { useDocumentTitle } from './use-document-title.js';
import { useShutdownRequests } from './use-shutdown-requests.js';
import { ShutdownNotice } from '../../features/vm-window/ShutdownNotice.js';

/** Application-menu commands from the Electron bridge; undefined in a browser. */
function bridgeMenuCommands(): ((listener: (command: MenuCommand) => void) => () => void) | undefined {
  const bridge = window.hangar;
  return bridge ? (listener) => bridge.onMenuCommand(listener) : undefined;
}

/** The settings editor's `os` prop when the machine's OS is known (exactOptionalPropertyTypes). */
function withOs(os: OsChoice | undefined): { os?: OsChoice } {
  return os ? { os } : {};
}

/** Props of the manager. */
export interface ManagerAppProps {
  readonly client: HangarClient;
  readonly theme: ThemePreference;
  /** Called with a theme to show at once (Preferences preview). */
  readonly onThemeChange: (theme: ThemePreference) => void;
}

/** The manager window wired to the API. */
export function ManagerApp({ client, theme, onThemeChange }: ManagerAppProps) {
  useDocumentTitle('Hangar');
  const { notice, setNotice, showError, fail } = useNotice();
  const connection = useConnection(client);
  const { machines, media, folders, osChoices, qemuAvailable, refresh } = useLibrary(client, showError);
  const dialogs = useManagerDialogs();
  const [selectedId, setSelectedId] = useState<string | null>(null);
  /** The machine whose logs are open ("Show log" on a crash). */
  const [logsId, setLogsId] = useState<string | undefined>(undefined);
  const selected = machines.find((m) => m.id === selectedId);
  const thumbnails = useThumbnails(client, machines);
  const snapshotSummaries = useSnapshotSummaries(client, selected);
  const accelerator = useAccelerator(client, selected);
  const shutdowns = useShutdownRequests(machines);

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

  const show = (id: string): void => {
    void openVmWindow(id).then((problem) => problem && setNotice({ severity: 'error', text: problem }));
  };
  const start = async (id: string, name = machines.find((m) => m.id === id)?.config.name ?? 'The machine'): Promise<void> => {
    const result = await client.power(id, 'start');
    if (fail(result)) return;
    setNotice({ severity: 'success', text: `${name} is running.`, action: { label: 'Show window', run: () => show(id) } });
  };
  // ACPI shutdown only asks the guest; the notice says so until it stops, then offers Power off.
  const shutDown = (id: string): void => {
    void client.power(id, 'powerdown').then((result) => !fail(result) && shutdowns.requested(id));
  };
  const onAction = (action: ManagerAction, id: string | null): void => {
    if (action === 'new') return dialogs.setWizardOpen(true);
    if (!id) return;
    if (action === 'settings') dialogs.setSettingsId(id);
    else if (action === 'delete') dialogs.askDelete(id);
    else if (action === 'snapshots') dialogs.setSnapshotsId(id);
    else if (action === 'show') show(id);
    else if (action === 'start') void start(id);
    else if (action === 'pause') void client.power(id, 'pause').then(fail);
    else if (action === 'resume') void client.power(id, 'resume').then(fail);
    else if (action === 'shutdown') shutDown(id);
    else if (action === 'stop') void client.power(id, 'poweroff').then(fail);
  };

  // The application menu (Electron) acts on the selected machine.
  const menuCommands = useMemo(bridgeMenuCommands, []);
  useMenuCommands(menuCommands, (command) => {
    if (command === 'app.preferences') return dialogs.setPreferencesOpen(true);
    const outcome = managerMenuOutcome(command, selected?.state);
    if (outcome?.kind === 'action') onAction(outcome.action, selected?.id ?? null);
    else if (outcome?.kind === 'power' && selected) {
      if (outcome.action === 'powerdown') shutDown(selected.id);
      else void client.power(selected.id, outcome.action).then(fail);
    }
  });

  const create = async (request: NewMachineRequest, progress: (fraction: number) => void): Promise<void> => {
    progress(0.05);
    const stop = client.onProgress((event) => {
      if (event.operation.startsWith('disk')) progress(0.05 + event.fraction * 0.9);
    });
    let result: Awaited<ReturnType<HangarClient['createMachine']>>;
    try {
      result = await client.createMachine(createRequest(request));
    } finally {
      stop();
    }
    if (!result.ok) throw new Error(result.error.desc);
    progress(1);
    dialogs.setWizardOpen(false);
    setSelectedId(result.value.id);
    await refresh();
    if (request.startAfterCreate) await start(result.value.id, result.value.config.name);
    else setNotice({ severity: 'success', text: `${request.name} was created.` });
  };

  const settingsMachine = machines.find((m) => m.id === dialogs.settingsId);
  const settingsId = dialogs.settingsId;
  // Stable per machine: the editor loads the engine's network once per opening of its page.
  const loadSettingsNetwork = useCallback(async () => {
    if (settingsId === undefined) return undefined;
    const result = await client.network(settingsId);
    return result.ok ? result.value : undefined;
  }, [client, settingsId]);
  const loadSettingsShares = useCallback(async () => {
    if (settingsId === undefined) return undefined;
    const result = await client.shares(settingsId);
    return result.ok ? result.value : undefined;
  }, [client, settingsId]);
  // Answers the refusal's sentence: the editor shows a shared-folder one next to the share.
  const saveSettings = async (machine: MachineSummary, after: MachineConfig): Promise<string | undefined> => {
    const result = await saveMachineSettings(client, machine, after);
    if (fail(result)) return result.ok ? undefined : result.error.desc;
    dialogs.setSettingsId(undefined);
    const later = result.ok ? result.value.later : [];
    setNotice({ severity: later.length > 0 ? 'info' : 'success', text: later.length > 0 ? 'Saved. Some changes take effect after the machine is powered off and started again.' : 'Settings saved.' });
    void refresh();
    return undefined;
  };

  const deleteMachine = machines.find((m) => m.id === dialogs.deleteId);
  const confirmDelete = async (): Promise<void> => {
    if (!deleteMachine) return;
    dialogs.setDeleteId(undefined);
    const result = await client.deleteMachine(deleteMachine.id, { keepFiles: dialogs.keepFiles });
    if (fail(result)) return;
    if (selectedId === deleteMachine.id) setSelectedId(null);
    setNotice({ severity: 'success', text: `${deleteMachine.config.name} was deleted.` });
    void refresh();
  };

  const snapshotMachine = machines.find((m) => m.id === dialogs.snapshotsId);
  const thenRefresh = (result: { ok: boolean; error?: { desc: string } }): void => void (!fail(result) && refresh());

  return (
    <>
      <ManagerWindow
        machines={shown}
        media={media}
        selectedId={selectedId}
        onSelect={setSelectedId}
        onAction={onAction}
        onPreferences={() => dialogs.setPreferencesOpen(true)}
        accelerator={accelerator}
        snapshots={snapshotSummaries}
        banner={
          <>
            {connectionBanner(connection)}
            {shutdowns.pending.map(({ machine, request }) => (
              <ShutdownNotice key={machine.id} name={machine.config.name} request={request} onPowerOff={() => (request.dismiss(), onAction('stop', machine.id))} />
            ))}
          </>
        }
        onAddMedia={(path) => void client.addMedia(path).then(thenRefresh)}
        onRemoveMedia={(id) => void client.removeMedia(id).then(thenRefresh)}
        folders={folders}
        onAddFolder={(path) => void client.addFolder(path).then(thenRefresh)}
        onRemoveFolder={(path) => void client.removeFolder(path).then(thenRefresh)}
        onShowLog={setLogsId}
      />
      <LogsDialog client={client} machine={machines.find((m) => m.id === logsId)} onClose={() => setLogsId(undefined)} />
      <Dialog open={dialogs.wizardOpen} onClose={() => dialogs.setWizardOpen(false)} maxWidth="md" aria-labelledby="new-vm-title">
        <DialogTitle id="new-vm-title">New virtual machine</DialogTitle>
        {dialogs.wizardOpen && (
          <NewVmWizard
            media={media}
            osChoices={osChoices}
            existingNames={machines.map((m) => m.config.name)}
            qemuAvailable={qemuAvailable}
            onCancel={() => dialogs.setWizardOpen(false)}
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
      <Dialog open={settingsMachine !== undefined} onClose={() => dialogs.setSettingsId(undefined)} maxWidth="md" aria-labelledby="settings-title">
        <DialogTitle id="settings-title">Settings of {settingsMachine?.config.name}</DialogTitle>
        {settingsMachine && (
          <SettingsEditor
            config={settingsMachine.config}
            running={settingsMachine.state === 'running' || settingsMachine.state === 'paused'}
            otherNames={machines.filter((m) => m.id !== settingsMachine.id).map((m) => m.config.name)}
            qemuAvailable={qemuAvailable}
            media={media}
            {...(hasFileChooser() ? { chooseFile: chooseMediaFile } : {})}
            loadNetwork={loadSettingsNetwork}
            loadShares={loadSettingsShares}
            storage={diskStorageApi(client, settingsMachine.id)}
            {...withOs(osChoices.find((os) => os.id === settingsMachine.config.osId))}
            onSave={(after) => saveSettings(settingsMachine, after)}
            onCancel={() => dialogs.setSettingsId(undefined)}
          />
        )}
      </Dialog>
      <DeleteMachineDialog
        machine={deleteMachine}
        snapshotCount={deleteMachine ? snapshotSummaries[deleteMachine.id]?.count : undefined}
        keepFiles={dialogs.keepFiles}
        onKeepFilesChange={dialogs.setKeepFiles}
        onConfirm={() => void confirmDelete()}
        onCancel={() => dialogs.setDeleteId(undefined)}
      />
      <Dialog open={snapshotMachine !== undefined} onClose={() => dialogs.setSnapshotsId(undefined)} maxWidth="lg" aria-labelledby="snapshots-title">
        <DialogTitle id="snapshots-title">Snapshots of {snapshotMachine?.config.name}</DialogTitle>
        <DialogContent>
          {snapshotMachine && (
            <SnapshotsPanel client={client} machineId={snapshotMachine.id} machineName={snapshotMachine.config.name} state={snapshotMachine.state} onClose={() => dialogs.setSnapshotsId(undefined)} />
          )}
        </DialogContent>
      </Dialog>
      <PreferencesDialog
        open={dialogs.preferencesOpen}
        client={client}
        theme={theme}
        onThemePreview={onThemeChange}
        onSaved={(_, written) => setNotice({ severity: 'success', text: written.length > 0 ? 'Preferences saved.' : 'Nothing changed.' })}
        onClose={() => dialogs.setPreferencesOpen(false)}
      />
      <NoticeSnackbar notice={notice} onClose={() => setNotice(undefined)} />
    </>
  );
}
