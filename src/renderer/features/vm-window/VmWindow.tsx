/**
 * A VM window: menus (Machine, Devices, Input, View), the guest display and a status bar (run
 * state, engine, capture state). Engine commands go out through `execute` (QMP names); the
 * display comes in through a DisplaySource and input goes to an InputSink.
 */
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Chip from '@mui/material/Chip';
import Divider from '@mui/material/Divider';
import Menu from '@mui/material/Menu';
import MenuItem from '@mui/material/MenuItem';
import Typography from '@mui/material/Typography';
import { useRef, useState } from 'react';
import type { MouseEvent, ReactNode } from 'react';
import type { EngineKind, MachineState } from '../../platform/models.js';
import { DisplayView } from '../display/DisplayView.js';
import type { DisplayViewHandle } from '../display/DisplayView.js';
import type { SurfaceMode } from '../display/display-surface.js';
import { keyComboEvents, keyCombos } from '../display/keyboard.js';
import type { DisplaySource, InputSink, ScalingMode } from '../display/types.js';

/** Props of a VM window. */
export interface VmWindowProps {
  readonly name: string;
  readonly engine: EngineKind;
  readonly state: MachineState;
  readonly source: DisplaySource;
  readonly sink: InputSink;
  readonly initialScaling: ScalingMode;
  /** Runs an engine command on this machine (QMP name and arguments). */
  readonly execute: (command: string, args?: Record<string, unknown>) => void;
  /** Host clipboard text for "Type clipboard text" (navigator.clipboard where allowed). */
  readonly readClipboard?: () => Promise<string>;
  /** Writes text to the host clipboard ("Copy screen text", "Copy selection"). */
  readonly writeClipboard?: (text: string) => Promise<void>;
  readonly hostKeyLabel?: string;
}

type MenuName = 'machine' | 'input' | 'view';

const stateText: Record<MachineState, string> = {
  stopped: 'Powered off', prelaunch: 'Starting', running: 'Running', paused: 'Paused', shutdown: 'Shut down',
  'internal-error': 'Crashed', 'io-error': 'Disk error', 'save-vm': 'Saving', 'restore-vm': 'Restoring',
};

/** The VM window component. */
export function VmWindow(props: VmWindowProps) {
  const { name, engine, state, source, sink, execute, hostKeyLabel = 'Right Ctrl' } = props;
  const display = useRef<DisplayViewHandle>(null);
  const [scaling, setScaling] = useState<ScalingMode>(props.initialScaling);
  const [captured, setCaptured] = useState(false);
  const [mode, setMode] = useState<SurfaceMode>({ mode: 'off' });
  const [open, setOpen] = useState<{ name: MenuName; anchor: HTMLElement } | undefined>(undefined);
  const close = (): void => setOpen(undefined);
  const readClipboard = props.readClipboard ?? (() => navigator.clipboard.readText());
  const writeClipboard = props.writeClipboard ?? ((text: string) => navigator.clipboard.writeText(text));

  const menuButton = (menu: MenuName, label: string) => (
    <Button
      size="small"
      color="inherit"
      aria-haspopup="menu"
      aria-expanded={open?.name === menu}
      onClick={(event: MouseEvent<HTMLElement>) => setOpen({ name: menu, anchor: event.currentTarget })}
    >
      {label}
    </Button>
  );
  const item = (label: string, action: () => void, disabled = false): ReactNode => (
    <MenuItem
      key={label}
      disabled={disabled}
      onClick={() => {
        close();
        action();
      }}
    >
      {label}
    </MenuItem>
  );

  const running = state === 'running';
  const modeText = mode.mode === 'text' ? `Text ${mode.cols}×${mode.rows}` : mode.mode === 'graphics' ? `${mode.width}×${mode.height}` : 'No display';

  return (
    <Box sx={{ display: 'flex', flexDirection: 'column', height: '100%', bgcolor: 'background.default', color: 'text.primary' }}>
      <Box role="menubar" aria-label={`${name} menus`} sx={{ display: 'flex', gap: 0.5, px: 1, borderBottom: 1, borderColor: 'divider' }}>
        {menuButton('machine', 'Machine')}
        {menuButton('input', 'Input')}
        {menuButton('view', 'View')}
      </Box>
      <Menu anchorEl={open?.anchor} open={open?.name === 'machine'} onClose={close}>
        {item(running ? 'Pause' : 'Resume', () => execute(running ? 'stop' : 'cont'), state !== 'running' && state !== 'paused')}
        {item('Reset', () => execute('system_reset'))}
        {item('ACPI shutdown', () => execute('system_powerdown'), engine === 'v86')}
        {item('Power off', () => execute('quit'))}
        <Divider />
        {item('Take snapshot…', () => execute('snapshot-save'))}
      </Menu>
      <Menu anchorEl={open?.anchor} open={open?.name === 'input'} onClose={close}>
        {item('Type clipboard text', () => void readClipboard().then((text) => execute('input-type-text', { text })))}
        {item('Copy screen text', () => void writeClipboard(display.current?.screenText() ?? ''), mode.mode !== 'text')}
        {item('Copy selection', () => void writeClipboard(display.current?.selectionText() ?? ''), mode.mode !== 'text')}
        <Divider />
        {keyCombos.map((combo) => item(`Send ${combo.label}`, () => display.current?.send(keyComboEvents(combo.keys))))}
      </Menu>
      <Menu anchorEl={open?.anchor} open={open?.name === 'view'} onClose={close}>
        {item('Full screen', () => void display.current?.toggleFullScreen())}
        <Divider />
        {(
          [
            ['fit', 'Fit to window'],
            ['native', '1:1'],
            ['integer', 'Integer scaling'],
          ] as const
        ).map(([value, label]) => (
          <MenuItem key={value} selected={scaling === value} onClick={() => (close(), setScaling(value))}>
            {label}
          </MenuItem>
        ))}
      </Menu>
      <Box sx={{ flex: 1, minHeight: 0 }}>
        <DisplayView ref={display} source={source} sink={sink} scaling={scaling} onCaptureChange={setCaptured} onModeChange={setMode} label={`Screen of ${name}`} />
      </Box>
      <Box role="status" aria-label="Status" sx={{ display: 'flex', alignItems: 'center', gap: 1, px: 1, py: 0.25, borderTop: 1, borderColor: 'divider' }}>
        <Chip size="small" label={stateText[state]} color={running ? 'success' : 'default'} data-testid="run-state" />
        <Typography variant="caption">{engine === 'v86' ? 'v86' : 'QEMU'}</Typography>
        <Typography variant="caption" sx={{ color: 'text.secondary' }}>{modeText}</Typography>
        <Box sx={{ flex: 1 }} />
        <Typography variant="caption" data-testid="capture-state">
          {captured ? `Keyboard and mouse captured — press ${hostKeyLabel} to release` : 'Click the screen to capture keyboard and mouse'}
        </Typography>
      </Box>
    </Box>
  );
}
