/**
 * A machine's window (the `#/vm/<id>` route): loads the machine, keeps its state live, opens
 * the display channel while an engine runs, and carries out the window's commands through the
 * API client (power, media, snapshots, paste-as-typing).
 */
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import CircularProgress from '@mui/material/CircularProgress';
import Dialog from '@mui/material/Dialog';
import DialogContent from '@mui/material/DialogContent';
import DialogTitle from '@mui/material/DialogTitle';
import Typography from '@mui/material/Typography';
import { useCallback, useEffect, useMemo, useState } from 'react';
import type { MenuCommand } from '../../../shared/bridge.js';
import type { HangarClient } from '../../platform/client.js';
import type { DriveConfig, DriveSlot, MachineConfig, MachineSummary, MediaItem, OsChoice } from '../../platform/models.js';
import type { DisplayChannel } from '../../platform/transport.js';
import { chooseMediaFile, hasFileChooser, readHostClipboard, writeHostClipboard } from '../../platform/shell.js';
import { isActive } from '../../components/machine-state.js';
import { SnapshotsPanel } from '../snapshots/SnapshotsPanel.js';
import { SettingsEditor } from '../settings/SettingsEditor.js';
import { diskStorageApi } from '../settings/storage-model.js';
import type { SettingsPage } from '../settings/SettingsEditor.js';
import { saveMachineSettings } from '../settings/save-settings.js';
import { machineSerialChannel } from '../serial/serial-channel.js';
import type { LogLoader } from '../logs/LogsView.js';
import type { DisplaySource, InputSink } from '../display/types.js';
import { engineClipboardModes } from '../../../shared/protocol/engine/clipboard.js';
import { recheckOutcome } from './accelerator-text.js';
import { PortForwardingDialog } from './PortForwardingDialog.js';
import { ShutdownNotice } from './ShutdownNotice.js';
import { errorSentence } from '../../components/error-sentence.js';
import { useShutdownRequest } from './use-shutdown-request.js';
import type { PortForwardingApi } from './PortForwardingDialog.js';
import { useNetworkStatus } from './use-network-status.js';
import { useSendFiles } from './use-send-files.js';
import { VmWindow } from './VmWindow.js';
import type { VmCommand } from './VmWindow.js';

/** The app setting holding the host key (a KeyboardEvent.code). */
export const HOST_KEY_SETTING = 'ui.hostKey';
const idleSource: DisplaySource = { subscribe: () => () => undefined };
const idleSink: InputSink = { send: () => undefined };

/** Application-menu commands from the Electron bridge; undefined in a browser. */
function bridgeMenuCommands(): ((listener: (command: MenuCommand) => void) => () => void) | undefined {
  const bridge = window.hangar;
  return bridge ? (listener) => bridge.onMenuCommand(listener) : undefined;
}

/** Tells the Electron shell that the page holds the keyboard, so menu shortcuts reach the guest. */
function reportKeyboardCapture(captured: boolean): void {
  void window.hangar?.setKeyboardCaptured(captured).catch(() => undefined);
}

/** The VM window page. */
export function VmPage({ client, machineId }: { client: HangarClient; machineId: string }) {
  const [machine, setMachine] = useState<MachineSummary | undefined>(undefined);
  const [media, setMedia] = useState<MediaItem[]>([]);
  const [missing, setMissing] = useState<string | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  const [info, setInfo] = useState<string | undefined>(undefined);
  const [channel, setChannel] = useState<DisplayChannel | undefined>(undefined);
  const [attempt, setAttempt] = useState(0);
  const [snapshots, setSnapshots] = useState<{ take: boolean } | undefined>(undefined);
  const [settings, setSettings] = useState<{ page?: SettingsPage; names: string[]; qemuAvailable: boolean; os?: OsChoice } | undefined>(undefined);
  const menuCommands = useMemo(bridgeMenuCommands, []);
  const serialChannel = useMemo(() => machineSerialChannel(client, machineId), [client, machineId]);
  const loadLogs = useCallback<LogLoader>((kind, lines) => client.call('machines.logs', { id: machineId, log: kind, lines }), [client, machineId]);
  /** Bumped by "Show log" on the crash notice: the Logs tab opens at the crash. */
  const [crashLogRequest, setCrashLogRequest] = useState(0);
  // A window closed while captured must not leave the shell's shortcuts off.
  useEffect(() => () => reportKeyboardCapture(false), []);
  /** Media changed here while running, until the library says otherwise. */
  const [slots, setSlots] = useState<Partial<Record<DriveSlot, string | null>>>({});

  const [hostKey, setHostKey] = useState('ControlRight');
  useEffect(() => {
    // Read again whenever the window gets the focus: the manager's Preferences may change it.
    const read = (): void => void client.getSetting(HOST_KEY_SETTING).then((value) => typeof value === 'string' && setHostKey(value));
    read();
    window.addEventListener('focus', read);
    return () => window.removeEventListener('focus', read);
  }, [client]);

  const refresh = useCallback(async () => {
    const [result, mediaList] = await Promise.all([client.getMachine(machineId), client.listMedia()]);
    if (result.ok) {
      setMachine(result.value);
      // The stored drives are now current (a CLI insert/eject stores them too): no local override may hide them.
      setSlots({});
      setMissing(undefined);
    } else if (result.error.class === 'NotFound') setMissing(result.error.desc);
    if (mediaList.ok) setMedia(mediaList.value);
  }, [client, machineId]);

  useEffect(() => {
    void refresh();
    return client.onLibraryChanged(() => void refresh());
  }, [client, refresh]);

  useEffect(() => {
    if (machine) document.title = `${machine.config.name} — Hangar`;
  }, [machine]);

  const active = machine !== undefined && isActive(machine.state) && machine.state !== 'stopping';
  // An ACPI shutdown the guest may ignore: said in the banner, with Power off offered after a while.
  const shutdown = useShutdownRequest(machine?.state ?? 'stopped');

  // The network indicator and the Devices menu's cable follow the engine, polled while visible.
  const loadNetwork = useCallback(() => client.network(machineId), [client, machineId]);
  const { network, refresh: refreshNetwork } = useNetworkStatus(loadNetwork, active && machine?.config.network.mode !== 'none');
  const [forwarding, setForwarding] = useState(false);
  const forwardingApi = useMemo(
    (): PortForwardingApi => ({ load: loadNetwork, add: (forward) => client.addForward(machineId, forward), remove: (forward) => client.removeForward(machineId, forward) }),
    [client, machineId, loadNetwork],
  );
  const sendFiles = useSendFiles(client, machineId, machine?.config.name ?? '', setError);
  const settingsNetwork = useCallback(async () => {
    const result = await client.network(machineId);
    return result.ok ? result.value : undefined;
  }, [client, machineId]);
  const settingsShares = useCallback(async () => {
    const result = await client.shares(machineId);
    return result.ok ? result.value : undefined;
  }, [client, machineId]);

  // The accelerator in use and why it is not KVM (KVM may have fallen back to TCG), asked once the engine runs.
  const [accelerator, setAccelerator] = useState<{ name?: string; reason?: string }>({});
  useEffect(() => {
    if (!active) return;
    void client.execute(machineId, 'query-engine').then((result) => {
      if (!result.ok) return;
      const value = result.value as { accelerator?: string; 'accelerator-reason'?: string };
      setAccelerator({ ...(value.accelerator ? { name: value.accelerator } : {}), ...(value['accelerator-reason'] ? { reason: value['accelerator-reason'] } : {}) });
    });
  }, [client, machineId, active]);
  const recheckKvm = useCallback(async (): Promise<string> => {
    const result = await client.recheckKvm();
    return result.ok ? recheckOutcome(result.value) : result.error.desc;
  }, [client]);
  useEffect(() => {
    if (!active) return undefined;
    const opened = client.openDisplay(machineId);
    let retry: ReturnType<typeof setTimeout> | undefined;
    const stop = opened.onClose(() => {
      // The engine may still be coming up (no session yet): try again shortly while it is active.
      retry = setTimeout(() => setAttempt((n) => n + 1), 1000);
    });
    setChannel(opened);
    return () => {
      clearTimeout(retry);
      stop();
      opened.close();
      setChannel(undefined);
    };
  }, [active, attempt, client, machineId]);

  useEffect(() => {
    if (!active) setSlots({});
  }, [active]);

  // The clipboard agent (QEMU + spice-vdagent), in the directions the machine's mode allows; v86 has none.
  const mode = machine && engineClipboardModes[machine.config.engine].includes(machine.config.clipboard) ? machine.config.clipboard : 'off';
  const [agent, setAgent] = useState<boolean | undefined>(undefined);
  useEffect(() => {
    if (!active || mode === 'off') return setAgent(undefined);
    let live = true;
    let lastGuestText: string | undefined;
    let lastHostText: string | undefined;
    const toHost = mode === 'guest-to-host' || mode === 'bidirectional';
    const toGuest = mode === 'host-to-guest' || mode === 'bidirectional';
    const poll = async (): Promise<void> => {
      const result = await client.clipboardAgent(machineId);
      if (!live) return;
      setAgent(result.ok && result.value.connected);
      if (!result.ok || !toHost || result.value.text === undefined) return;
      if (lastGuestText !== undefined && result.value.text !== lastGuestText) await writeHostClipboard(result.value.text).catch(() => undefined);
      lastGuestText = result.value.text;
    };
    // The host clipboard can only be read while the window has focus: offer it to the guest then.
    const onFocus = (): void => {
      if (!toGuest) return;
      void readHostClipboard()
        .then(async (text) => {
          if (!live || !text || text === lastHostText) return;
          lastHostText = text;
          await client.setGuestClipboard(machineId, text);
        })
        .catch(() => undefined);
    };
    void poll();
    const timer = setInterval(() => void poll(), 2000);
    window.addEventListener('focus', onFocus);
    return () => {
      live = false;
      clearInterval(timer);
      window.removeEventListener('focus', onFocus);
    };
  }, [active, client, machineId, mode]);

  const drives = useMemo((): DriveConfig[] => {
    const base = machine?.config.drives.filter((drive) => drive.kind !== 'disk') ?? [];
    return base.map((drive) => {
      const override = slots[drive.id as DriveSlot];
      if (override === undefined) return drive;
      return override === null ? { id: drive.id, kind: drive.kind } : { id: drive.id, kind: drive.kind, path: override, present: true };
    });
  }, [machine, slots]);

  const report = (result: { ok: boolean; error?: { desc: string } }): boolean => {
    if (!result.ok) setError(result.error ? errorSentence(result.error.desc) : 'The command failed.');
    return result.ok;
  };

  const openSettings = async (page?: SettingsPage): Promise<void> => {
    const [list, engines, systems] = await Promise.all([client.listMachines(), client.engines(), client.listOsChoices()]);
    const names = list.ok ? list.value.filter((m) => m.id !== machineId).map((m) => m.config.name) : [];
    // The machine's OS, so the editor warns about a 64-bit guest on v86.
    const os = systems.ok ? systems.value.find((choice) => choice.id === machine?.config.osId) : undefined;
    setSettings({ names, qemuAvailable: engines.ok && engines.value.qemuAvailable, ...(page ? { page } : {}), ...(os ? { os } : {}) });
  };
  // Answers the refusal's sentence: the editor shows a shared-folder one next to the share.
  const saveSettings = async (after: MachineConfig): Promise<string | undefined> => {
    if (!machine) return undefined;
    const result = await saveMachineSettings(client, machine, after);
    if (!report(result)) return result.ok ? undefined : result.error.desc;
    setSettings(undefined);
    setSlots({});
    refreshNetwork();
    if (result.ok && result.value.later.length > 0) setInfo('Saved. Some changes take effect after the machine is powered off and started again.');
    void refresh();
    return undefined;
  };

  const onCommand = (command: VmCommand): void => {
    setError(undefined);
    switch (command.kind) {
      case 'snapshot':
      case 'snapshots':
        setSnapshots({ take: command.kind === 'snapshot' });
        return;
      case 'settings':
        void openSettings(command.page);
        return;
      // One call changes the running engine and the stored drive, so the library follows the
      // Devices menu (the media stay inserted at the next start, as in VirtualBox).
      case 'insert':
        void client.setDrive(machineId, command.slot, command.path).then((result) => report(result) && setSlots((old) => ({ ...old, [command.slot]: command.path })));
        return;
      case 'eject':
        void client.setDrive(machineId, command.slot, null).then((result) => report(result) && (setSlots((old) => ({ ...old, [command.slot]: null })), sendFiles.afterEject(command.slot)));
        return;
      case 'cable':
        void client.setLink(machineId, command.up).then((result) => {
          report(result);
          refreshNetwork();
          void refresh();
        });
        return;
      case 'forwarding':
        setForwarding(true);
        return;
      case 'send-files':
        sendFiles.open();
        return;
      default:
        void client.power(machineId, command.kind).then((result) => report(result) && command.kind === 'powerdown' && shutdown.requested());
    }
  };

  if (missing) {
    return (
      <Box sx={{ p: 4 }}>
        <Alert severity="error">{missing}</Alert>
      </Box>
    );
  }
  if (!machine) {
    return (
      <Box sx={{ height: '100vh', display: 'flex', alignItems: 'center', justifyContent: 'center' }}>
        <CircularProgress aria-label="Loading the machine" />
      </Box>
    );
  }

  const banner = (
    <>
      {error && (
        <Alert severity="error" onClose={() => setError(undefined)} sx={{ borderRadius: 0 }}>
          {error}
        </Alert>
      )}
      {info && (
        <Alert severity="info" onClose={() => setInfo(undefined)} sx={{ borderRadius: 0 }}>
          {info}
        </Alert>
      )}
      <ShutdownNotice name={machine.config.name} request={shutdown} onPowerOff={() => (shutdown.dismiss(), onCommand({ kind: 'poweroff' }))} />
      {!active && (
        <Alert
          severity="info"
          sx={{ borderRadius: 0 }}
          {...(machine.state === 'crashed'
            ? {
                action: (
                  <Button color="inherit" size="small" sx={{ whiteSpace: 'nowrap' }} onClick={() => setCrashLogRequest((count) => count + 1)}>
                    Show log
                  </Button>
                ),
              }
            : {})}
        >
          {machine.state === 'crashed' ? `The machine crashed${machine.reason ? `: ${machine.reason}` : ''}. ` : `${machine.config.name} is not running. `}
          Start it from the Machine menu.
        </Alert>
      )}
    </>
  );

  return (
    <Box sx={{ height: '100vh' }}>
      <VmWindow
        name={machine.config.name}
        engine={machine.config.engine}
        {...(accelerator.name ? { accelerator: accelerator.name } : {})}
        {...(accelerator.reason ? { acceleratorReason: accelerator.reason, onRecheckKvm: recheckKvm } : {})}
        state={machine.state}
        source={channel ?? idleSource}
        sink={channel ?? idleSink}
        initialScaling={machine.config.scaling}
        onCommand={onCommand}
        typeText={async (text, control) => {
          const result = await client.typeText(machineId, text, control);
          report(result);
        }}
        media={media}
        drives={drives}
        clipboardMode={machine.config.clipboard}
        {...(agent !== undefined ? { agentConnected: agent } : {})}
        screenText={async () => {
          const result = await client.screenText(machineId);
          return result.ok ? result.value.lines.join('\n') : '';
        }}
        readClipboard={readHostClipboard}
        writeClipboard={writeHostClipboard}
        onScalingChange={(scaling) => void client.preferences(machineId).then((old) => client.setPreferences(machineId, { ...old, scaling }))}
        banner={banner}
        hostKey={hostKey}
        {...(hasFileChooser() ? { chooseFile: chooseMediaFile } : {})}
        onCaptureChange={reportKeyboardCapture}
        {...(menuCommands ? { menuCommands } : {})}
        serial={{ channel: serialChannel, enabled: machine.config.serial === 'console' }}
        logs={{ load: loadLogs, active, serialLogKept: machine.config.serial === 'console' }}
        showLogsAtCrash={crashLogRequest}
        networkConfig={machine.config.network}
        onFilesDropped={sendFiles.open}
        {...(network ? { network } : {})}
        onHostKeyChange={(code) => {
          setHostKey(code);
          void client.setSetting(HOST_KEY_SETTING, code).then(report);
        }}
      />
      <Dialog open={snapshots !== undefined} onClose={() => setSnapshots(undefined)} maxWidth="lg" aria-labelledby="vm-snapshots-title">
        <DialogTitle id="vm-snapshots-title">Snapshots of {machine.config.name}</DialogTitle>
        <DialogContent>
          {snapshots && <SnapshotsPanel client={client} machineId={machineId} machineName={machine.config.name} state={machine.state} startWithTake={snapshots.take} onClose={() => setSnapshots(undefined)} />}
        </DialogContent>
      </Dialog>
      <Dialog open={settings !== undefined} onClose={() => setSettings(undefined)} maxWidth="md" aria-labelledby="vm-settings-title">
        <DialogTitle id="vm-settings-title">Settings of {machine.config.name}</DialogTitle>
        {settings && (
          <SettingsEditor
            config={machine.config}
            running={active}
            otherNames={settings.names}
            qemuAvailable={settings.qemuAvailable}
            media={media}
            {...(settings.page ? { initialPage: settings.page } : {})}
            {...(settings.os ? { os: settings.os } : {})}
            loadNetwork={settingsNetwork}
            loadShares={settingsShares}
            storage={diskStorageApi(client, machineId)}
            {...(hasFileChooser() ? { chooseFile: chooseMediaFile } : {})}
            onSave={(after) => saveSettings(after)}
            onCancel={() => setSettings(undefined)}
          />
        )}
      </Dialog>
      {sendFiles.element}
      <PortForwardingDialog open={forwarding} machineName={machine.config.name} api={forwardingApi} onClose={() => setForwarding(false)} onChanged={refreshNetwork} />
      {machine.state === 'starting' && (
        <Typography variant="caption" sx={{ position: 'fixed', top: 44, right: 12, color: 'text.secondary' }}>
          Starting…
        </Typography>
      )}
    </Box>
  );
}
