/**
 * A VM window: menus (Machine, Devices, Input, View), the guest display and a status bar (run
 * state, engine, screen mode, media, clipboard agent, capture state). Machine actions go out as
 * `VmCommand`s to the owner, which talks to the app API; the display comes in through a
 * DisplaySource and input goes to an InputSink. Paste-as-typing shows progress and can be
 * cancelled; copying reads the display's own text layer.
 */
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Chip from '@mui/material/Chip';
import Dialog from '@mui/material/Dialog';
import DialogActions from '@mui/material/DialogActions';
import DialogContent from '@mui/material/DialogContent';
import DialogTitle from '@mui/material/DialogTitle';
import Divider from '@mui/material/Divider';
import LinearProgress from '@mui/material/LinearProgress';
import ListSubheader from '@mui/material/ListSubheader';
import Menu from '@mui/material/Menu';
import MenuItem from '@mui/material/MenuItem';
import Paper from '@mui/material/Paper';
import Tab from '@mui/material/Tab';
import Tabs from '@mui/material/Tabs';
import TextField from '@mui/material/TextField';
import Tooltip from '@mui/material/Tooltip';
import Typography from '@mui/material/Typography';
import { useEffect, useRef, useState } from 'react';
import type { MouseEvent, ReactNode } from 'react';
import type { MenuCommand } from '../../../shared/bridge.js';
import type { ClipboardMode, DriveConfig, DriveSlot, EngineKind, MachineState, MediaItem } from '../../platform/models.js';
import { stateColour, stateLabels } from '../../components/machine-state.js';
import { DiscIcon, FloppyIcon } from '../../components/icons.js';
import { DisplayView } from '../display/DisplayView.js';
import type { DisplayViewHandle } from '../display/DisplayView.js';
import type { SurfaceMode } from '../display/display-surface.js';
import { keyComboEvents, keyCombos } from '../display/keyboard.js';
import type { DisplaySource, InputSink, ScalingMode } from '../display/types.js';
import { SerialConsole } from '../serial/SerialConsole.js';
import type { SerialChannel } from '../serial/SerialConsole.js';

/** What the window asks its owner to do. */
export type VmCommand =
  | { readonly kind: 'pause' | 'resume' | 'reset' | 'powerdown' | 'poweroff' | 'start' | 'snapshot' | 'snapshots' }
  | { readonly kind: 'settings'; readonly page?: 'Serial' }
  | { readonly kind: 'insert'; readonly slot: DriveSlot; readonly path: string }
  | { readonly kind: 'eject'; readonly slot: DriveSlot };

/** Options the owner's typing function gets. */
export interface TypingControl {
  readonly onProgress: (typed: number, total: number) => void;
  readonly signal: AbortSignal;
}

const acceleratorLabels: Record<string, string> = { 'v86-jit': 'v86 · JIT', 'v86-interpreter': 'v86 · interpreter', tcg: 'QEMU · TCG', kvm: 'QEMU · KVM' };

/** The status bar's engine and accelerator (what the engine reports, once it has). */
function engineLabel(engine: EngineKind, accelerator: string | undefined): string {
  return (accelerator && acceleratorLabels[accelerator]) ?? (engine === 'v86' ? 'v86' : 'QEMU');
}

/** Props of a VM window. */
export interface VmWindowProps {
  readonly name: string;
  readonly engine: EngineKind;
  /** The accelerator the engine reports (`query-engine`): v86-jit, v86-interpreter, tcg, kvm. */
  readonly accelerator?: string;
  readonly state: MachineState;
  readonly source: DisplaySource;
  readonly sink: InputSink;
  readonly initialScaling: ScalingMode;
  readonly onCommand: (command: VmCommand) => void;
  /** Types text into the guest (paste-as-typing); resolves when done or cancelled. */
  readonly typeText: (text: string, control: TypingControl) => Promise<void>;
  /** The library's media, offered by the Devices menu. */
  readonly media?: readonly MediaItem[];
  /** The CD and floppy drives with their media. */
  readonly drives?: readonly DriveConfig[];
  readonly clipboardMode?: ClipboardMode;
  /** Whether a guest clipboard agent is connected (undefined: unknown). */
  readonly agentConnected?: boolean;
  /** The screen text from the engine, for when the display has no text layer yet. */
  readonly screenText?: () => Promise<string>;
  /** Host clipboard text for "Type clipboard text" (navigator.clipboard where allowed). */
  readonly readClipboard?: () => Promise<string>;
  /** Writes text to the host clipboard ("Copy screen text", "Copy selection"). */
  readonly writeClipboard?: (text: string) => Promise<void>;
  readonly hostKey?: string;
  readonly hostKeyLabel?: string;
  /** Shown between the menus and the display (errors, progress). */
  readonly banner?: ReactNode;
  /** Called when the user picks another scaling mode. */
  readonly onScalingChange?: (scaling: ScalingMode) => void;
  /** A native file chooser (Electron); without one, the window asks for a path. */
  readonly chooseFile?: (kind: 'cdrom' | 'floppy') => Promise<string | null>;
  /** Called when the user picks another host key (a KeyboardEvent.code). */
  readonly onHostKeyChange?: (code: string) => void;
  /** Called when the display captures or releases the keyboard (Electron turns menu shortcuts off meanwhile). */
  readonly onCaptureChange?: (captured: boolean) => void;
  /** Subscribes to application-menu commands (Electron's bridge `onMenuCommand`); returns the unsubscribe function. */
  readonly menuCommands?: (listener: (command: MenuCommand) => void) => () => void;
  /** The serial console tab: the machine's COM1, and whether its settings turn the console on. */
  readonly serial?: { readonly channel: SerialChannel; readonly enabled: boolean };
}

/** The window's two views. */
export type VmView = 'display' | 'serial';

/** Keys offered as the host key (KeyboardEvent.code → what a person reads). */
export const hostKeyChoices: readonly (readonly [string, string])[] = [
  ['ControlRight', 'Right Ctrl'],
  ['AltRight', 'Right Alt'],
  ['MetaRight', 'Right Super'],
  ['ScrollLock', 'Scroll Lock'],
];

/** What a person reads for a host key code. */
export function hostKeyName(code: string): string {
  return hostKeyChoices.find(([value]) => value === code)?.[1] ?? code;
}

type MenuName = 'machine' | 'devices' | 'input' | 'view';
const scalingNames: readonly (readonly [ScalingMode, string])[] = [
  ['fit', 'Fit to window'],
  ['native', '1:1'],
  ['integer', 'Integer scaling'],
];
const fileName = (path: string): string => path.split(/[/\\]/u).pop() ?? path;

/** The VM window component. */
export function VmWindow(props: VmWindowProps) {
  const { name, engine, state, source, sink, onCommand, media = [], drives = [], clipboardMode = 'off' } = props;
  const hostKeyLabel = props.hostKeyLabel ?? hostKeyName(props.hostKey ?? 'ControlRight');
  const display = useRef<DisplayViewHandle>(null);
  const [scaling, setScaling] = useState<ScalingMode>(props.initialScaling);
  const [captured, setCaptured] = useState(false);
  const [mode, setMode] = useState<SurfaceMode>({ mode: 'off' });
  const [open, setOpen] = useState<{ name: MenuName; anchor: HTMLElement } | undefined>(undefined);
  const [fullScreen, setFullScreen] = useState(false);
  const [typing, setTyping] = useState<{ typed: number; total: number; controller: AbortController } | undefined>(undefined);
  const [pathPrompt, setPathPrompt] = useState<DriveSlot | undefined>(undefined);
  const [pathValue, setPathValue] = useState('');
  const [notice, setNotice] = useState<string | undefined>(undefined);
  const [view, setView] = useState<VmView>('display');
  const close = (): void => setOpen(undefined);
  const readClipboard = props.readClipboard ?? (() => navigator.clipboard.readText());
  const writeClipboard = props.writeClipboard ?? ((text: string) => navigator.clipboard.writeText(text));

  useEffect(() => {
    const onChange = (): void => setFullScreen(document.fullscreenElement !== null);
    document.addEventListener('fullscreenchange', onChange);
    return () => document.removeEventListener('fullscreenchange', onChange);
  }, []);
  useEffect(() => {
    if (!notice) return undefined;
    const timer = setTimeout(() => setNotice(undefined), 4000);
    return () => clearTimeout(timer);
  }, [notice]);

  const menuButton = (menu: MenuName, label: string) => (
    <Button
      size="small"
      color="inherit"
      aria-haspopup="menu"
      aria-expanded={open?.name === menu}
      onClick={(event: MouseEvent<HTMLElement>) => setOpen({ name: menu, anchor: event.currentTarget })}
      sx={{ px: 1.25, minWidth: 0 }}
    >
      {label}
    </Button>
  );
  const item = (label: string, action: () => void, disabled = false, hint?: string): ReactNode => (
    <MenuItem
      key={label}
      disabled={disabled}
      dense
      onClick={() => {
        close();
        action();
      }}
    >
      <Box component="span" sx={{ flex: 1 }}>
        {label}
      </Box>
      {hint && (
        <Typography variant="caption" sx={{ color: 'text.secondary', ml: 3 }}>
          {hint}
        </Typography>
      )}
    </MenuItem>
  );

  const running = state === 'running';
  const active = running || state === 'paused';
  const modeText = mode.mode === 'text' ? `Text ${mode.cols}×${mode.rows}` : mode.mode === 'graphics' ? `${mode.width}×${mode.height}` : 'No display';
  const drive = (slot: DriveSlot): DriveConfig | undefined => drives.find((d) => d.id === slot);

  // The whole window goes full screen, so menus (portalled to <body>) keep working there.
  const toggleFullScreen = async (): Promise<void> => {
    try {
      if (document.fullscreenElement) await document.exitFullscreen();
      else await document.documentElement.requestFullscreen();
    } catch {
      setNotice('The browser refused full screen.');
    }
  };

  const copyScreenText = async (): Promise<void> => {
    let text = display.current?.screenText() ?? '';
    if (!text.trim() && props.screenText) text = await props.screenText();
    await writeClipboard(text);
    setNotice(text.trim() ? 'Screen text copied.' : 'The screen has no text to copy (graphics mode).');
  };

  const typeClipboard = async (): Promise<void> => {
    let text: string;
    try {
      text = await readClipboard();
    } catch {
      setNotice('The browser did not allow reading the clipboard.');
      return;
    }
    if (!text) return setNotice('The clipboard holds no text.');
    const controller = new AbortController();
    setTyping({ typed: 0, total: Array.from(text).length, controller });
    try {
      await props.typeText(text, { signal: controller.signal, onProgress: (typed, total) => setTyping({ typed, total, controller }) });
    } finally {
      setTyping(undefined);
    }
  };

  const screenshot = (): void => {
    const canvas = display.current?.surface?.canvas;
    if (!canvas || mode.mode === 'off') return setNotice('There is no screen to save yet.');
    const link = document.createElement('a');
    link.href = canvas.toDataURL('image/png');
    link.download = `${name} ${new Date().toISOString().replace(/[:.]/gu, '-')}.png`;
    link.click();
  };

  const insertFile = async (slot: DriveSlot): Promise<void> => {
    if (!props.chooseFile) {
      setPathValue('');
      setPathPrompt(slot);
      return;
    }
    const path = await props.chooseFile(slot === 'cd0' ? 'cdrom' : 'floppy').catch((error: unknown) => (setNotice(error instanceof Error ? error.message : String(error)), null));
    if (path) onCommand({ kind: 'insert', slot, path });
  };

  const slotMenu = (slot: DriveSlot, label: string) => {
    const current = drive(slot);
    const choices = media.filter((m) => m.present && (slot === 'cd0' ? m.kind === 'cdrom' : m.kind !== 'cdrom'));
    return [
      <ListSubheader key={`${slot}-head`} sx={{ lineHeight: '32px' }}>
        {label}: {current?.path ? fileName(current.path) : 'empty'}
      </ListSubheader>,
      ...choices.map((m) => item(`Insert ${fileName(m.path)}`, () => onCommand({ kind: 'insert', slot, path: m.path }), !active || current?.path === m.path)),
      item(`Insert ${slot === 'cd0' ? 'CD' : 'floppy'} image file…`, () => void insertFile(slot), !active),
      item(`Eject ${slot === 'cd0' ? 'CD' : 'floppy'}`, () => onCommand({ kind: 'eject', slot }), !active || !current?.path),
    ];
  };

  const cd = drive('cd0');
  const floppy = drive('fd0');

  const changeScaling = (value: ScalingMode): void => {
    setScaling(value);
    props.onScalingChange?.(value);
  };
  const captureChanged = (on: boolean): void => {
    setCaptured(on);
    props.onCaptureChange?.(on);
  };
  const showView = (next: VmView): void => {
    // The hidden display must not keep the keyboard.
    if (next !== 'display') display.current?.release();
    setView(next);
  };

  // Application-menu commands (Electron) run what the window's own menus run, with today's state.
  const menuCommand = (command: MenuCommand): void => {
    switch (command) {
      case 'machine.start':
        if (!active) onCommand({ kind: 'start' });
        return;
      case 'machine.pause':
        if (active) onCommand({ kind: running ? 'pause' : 'resume' });
        return;
      case 'machine.reset':
      case 'machine.powerdown':
      case 'machine.poweroff':
        if (active) onCommand({ kind: command === 'machine.reset' ? 'reset' : command === 'machine.powerdown' ? 'powerdown' : 'poweroff' });
        return;
      case 'machine.snapshot':
        if (active) onCommand({ kind: 'snapshot' });
        return;
      case 'machine.settings':
        onCommand({ kind: 'settings' });
        return;
      case 'machine.screenshot':
        screenshot();
        return;
      case 'input.ctrl-alt-del':
        if (running) display.current?.send(keyComboEvents(['ctrl', 'alt', 'delete']));
        return;
      case 'input.type-clipboard':
        if (running && !typing) void typeClipboard();
        return;
      case 'view.scale-fit':
        changeScaling('fit');
        return;
      case 'view.scale-1x':
        changeScaling('native');
        return;
      case 'machine.new':
        return; // the manager's command
    }
  };
  const menuCommandRef = useRef(menuCommand);
  menuCommandRef.current = menuCommand;
  const subscribeMenu = props.menuCommands;
  useEffect(() => subscribeMenu?.((command) => menuCommandRef.current(command)), [subscribeMenu]);

  return (
    <Box sx={{ display: 'flex', flexDirection: 'column', height: '100%', bgcolor: 'background.default', color: 'text.primary' }}>
      <Box role="menubar" aria-label={`${name} menus`} sx={{ display: 'flex', alignItems: 'center', gap: 0.25, px: 1, minHeight: 36, borderBottom: 1, borderColor: 'divider', bgcolor: 'background.paper' }}>
        {menuButton('machine', 'Machine')}
        {menuButton('devices', 'Devices')}
        {menuButton('input', 'Input')}
        {menuButton('view', 'View')}
        {props.serial && (
          <Tabs value={view} onChange={(_, value: VmView) => showView(value)} aria-label="Views" sx={{ ml: 2, minHeight: 36, '& .MuiTab-root': { minHeight: 36, py: 0, textTransform: 'none' } }}>
            <Tab value="display" label="Display" />
            <Tab value="serial" label="Serial console" />
          </Tabs>
        )}
        <Box sx={{ flex: 1 }} />
        <Typography variant="subtitle2" noWrap sx={{ color: 'text.secondary', pr: 1 }}>
          {name}
        </Typography>
      </Box>
      <Menu anchorEl={open?.anchor} open={open?.name === 'machine'} onClose={close}>
        {active ? item(running ? 'Pause' : 'Resume', () => onCommand({ kind: running ? 'pause' : 'resume' }), state !== 'running' && state !== 'paused') : item('Start', () => onCommand({ kind: 'start' }), state === 'starting' || state === 'stopping')}
        {item('Reset', () => onCommand({ kind: 'reset' }), !active)}
        {item(engine === 'v86' ? 'ACPI shutdown (not on v86)' : 'ACPI shutdown', () => onCommand({ kind: 'powerdown' }), !active || engine === 'v86')}
        {item('Power off', () => onCommand({ kind: 'poweroff' }), !active)}
        <Divider />
        {item('Take snapshot…', () => onCommand({ kind: 'snapshot' }), !active)}
        {item('Snapshots…', () => onCommand({ kind: 'snapshots' }))}
        {item('Settings…', () => onCommand({ kind: 'settings' }))}
        {item('Save screenshot', screenshot, mode.mode === 'off')}
      </Menu>
      <Menu anchorEl={open?.anchor} open={open?.name === 'devices'} onClose={close}>
        {slotMenu('cd0', 'CD/DVD')}
        <Divider />
        {slotMenu('fd0', 'Floppy')}
      </Menu>
      <Menu anchorEl={open?.anchor} open={open?.name === 'input'} onClose={close}>
        {item('Type clipboard text', () => void typeClipboard(), !running || typing !== undefined)}
        {item('Copy screen text', () => void copyScreenText(), mode.mode === 'graphics')}
        {item('Copy selection', () => void writeClipboard(display.current?.selectionText() ?? ''), mode.mode !== 'text')}
        <Divider />
        {keyCombos.map((combo) => item(`Send ${combo.label}`, () => display.current?.send(keyComboEvents(combo.keys)), !running))}
      </Menu>
      <Menu anchorEl={open?.anchor} open={open?.name === 'view'} onClose={close}>
        {item(fullScreen ? 'Leave full screen' : 'Full screen', () => void toggleFullScreen())}
        <Divider />
        {scalingNames.map(([value, label]) => (
          <MenuItem key={value} dense selected={scaling === value} onClick={() => (close(), changeScaling(value))}>
            {label}
          </MenuItem>
        ))}
        {props.onHostKeyChange && <Divider />}
        {props.onHostKeyChange && <ListSubheader sx={{ lineHeight: '32px' }}>Host key (releases capture)</ListSubheader>}
        {props.onHostKeyChange &&
          hostKeyChoices.map(([code, label]) => (
            <MenuItem key={code} dense selected={(props.hostKey ?? 'ControlRight') === code} onClick={() => (close(), props.onHostKeyChange?.(code))}>
              {label}
            </MenuItem>
          ))}
      </Menu>
      {props.banner}
      {props.serial && view === 'serial' && (
        <Box sx={{ flex: 1, minHeight: 0, display: 'flex', flexDirection: 'column' }} data-testid="serial-view">
          {props.serial.enabled ? (
            <SerialConsole channel={props.serial.channel} writeClipboard={writeClipboard} autoFocus />
          ) : (
            <Box sx={{ p: 3, maxWidth: 640 }} data-testid="serial-disabled">
              <Typography variant="h6" gutterBottom>
                The serial console is off for {name}
              </Typography>
              <Typography sx={{ color: 'text.secondary', mb: 2 }}>
                Turn it on in the machine&apos;s settings: Serial → Serial port → “Console tab”. The guest&apos;s COM1 then shows here, and what you type here goes to it. Guests must send their console to the serial port (Linux: console=ttyS0; GRUB: serial, then terminal_output serial).
              </Typography>
              <Button variant="outlined" onClick={() => onCommand({ kind: 'settings', page: 'Serial' })}>
                Open settings…
              </Button>
            </Box>
          )}
        </Box>
      )}
      <Box sx={{ flex: 1, minHeight: 0, position: 'relative', display: view === 'display' || !props.serial ? 'block' : 'none' }}>
        <DisplayView ref={display} source={source} sink={sink} scaling={scaling} onCaptureChange={captureChanged} onModeChange={setMode} label={`Screen of ${name}`} {...(props.hostKey ? { hostKey: props.hostKey } : {})} />
        {typing && (
          <Paper elevation={6} data-testid="typing-progress" role="status" aria-label="Typing" sx={{ position: 'absolute', left: 16, bottom: 16, p: 1.5, width: 320, display: 'flex', flexDirection: 'column', gap: 1 }}>
            <Typography variant="body2">
              Typing clipboard text… {typing.typed} of {typing.total} characters
            </Typography>
            <LinearProgress variant="determinate" value={typing.total ? (typing.typed / typing.total) * 100 : 0} />
            <Button size="small" onClick={() => typing.controller.abort()} sx={{ alignSelf: 'flex-end' }}>
              Cancel
            </Button>
          </Paper>
        )}
        {notice && (
          <Paper elevation={6} role="status" sx={{ position: 'absolute', right: 16, bottom: 16, px: 1.5, py: 1 }}>
            <Typography variant="body2">{notice}</Typography>
          </Paper>
        )}
      </Box>
      <Box role="status" aria-label="Status" sx={{ display: fullScreen ? 'none' : 'flex', alignItems: 'center', gap: 1.25, px: 1, py: 0.25, minHeight: 30, borderTop: 1, borderColor: 'divider', bgcolor: 'background.paper' }}>
        <Chip size="small" label={stateLabels[state]} color={stateColour(state)} data-testid="run-state" />
        <Typography variant="caption">{engineLabel(engine, props.accelerator)}</Typography>
        <Typography variant="caption" sx={{ color: 'text.secondary' }} data-testid="screen-mode">
          {modeText}
        </Typography>
        <Tooltip title={cd?.path ?? 'CD drive empty'}>
          <Box sx={{ display: 'flex', alignItems: 'center', gap: 0.5, color: cd?.path ? 'text.primary' : 'text.disabled' }} data-testid="cd-status">
            <DiscIcon sx={{ fontSize: 16 }} />
            <Typography variant="caption">{cd?.path ? fileName(cd.path) : 'Empty'}</Typography>
          </Box>
        </Tooltip>
        <Tooltip title={floppy?.path ?? 'Floppy drive empty'}>
          <Box sx={{ display: 'flex', alignItems: 'center', gap: 0.5, color: floppy?.path ? 'text.primary' : 'text.disabled' }} data-testid="floppy-status">
            <FloppyIcon sx={{ fontSize: 16 }} />
            <Typography variant="caption">{floppy?.path ? fileName(floppy.path) : 'Empty'}</Typography>
          </Box>
        </Tooltip>
        {clipboardMode !== 'off' && (
          <Typography variant="caption" sx={{ color: props.agentConnected ? 'success.main' : 'text.secondary' }} data-testid="agent-state">
            {props.agentConnected ? 'Clipboard agent connected' : 'No clipboard agent'}
          </Typography>
        )}
        <Box sx={{ flex: 1 }} />
        <Typography variant="caption" data-testid="capture-state" sx={{ color: captured ? 'primary.main' : 'text.secondary' }}>
          {props.serial && view === 'serial'
            ? 'Serial console: what you type goes to the guest\'s COM1 · Ctrl+Shift+C copies'
            : captured
              ? `Keyboard and mouse captured — press ${hostKeyLabel} to release`
              : 'Click the screen to capture keyboard and mouse'}
        </Typography>
      </Box>
      <Dialog open={pathPrompt !== undefined} onClose={() => setPathPrompt(undefined)} aria-labelledby="insert-path-title">
        <Box
          component="form"
          onSubmit={(event) => {
            event.preventDefault();
            if (pathPrompt && pathValue.trim()) onCommand({ kind: 'insert', slot: pathPrompt, path: pathValue.trim() });
            setPathPrompt(undefined);
          }}
        >
          <DialogTitle id="insert-path-title">Insert {pathPrompt === 'fd0' ? 'a floppy' : 'a CD/DVD'} image</DialogTitle>
          <DialogContent>
            <TextField autoFocus fullWidth size="small" label="Image file path" value={pathValue} onChange={(event) => setPathValue(event.target.value)} sx={{ mt: 1, minWidth: 420 }} />
          </DialogContent>
          <DialogActions>
            <Button onClick={() => setPathPrompt(undefined)}>Cancel</Button>
            <Button type="submit" variant="contained" disabled={!pathValue.trim()}>
              Insert
            </Button>
          </DialogActions>
        </Box>
      </Dialog>
    </Box>
  );
}
