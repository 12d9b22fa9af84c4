/**
 * Settings → Clipboard: the shared-clipboard modes the machine's engine can carry out (QEMU's
 * agent channel; v86 has none, so only Off), what the guest needs, and the paths that work
 * without an agent.
 */
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import MenuItem from '@mui/material/MenuItem';
import TextField from '@mui/material/TextField';
import Typography from '@mui/material/Typography';
import { engineClipboardModes } from '../../../shared/protocol/engine/clipboard.js';
import type { ClipboardMode, EngineKind } from '../../platform/models.js';

const modeLabels: Readonly<Record<ClipboardMode, string>> = { off: 'Off', 'host-to-guest': 'Host to guest', 'guest-to-host': 'Guest to host', bidirectional: 'Both directions' };

/** Props of the Clipboard page. */
export interface ClipboardTabProps {
  readonly engine: EngineKind;
  readonly value: ClipboardMode;
  readonly onChange: (mode: ClipboardMode) => void;
}

/** The Clipboard page of the settings editor. */
export function ClipboardTab({ engine, value, onChange }: ClipboardTabProps) {
  const modes = engineClipboardModes[engine];
  const unsupported = !modes.includes(value);
  return (
    <Box sx={{ display: 'flex', flexDirection: 'column', gap: 1.5, maxWidth: 560 }} data-testid="clipboard-tab">
      <TextField
        select
        size="small"
        label="Shared clipboard"
        value={unsupported ? 'off' : value}
        onChange={(e) => onChange(e.target.value as ClipboardMode)}
        disabled={modes.length === 1}
        slotProps={{ htmlInput: { 'data-field': 'clipboard' } }}
      >
        {modes.map((mode) => (
          <MenuItem key={mode} value={mode}>
            {modeLabels[mode]}
          </MenuItem>
        ))}
      </TextField>
      {unsupported && (
        <Alert
          severity="warning"
          action={
            <Button color="inherit" size="small" onClick={() => onChange('off')}>
              Turn off
            </Button>
          }
        >
          This machine is set to share its clipboard ({modeLabels[value]}), but v86 has no clipboard agent, so nothing is shared.
        </Alert>
      )}
      <Typography variant="body2" sx={{ color: 'text.secondary' }}>
        {engine === 'qemu'
          ? 'QEMU shares the clipboard through an agent in the guest: spice-vdagent (Linux: the spice-vdagent package; Windows: the SPICE guest tools). The status bar says "Clipboard agent connected" once the guest\'s agent has answered. Turning it on or off takes effect at the next start; the direction applies at once.'
          : 'v86 has no clipboard agent (it has no channel to carry one), so its only mode is Off. Switch the engine to QEMU (System page) for a shared clipboard.'}
      </Typography>
      <Typography variant="subtitle2">Without an agent (any engine, from the VM window)</Typography>
      <Typography variant="body2" component="ul" sx={{ m: 0, pl: 2.5, color: 'text.secondary' }}>
        <li>Input → Type clipboard text: types the host&apos;s clipboard into the guest as key presses.</li>
        <li>Input → Copy screen text: copies the text on a text-mode screen to the host clipboard.</li>
        <li>Serial console (Serial page): text in and out through the guest&apos;s COM1.</li>
      </Typography>
    </Box>
  );
}
