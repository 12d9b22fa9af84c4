/**
 * A VM window: menus (Machine, Devices, Input, View), the guest display and a status bar (run
 * state, engine, screen mode, media, clipboard agent, capture state). Machine actions go out as
 * `VmCommand`s to the owner, which talks to the app API; the display comes in through a
 * DisplaySource and input goes to an InputSink. Paste-as-typing shows progress and can be
 * cancelled; copying reads the display's own text layer. The window's state lives in hooks
 * (use-*.ts) and its parts are views (VmMenus, VmStatusBar, SerialView, overlays, dialog).
 */
import Box from '@mui/material/Box';
import { useEffect, useRef, useState } from 'react';
import type { ReactNode } from 'react';
import type { MenuCommand } from '../../../shared/bridge.js';
import type { ClipboardMode, DriveConfig, DriveSlot, EngineKind, MachineState, MediaItem, NetworkConfig } from '../../platform/models.js';
import { useMenuCommands } from '../../components/use-menu-commands.js';
import { DisplayView } from '../display/DisplayView.js';
import type { DisplayViewHandle } from '../display/DisplayView.js';
import type { SurfaceMode } from '../display/display-surface.js';
import { keyComboEvents } from '../display/keyboard.js';
import { LogsView } from '../logs/LogsView.js';
import type { LogLoader } from '../logs/LogsView.js';
import type { DisplaySource, InputSink, ScalingMode } from '../display/types.js';
import type { SerialChannel } from '../serial/SerialConsole.js';
import { DisplayNotice, TypingProgress } from './DisplayOverlays.js';
import { DEFAULT_HOST_KEY, hostKeyName } from './host-key.js';
import { InsertPathDialog } from './InsertPathDialog.js';
import { SerialView } from './SerialView.js';
import type { TypingControl, VmCommand, VmView } from './types.js';
import { useFullScreen } from './use-full-screen.js';
import { useMenus } from './use-menus.js';
import type { NetworkActivity } from './use-network-status.js';
import { usePasteTyping } from './use-paste-typing.js';
import { usePathPrompt } from './use-path-prompt.js';
import { useFileDrop } from './use-file-drop.js';
import { useTransientNotice } from './use-transient-notice.js';
import { vmMenuOutcome } from './vm-menu-commands.js';
import { VmMenus } from './VmMenus.js';
import { VmStatusBar } from './VmStatusBar.js';

export type { TypingControl, VmCommand, VmView } from './types.js';

/** Props of a VM window. */
export interface VmWindowProps {
  readonly name: string;
  readonly engine: EngineKind;
  /** The accelerator the engine reports (`query-engine`): v86-jit, v86-interpreter, tcg, kvm. */
  readonly accelerator?: string;
  /** Why QEMU runs on TCG rather than KVM (query-engine's accelerator-reason); shown with "Try KVM again". */
  readonly acceleratorReason?: string;
  /** "Try KVM again" (qemu.recheck); resolves with the sentence to show. */
  readonly onRecheckKvm?: () => Promise<string>;
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
  /** The Logs tab: reads the engine and serial logs; `active` while the engine runs (the logs grow). */
  readonly logs?: { readonly load: LogLoader; readonly active: boolean; readonly serialLogKept: boolean };
  /** Bumped (from 1) to open the Logs tab at the last crash ("Show log" on a crash notice). */
  readonly showLogsAtCrash?: number;
  /** The stored network card (the Devices menu's Network part until the engine reports). */
  readonly networkConfig?: Pick<NetworkConfig, 'mode' | 'connected'>;
  /** The running engine's network with its activity (the status bar's indicator). */
  readonly network?: NetworkActivity;
  /** Files dropped on the window (the owner offers to send them to the guest); without it drops are ignored. */
  readonly onFilesDropped?: (files: File[]) => void;
}

/** The VM window component. */
export function VmWindow(props: VmWindowProps) {
  const { name, engine, state, source, sink, onCommand, media = [], drives = [], clipboardMode = 'off', serial } = props;
  const hostKeyLabel = props.hostKeyLabel ?? hostKeyName(props.hostKey ?? DEFAULT_HOST_KEY);
  const display = useRef<DisplayViewHandle>(null);
  const [scaling, setScaling] = useState<ScalingMode>(props.initialScaling);
  const [captured, setCaptured] = useState(false);
  const [mode, setMode] = useState<SurfaceMode>({ mode: 'off' });
  const [view, setView] = useState<VmView>('display');
  const [notice, say] = useTransientNotice();
  const menus = useMenus();
  const fullScreen = useFullScreen(() => say('The browser refused full screen.'));
  const pathPrompt = usePathPrompt();
  const fileDrop = useFileDrop((files) => props.onFilesDropped?.(files), props.onFilesDropped !== undefined);
  const readClipboard = props.readClipboard ?? (() => navigator.clipboard.readText());
  const writeClipboard = props.writeClipboard ?? ((text: string) => navigator.clipboard.writeText(text));
  // On the serial console, pasted text goes to the serial port, not the (hidden) screen's keyboard.
  const { typing, typeClipboard } = usePasteTyping(props.typeText, readClipboard, say, serial?.enabled === true && view === 'serial' ? serial.channel : undefined);

  const copyScreenText = async (): Promise<void> => {
    let text = display.current?.screenText() ?? '';
    if (!text.trim() && props.screenText) text = await props.screenText();
    await writeClipboard(text);
    say(text.trim() ? 'Screen text copied.' : 'The screen has no text to copy (graphics mode).');
  };
  const screenshot = (): void => {
    const canvas = display.current?.surface?.canvas;
    if (!canvas || mode.mode === 'off') return say('There is no screen to save yet.');
    const link = document.createElement('a');
    link.href = canvas.toDataURL('image/png');
    link.download = `${name} ${new Date().toISOString().replace(/[:.]/gu, '-')}.png`;
    link.click();
  };
  const insertFile = async (slot: DriveSlot): Promise<void> => {
    if (!props.chooseFile) return pathPrompt.ask(slot);
    const path = await props.chooseFile(slot === 'cd0' ? 'cdrom' : 'floppy').catch((error: unknown) => (say(error instanceof Error ? error.message : String(error)), null));
    if (path) onCommand({ kind: 'insert', slot, path });
  };
  const sendKeys = (keys: readonly string[]): void => display.current?.send(keyComboEvents(keys));
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
    // Opened from its tab, the Logs view starts at the end, not at an earlier crash.
    setCrashAsked(0);
  };
  const showLogsAtCrash = props.showLogsAtCrash ?? 0;
  const [crashAsked, setCrashAsked] = useState(0);
  useEffect(() => {
    if (showLogsAtCrash === 0) return;
    display.current?.release();
    setView('logs');
    setCrashAsked(showLogsAtCrash);
  }, [showLogsAtCrash]);

  // Application-menu commands (Electron) run what the window's own menus run, with today's state.
  useMenuCommands(props.menuCommands, (command) => {
    const outcome = vmMenuOutcome(command, state, typing !== undefined);
    if (outcome?.kind === 'command') onCommand(outcome.command);
    else if (outcome?.kind === 'screenshot') screenshot();
    else if (outcome?.kind === 'ctrl-alt-del') sendKeys(['ctrl', 'alt', 'delete']);
    else if (outcome?.kind === 'type-clipboard') void typeClipboard();
    else if (outcome?.kind === 'scaling') changeScaling(outcome.scaling);
  });

  const networkMenu = props.network?.status ?? props.networkConfig;
  const serialShown = serial !== undefined && view === 'serial';
  const logsShown = props.logs !== undefined && view === 'logs';
  const inputText = serialShown
    ? 'Serial console: what you type goes to the guest\'s COM1 · Ctrl+Shift+C copies'
    : logsShown
      ? 'Logs of this machine'
      : captured
      ? `Keyboard and mouse captured — press ${hostKeyLabel} to release`
      : 'Click the screen to capture keyboard and mouse';

  return (
    <Box sx={{ display: 'flex', flexDirection: 'column', height: '100%', bgcolor: 'background.default', color: 'text.primary' }} {...fileDrop.handlers}>
      <VmMenus
        name={name}
        engine={engine}
        state={state}
        menus={menus}
        mode={mode}
        media={media}
        drives={drives}
        scaling={scaling}
        fullScreen={fullScreen.fullScreen}
        typing={typing !== undefined}
        {...(props.hostKey ? { hostKey: props.hostKey } : {})}
        {...(networkMenu ? { network: networkMenu } : {})}
        {...(serial || props.logs ? { views: { current: view, show: showView, logs: props.logs !== undefined } } : {})}
        onCommand={onCommand}
        onScreenshot={screenshot}
        onTypeClipboard={() => void typeClipboard()}
        onCopyScreenText={() => void copyScreenText()}
        onCopySelection={() => void writeClipboard(display.current?.selectionText() ?? '')}
        onSendKeys={sendKeys}
        onInsertFile={(slot) => void insertFile(slot)}
        onToggleFullScreen={() => void fullScreen.toggle()}
        onScaling={changeScaling}
        {...(props.onHostKeyChange ? { onHostKeyChange: props.onHostKeyChange } : {})}
      />
      {props.banner}
      {serial && serialShown && <SerialView name={name} channel={serial.channel} enabled={serial.enabled} writeClipboard={writeClipboard} onOpenSettings={() => onCommand({ kind: 'settings', page: 'Serial' })} />}
      {props.logs && logsShown && <LogsView name={name} load={props.logs.load} active={props.logs.active} serialLogKept={props.logs.serialLogKept} crashRequest={crashAsked} />}
      <Box sx={{ flex: 1, minHeight: 0, position: 'relative', display: serialShown || logsShown ? 'none' : 'block' }}>
        <DisplayView ref={display} source={source} sink={sink} scaling={scaling} onCaptureChange={captureChanged} onModeChange={setMode} label={`Screen of ${name}`} {...(props.hostKey ? { hostKey: props.hostKey } : {})} />
        {typing && <TypingProgress typing={typing} />}
        {notice && <DisplayNotice text={notice} />}
        {fileDrop.dragging && <DisplayNotice text="Drop the files to send them to the guest on a disc" />}
      </Box>
      <VmStatusBar
        state={state}
        engine={engine}
        {...(props.accelerator !== undefined ? { accelerator: props.accelerator } : {})}
        mode={mode}
        drives={drives}
        clipboardMode={clipboardMode}
        {...(props.agentConnected !== undefined ? { agentConnected: props.agentConnected } : {})}
        {...(props.acceleratorReason !== undefined ? { acceleratorReason: props.acceleratorReason } : {})}
        {...(props.onRecheckKvm ? { onRecheckKvm: props.onRecheckKvm } : {})}
        clipboardActions={{
          typeClipboard: () => void typeClipboard(),
          copyScreenText: () => void copyScreenText(),
          ...(serial ? { showSerial: () => showView('serial') } : {}),
          serialEnabled: serial?.enabled === true,
          openSettings: (page) => onCommand({ kind: 'settings', page }),
        }}
        inputText={inputText}
        captured={captured}
        hidden={fullScreen.fullScreen}
        {...(props.network ? { network: props.network } : {})}
      />
      <InsertPathDialog prompt={pathPrompt} onInsert={(slot, path) => onCommand({ kind: 'insert', slot, path })} />
    </Box>
  );
}
