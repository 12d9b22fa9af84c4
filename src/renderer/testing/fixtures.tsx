/** Component fixtures for the test page: each mounts one component with sample data in the app theme. */
import CssBaseline from '@mui/material/CssBaseline';
import { ThemeProvider } from '@mui/material/styles';
import { useState } from 'react';
import type { ReactNode } from 'react';
import type { Root } from 'react-dom/client';
import { hangarTheme } from '../app/theme.js';
import { ManagerWindow } from '../features/manager/ManagerWindow.js';
import { SettingsEditor } from '../features/settings/SettingsEditor.js';
import { SnapshotTree } from '../features/snapshots/SnapshotTree.js';
import { NewVmWizard } from '../features/wizard/NewVmWizard.js';
import { VmWindow } from '../features/vm-window/VmWindow.js';
import { SerialConsole } from '../features/serial/SerialConsole.js';
import type { SerialConsoleHandle } from '../features/serial/SerialConsole.js';
import type { DisplaySource, InputSink } from '../features/display/types.js';
import type { MachineConfig, MachineSummary, MediaItem, NetworkStatus, OsChoice, PortForward, SnapshotRow } from '../platform/models.js';
import { PortForwardingDialog } from '../features/vm-window/PortForwardingDialog.js';
import type { NetworkActivity } from '../features/vm-window/use-network-status.js';
import { connectClient } from '../platform/client.js';
import { VmPage } from '../features/vm-window/VmPage.js';
import { App } from '../app/App.js';
import { clipboardKvmFixture } from './clipboard-kvm-fixtures.js';
import { installFakeBridge } from './fake-bridge.js';
import { NoticeSnackbar } from '../app/manager/NoticeSnackbar.js';
import { useNotice } from '../app/manager/use-notice.js';

/** Everything fixtures report back (read by tests through window.hangarFixture). */
export interface FixtureLog {
  calls: { name: string; value: unknown }[];
}

declare global {
  interface Window {
    hangarFixture: FixtureLog;
    hangarSerial: { write(data: string): void; handle: SerialConsoleHandle | null };
  }
}

window.hangarFixture = { calls: [] };
const log = (name: string, value: unknown): void => {
  window.hangarFixture.calls.push({ name, value: JSON.parse(JSON.stringify(value ?? null)) });
};

/** A sample machine configuration. */
export const sampleConfig: MachineConfig = {
  name: 'FreeDOS', osId: 'freedos1.3', engine: 'v86', memoryMiB: 32, cpus: 1, bootOrder: ['cdrom', 'disk'], forceTcg: false,
  speedLimitMips: 0, displayDevice: 'std', scaling: 'integer',
  drives: [
    { id: 'd0', kind: 'disk', path: '/home/user/Hangar/machines/1/disk.qcow2', sizeMiB: 512 },
    { id: 'c0', kind: 'cdrom', path: '/home/user/ISOs/FD13LIVE.iso' },
  ],
  serial: 'off', clipboard: 'off',
  network: { mode: 'nat', model: 'auto', mac: '02:54:00:12:34:56', connected: true, forwards: [{ protocol: 'tcp', hostAddress: '127.0.0.1', hostPort: 2222, guestPort: 22, name: 'ssh' }] },
  shares: [],
};

const storageConfig: MachineConfig = {
  ...sampleConfig,
  drives: [
    { id: 'd0', kind: 'disk', path: '/home/user/Hangar/machines/1/disk.qcow2', sizeMiB: 512 },
    { id: 'cd0', kind: 'cdrom', path: '/home/user/ISOs/debian-12-i386-netinst.iso', present: true },
    { id: 'fd0', kind: 'floppy', path: '/home/user/floppies/boot.img', present: true },
  ],
};

const sampleMedia: MediaItem[] = [
  { id: 'm1', path: '/home/user/ISOs/debian-12-i386-netinst.iso', kind: 'cdrom', sizeBytes: 600e6, present: true, osId: 'debian12-32' },
  { id: 'm2', path: '/home/user/ISOs/debian-12-amd64-netinst.iso', kind: 'cdrom', sizeBytes: 650e6, present: true, osId: 'debian12' },
  { id: 'm3', path: '/home/user/ISOs/gone.iso', kind: 'cdrom', sizeBytes: 1, present: false },
];

const sampleOs: OsChoice[] = [
  { id: 'debian12-32', name: 'Debian 12 (32-bit)', bits: 32, recommendedMemoryMiB: 1024, recommendedDiskMiB: 20480 },
  { id: 'debian12', name: 'Debian 12', bits: 64, recommendedMemoryMiB: 2048, recommendedDiskMiB: 20480 },
  { id: 'msdos6.22', name: 'MS-DOS 6.22', bits: 16, recommendedMemoryMiB: 4, recommendedDiskMiB: 256 },
];

function Themed({ mode, children }: { mode: 'light' | 'dark'; children: ReactNode }) {
  return (
    <ThemeProvider theme={hangarTheme(mode)}>
      <CssBaseline />
      {children}
    </ThemeProvider>
  );
}

function SnapshotFixture({ rows, currentId }: { rows: SnapshotRow[]; currentId: string | null }) {
  const [selected, setSelected] = useState<string | null>(null);
  return (
    <SnapshotTree
      rows={rows}
      currentId={currentId}
      selectedId={selected}
      onSelect={(id) => {
        setSelected(id);
        log('select', id);
      }}
      onActivate={(id) => log('activate', id)}
    />
  );
}

function ManagerFixture({ machines, media }: { machines: MachineSummary[]; media: MediaItem[] }) {
  const [selected, setSelected] = useState<string | null>(null);
  return <ManagerWindow machines={machines} media={media} selectedId={selected} onSelect={setSelected} onAction={(action, id) => log('action', { action, id })} onAddMedia={(path) => log('add-media', path)} />;
}

/** The manager's notice showing a refused call's error, as `fail` forms it. */
function NoticeFixture({ desc }: { desc: string }) {
  const { notice, setNotice, fail } = useNotice();
  return (
    <>
      <button type="button" onClick={() => fail({ ok: false, error: { desc } })}>
        Fail
      </button>
      <NoticeSnackbar notice={notice} onClose={() => setNotice(undefined)} />
    </>
  );
}

/** Options a test may pass to `mount`. */
interface FixtureOptions {
  mode?: 'light' | 'dark';
  qemuAvailable?: boolean;
  running?: boolean;
  rows?: SnapshotRow[];
  currentId?: string | null;
  machines?: MachineSummary[];
  failCreate?: string;
  source?: DisplaySource;
  sink?: InputSink;
  clipboard?: string;
  typingDelayMs?: number;
  withMedia?: boolean;
  serialEnabled?: boolean;
  /** Settings with the real drive slots (cd0, fd0) and the sample library. */
  storageMedia?: boolean;
  backlog?: string;
  /** The VM window's network indicator. */
  network?: NetworkActivity;
  /** The engine's network the settings editor and the forwarding dialog load (running machines). */
  networkStatus?: NetworkStatus;
  /** Settings: the machine's engine and OS (one of sampleOs), instead of the sample's. */
  engine?: MachineConfig['engine'];
  osId?: string;
  /** The notice fixture: the refused call's error text. */
  failDesc?: string;
}

/** The settings editor's `os` prop when there is one. */
function withOs(os: OsChoice | undefined): { os?: OsChoice } {
  return os ? { os } : {};
}

/**
 * The port forwarding dialog on an in-memory engine: forwards are kept in a list, a host port
 * in `busyPorts` is refused as a real engine refuses it; every call is logged.
 */
function ForwardingFixture({ status, busyPorts }: { status: NetworkStatus; busyPorts: readonly number[] }) {
  const [open, setOpen] = useState(true);
  const [forwards] = useState(() => [...status.forwards]);
  const same = (a: Pick<PortForward, 'protocol' | 'hostAddress' | 'hostPort'>, b: typeof a): boolean => a.protocol === b.protocol && a.hostAddress === b.hostAddress && a.hostPort === b.hostPort;
  return (
    <PortForwardingDialog
      open={open}
      machineName="FreeDOS"
      onClose={() => (log('close', null), setOpen(false))}
      api={{
        load: async () => ({ ok: true, value: { ...status, forwards: [...forwards] } }),
        add: async (forward) => {
          log('forward-add', forward);
          if (busyPorts.includes(forward.hostPort)) return { ok: false, error: { class: 'Conflict', desc: `The engine could not listen: ${forward.hostAddress}:${forward.hostPort} is already in use.` } };
          forwards.push({ ...forward, status: 'active' });
          return { ok: true, value: {} };
        },
        remove: async (forward) => {
          log('forward-remove', forward);
          const index = forwards.findIndex((candidate) => same(candidate, forward));
          if (index >= 0) forwards.splice(index, 1);
          return { ok: true, value: {} };
        },
      }}
    />
  );
}

/** Mounts the fixture named `name` into `root`. */
export function mountFixture(root: Root, name: string, raw: unknown): void {
  const options = (raw ?? {}) as FixtureOptions;
  window.hangarFixture.calls = [];
  // Only the Electron fixture has a bridge; every other fixture runs as in a browser.
  delete window.hangar;
  const mode = options.mode ?? 'light';
  let element: ReactNode;
  switch (name) {
    case 'wizard':
      element = (
        <NewVmWizard
          media={sampleMedia}
          osChoices={sampleOs}
          existingNames={['FreeDOS']}
          qemuAvailable={options.qemuAvailable ?? true}
          onCancel={() => log('cancel', null)}
          onCreate={async (request, progress) => {
            for (const step of [0.25, 0.5, 0.75, 1]) {
              progress(step);
              await new Promise((resolve) => setTimeout(resolve, 20));
            }
            if (options.failCreate) throw new Error(options.failCreate);
            log('create', request);
          }}
        />
      );
      break;
    case 'settings':
      element = (
        <SettingsEditor
          config={{ ...(options.storageMedia ? storageConfig : sampleConfig), ...(options.engine ? { engine: options.engine } : {}), ...(options.osId ? { osId: options.osId } : {}) }}
          {...(options.storageMedia ? { media: sampleMedia } : {})}
          {...withOs(sampleOs.find((os) => os.id === options.osId))}
          running={options.running ?? false} otherNames={['Other VM']} qemuAvailable={options.qemuAvailable ?? true} onSave={(config) => log('save', config)} onCancel={() => log('cancel', null)}
          {...(options.networkStatus ? { loadNetwork: async () => options.networkStatus } : {})} />
      );
      break;
    case 'port-forwarding':
      if (!options.networkStatus) throw new Error('The port-forwarding fixture needs a networkStatus.');
      element = <ForwardingFixture status={options.networkStatus} busyPorts={[5900]} />;
      break;
    case 'snapshots':
      element = <SnapshotFixture rows={options.rows ?? []} currentId={options.currentId ?? null} />;
      break;
    case 'notice':
      element = <NoticeFixture desc={options.failDesc ?? ''} />;
      break;
    case 'manager':
      element = <ManagerFixture machines={options.machines ?? []} media={options.withMedia ? sampleMedia : []} />;
      break;
    case 'serial': {
      const listeners = new Set<(data: string | Uint8Array) => void>();
      window.hangarSerial = {
        write: (data) => listeners.forEach((listener) => listener(data)),
        handle: null,
      };
      element = (
        <div style={{ height: '60vh' }}>
          <SerialConsole
            ref={(handle) => {
              window.hangarSerial.handle = handle;
            }}
            channel={{ subscribe: (listener) => (listeners.add(listener), () => listeners.delete(listener)), send: (data) => log('serial', data) }}
            writeClipboard={async (text) => log('clipboard', text)}
          />
        </div>
      );
      break;
    }
    case 'vm-window':
      if (!options.source || !options.sink) throw new Error('The vm-window fixture needs a source and a sink.');
      element = (
        <div style={{ height: '100vh' }}>
          <VmWindow
            name="FreeDOS"
            engine="v86"
            state="running"
            source={options.source}
            sink={options.sink}
            initialScaling="integer"
            onCommand={(command) => log('command', command)}
            typeText={async (text, control) => {
              // Types slowly in pieces so a test can watch the progress and cancel.
              const chars = Array.from(text);
              for (let typed = 0; typed < chars.length; typed += 4) {
                if (control.signal.aborted) break;
                control.onProgress(typed, chars.length);
                await new Promise((resolve) => setTimeout(resolve, options.typingDelayMs ?? 0));
              }
              log('type', { text, cancelled: control.signal.aborted });
            }}
            media={[{ id: 'm1', path: '/isos/grub.iso', kind: 'cdrom', sizeBytes: 5e6, present: true }, { id: 'm2', path: '/isos/gone.iso', kind: 'cdrom', sizeBytes: 1, present: false }]}
            drives={[{ id: 'cd0', kind: 'cdrom', path: '/isos/grub.iso', present: true }, { id: 'fd0', kind: 'floppy' }]}
            readClipboard={async () => options.clipboard ?? 'dir\n'}
            writeClipboard={async (text) => log('clipboard', text)}
            networkConfig={{ mode: 'nat', connected: true }}
            {...(options.network ? { network: options.network } : {})}
          />
        </div>
      );
      break;
    case 'electron-vm-page':
      installFakeBridge({ serialEnabled: options.serialEnabled ?? true, backlog: options.backlog ?? '' });
      element = <VmPage client={connectClient()} machineId="vm1" />;
      break;
    case 'electron-manager':
      installFakeBridge({ serialEnabled: false, backlog: '' });
      // The app brings its own theme.
      root.render(<App client={connectClient()} />);
      return;
    default:
      element = clipboardKvmFixture(name, raw, sampleConfig, log);
      if (element === undefined) throw new Error(`No fixture named "${name}".`);
  }
  root.render(<Themed mode={mode}>{element}</Themed>);
}
