/** The VM window's status bar: run state, engine and accelerator, screen mode, media, network, clipboard agent and capture state. */
import Box from '@mui/material/Box';
import Chip from '@mui/material/Chip';
import Tooltip from '@mui/material/Tooltip';
import Typography from '@mui/material/Typography';
import type { ClipboardMode, DriveConfig, EngineKind, MachineState } from '../../platform/models.js';
import { stateColour, stateLabels } from '../../components/machine-state.js';
import { DiscIcon, FloppyIcon } from '../../components/icons.js';
import type { SurfaceMode } from '../display/display-surface.js';
import { NetworkIndicator } from './NetworkIndicator.js';
import type { NetworkActivity } from './use-network-status.js';
import { fileName } from './VmMenus.js';

const acceleratorLabels: Record<string, string> = { 'v86-jit': 'v86 · JIT', 'v86-interpreter': 'v86 · interpreter', tcg: 'QEMU · TCG', kvm: 'QEMU · KVM' };

/** The status bar's engine and accelerator (what the engine reports, once it has). */
function engineLabel(engine: EngineKind, accelerator: string | undefined): string {
  return (accelerator && acceleratorLabels[accelerator]) ?? (engine === 'v86' ? 'v86' : 'QEMU');
}

/** What the screen shows, in a few words. */
function modeText(mode: SurfaceMode): string {
  return mode.mode === 'text' ? `Text ${mode.cols}×${mode.rows}` : mode.mode === 'graphics' ? `${mode.width}×${mode.height}` : 'No display';
}

/** Props of the status bar. */
export interface VmStatusBarProps {
  readonly state: MachineState;
  readonly engine: EngineKind;
  readonly accelerator?: string;
  readonly mode: SurfaceMode;
  readonly drives: readonly DriveConfig[];
  readonly clipboardMode: ClipboardMode;
  readonly agentConnected?: boolean;
  /** What the right end says about the keyboard (capture, or the serial console's input). */
  readonly inputText: string;
  readonly captured: boolean;
  readonly hidden: boolean;
  /** The running engine's network and its recent activity (absent until known). */
  readonly network?: NetworkActivity;
}

/** A drive's medium, with the full path as its tooltip. */
function DriveStatus({ drive, empty, testId, icon }: { drive: DriveConfig | undefined; empty: string; testId: string; icon: 'cd' | 'floppy' }) {
  const Icon = icon === 'cd' ? DiscIcon : FloppyIcon;
  return (
    <Tooltip title={drive?.path ?? empty}>
      <Box sx={{ display: 'flex', alignItems: 'center', gap: 0.5, color: drive?.path ? 'text.primary' : 'text.disabled' }} data-testid={testId}>
        <Icon sx={{ fontSize: 16 }} />
        <Typography variant="caption">{drive?.path ? fileName(drive.path) : 'Empty'}</Typography>
      </Box>
    </Tooltip>
  );
}

/** The status bar (hidden in full screen). */
export function VmStatusBar(props: VmStatusBarProps) {
  const { state, drives, clipboardMode } = props;
  return (
    <Box role="status" aria-label="Status" sx={{ display: props.hidden ? 'none' : 'flex', alignItems: 'center', gap: 1.25, px: 1, py: 0.25, minHeight: 30, borderTop: 1, borderColor: 'divider', bgcolor: 'background.paper' }}>
      <Chip size="small" label={stateLabels[state]} color={stateColour(state)} data-testid="run-state" />
      <Typography variant="caption">{engineLabel(props.engine, props.accelerator)}</Typography>
      <Typography variant="caption" sx={{ color: 'text.secondary' }} data-testid="screen-mode">
        {modeText(props.mode)}
      </Typography>
      <DriveStatus drive={drives.find((d) => d.id === 'cd0')} empty="CD drive empty" testId="cd-status" icon="cd" />
      <DriveStatus drive={drives.find((d) => d.id === 'fd0')} empty="Floppy drive empty" testId="floppy-status" icon="floppy" />
      {props.network && <NetworkIndicator network={props.network} />}
      {clipboardMode !== 'off' && (
        <Typography variant="caption" sx={{ color: props.agentConnected ? 'success.main' : 'text.secondary' }} data-testid="agent-state">
          {props.agentConnected ? 'Clipboard agent connected' : 'No clipboard agent'}
        </Typography>
      )}
      <Box sx={{ flex: 1 }} />
      <Typography variant="caption" data-testid="capture-state" sx={{ color: props.captured ? 'primary.main' : 'text.secondary' }}>
        {props.inputText}
      </Typography>
    </Box>
  );
}
