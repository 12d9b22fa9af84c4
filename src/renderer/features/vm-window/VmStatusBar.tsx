/**
 * The VM window's status bar: run state, engine and accelerator (with the reason for TCG and "Try
 * KVM again"), screen mode, media, network, clipboard (the agent only once it answered, and the
 * agentless paths) and capture state.
 */
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
import { AcceleratorStatus } from './AcceleratorStatus.js';
import { ClipboardStatus } from './ClipboardStatus.js';
import type { ClipboardActions } from './ClipboardStatus.js';
import { fileName } from './VmMenus.js';

/** What the screen shows, in a few words. */
function modeText(mode: SurfaceMode): string {
  return mode.mode === 'text' ? `Text ${mode.cols}×${mode.rows}` : mode.mode === 'graphics' ? `${mode.width}×${mode.height}` : 'No display';
}

/** Props of the status bar. */
export interface VmStatusBarProps {
  readonly state: MachineState;
  readonly engine: EngineKind;
  readonly accelerator?: string;
  /** Why QEMU runs on TCG rather than KVM (the engine's accelerator-reason). */
  readonly acceleratorReason?: string;
  /** "Try KVM again" (qemu.recheck); resolves with the sentence to show. */
  readonly onRecheckKvm?: () => Promise<string>;
  readonly mode: SurfaceMode;
  readonly drives: readonly DriveConfig[];
  readonly clipboardMode: ClipboardMode;
  /** True once the guest's clipboard agent answered, false while none has (undefined: not known yet). */
  readonly agentConnected?: boolean;
  /** The clipboard panel's agentless paths (type text, copy screen text, serial). */
  readonly clipboardActions?: ClipboardActions;
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
        <Typography variant="caption" noWrap sx={{ maxWidth: 200 }}>
          {drive?.path ? fileName(drive.path) : 'Empty'}
        </Typography>
      </Box>
    </Tooltip>
  );
}

/** The status bar (hidden in full screen). */
export function VmStatusBar(props: VmStatusBarProps) {
  const { state, drives, clipboardMode } = props;
  return (
    <Box role="status" aria-label="Status" sx={{ display: props.hidden ? 'none' : 'flex', flexWrap: 'wrap', alignItems: 'center', columnGap: 1.25, rowGap: 0.25, px: 1, py: 0.25, minHeight: 30, minWidth: 0, borderTop: 1, borderColor: 'divider', bgcolor: 'background.paper' }}>
      <Chip size="small" label={stateLabels[state]} color={stateColour(state)} data-testid="run-state" />
      <AcceleratorStatus
        engine={props.engine}
        {...(props.accelerator !== undefined ? { accelerator: props.accelerator } : {})}
        {...(props.acceleratorReason !== undefined ? { reason: props.acceleratorReason } : {})}
        {...(props.onRecheckKvm ? { onRecheck: props.onRecheckKvm } : {})}
      />
      <Typography variant="caption" sx={{ color: 'text.secondary' }} data-testid="screen-mode">
        {modeText(props.mode)}
      </Typography>
      <DriveStatus drive={drives.find((d) => d.id === 'cd0')} empty="CD drive empty" testId="cd-status" icon="cd" />
      <DriveStatus drive={drives.find((d) => d.id === 'fd0')} empty="Floppy drive empty" testId="floppy-status" icon="floppy" />
      {props.network && <NetworkIndicator network={props.network} />}
      <ClipboardStatus
        engine={props.engine}
        mode={clipboardMode}
        running={state === 'running'}
        {...(props.agentConnected !== undefined ? { agentConnected: props.agentConnected } : {})}
        {...(props.clipboardActions ? { actions: props.clipboardActions } : {})}
      />
      <Box sx={{ flex: 1 }} />
      <Typography variant="caption" data-testid="capture-state" sx={{ color: props.captured ? 'primary.main' : 'text.secondary' }}>
        {props.inputText}
      </Typography>
    </Box>
  );
}
