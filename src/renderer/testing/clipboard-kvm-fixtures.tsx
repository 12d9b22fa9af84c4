/**
 * Component fixtures for the clipboard and accelerator UI (status bar, manager details, Settings →
 * Clipboard): sample states a test picks by options, with every action recorded.
 */
import Box from '@mui/material/Box';
import { useState } from 'react';
import type { ReactNode } from 'react';
import { ManagerWindow } from '../features/manager/ManagerWindow.js';
import type { AcceleratorInfo } from '../features/manager/AcceleratorRow.js';
import { SettingsEditor } from '../features/settings/SettingsEditor.js';
import { VmStatusBar } from '../features/vm-window/VmStatusBar.js';
import type { ClipboardMode, EngineKind, MachineConfig, MachineState } from '../platform/models.js';

/** Options of these fixtures. */
interface ClipboardKvmOptions {
  engine?: EngineKind;
  accelerator?: string;
  acceleratorReason?: string;
  clipboardMode?: ClipboardMode;
  agentConnected?: boolean;
  serialEnabled?: boolean;
  state?: MachineState;
  /** What "Try KVM again" answers. */
  recheckAnswer?: string;
  /** The manager's accelerator info for the selected machine. */
  info?: AcceleratorInfo;
  forceTcg?: boolean;
  running?: boolean;
}

/** Mounts the fixture `name` when it is one of these; undefined otherwise. */
export function clipboardKvmFixture(name: string, raw: unknown, base: MachineConfig, log: (name: string, value: unknown) => void): ReactNode | undefined {
  const options = (raw ?? {}) as ClipboardKvmOptions;
  const engine = options.engine ?? 'qemu';
  const recheck = async (): Promise<string> => {
    log('recheck', null);
    await new Promise((resolve) => setTimeout(resolve, 50));
    return options.recheckAnswer ?? 'KVM is still not usable.';
  };
  switch (name) {
    case 'status-bar':
      return (
        <Box sx={{ height: '100vh', display: 'flex', flexDirection: 'column', justifyContent: 'flex-end' }}>
          <VmStatusBar
            state={options.state ?? 'running'}
            engine={engine}
            {...(options.accelerator ? { accelerator: options.accelerator } : {})}
            {...(options.acceleratorReason ? { acceleratorReason: options.acceleratorReason, onRecheckKvm: recheck } : {})}
            mode={{ mode: 'graphics', width: 1024, height: 768 }}
            drives={[{ id: 'cd0', kind: 'cdrom', path: '/isos/debian-12.iso', present: true }, { id: 'fd0', kind: 'floppy' }]}
            clipboardMode={options.clipboardMode ?? 'off'}
            {...(options.agentConnected !== undefined ? { agentConnected: options.agentConnected } : {})}
            clipboardActions={{
              typeClipboard: () => log('type-clipboard', null),
              copyScreenText: () => log('copy-screen-text', null),
              showSerial: () => log('show-serial', null),
              serialEnabled: options.serialEnabled ?? false,
              openSettings: (page) => log('settings', page),
            }}
            inputText="Click the screen to capture keyboard and mouse"
            captured={false}
            hidden={false}
          />
        </Box>
      );
    case 'manager-accelerator':
      return <ManagerAcceleratorFixture config={{ ...base, name: 'Debian', engine, forceTcg: options.forceTcg ?? false }} state={options.state ?? 'stopped'} {...(options.info ? { info: options.info } : {})} recheck={recheck} />;
    case 'settings-clipboard':
      return (
        <SettingsEditor
          config={{ ...base, engine, clipboard: options.clipboardMode ?? 'off' }}
          initialPage="Clipboard"
          running={options.running ?? false}
          otherNames={[]}
          qemuAvailable
          onSave={(config) => log('save', config)}
          onCancel={() => log('cancel', null)}
        />
      );
    default:
      return undefined;
  }
}

function ManagerAcceleratorFixture({ config, state, info, recheck }: { config: MachineConfig; state: MachineState; info?: AcceleratorInfo; recheck: () => Promise<string> }) {
  const [selected, setSelected] = useState<string | null>('vm1');
  return (
    <ManagerWindow
      machines={[{ id: 'vm1', config, state, osName: 'Debian 12' }]}
      selectedId={selected}
      onSelect={setSelected}
      onAction={() => undefined}
      accelerator={{ ...(info ? { info } : {}), recheck }}
    />
  );
}
