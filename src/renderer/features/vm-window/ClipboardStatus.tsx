/**
 * The status bar's clipboard: whether the guest's clipboard agent has answered (only then does
 * it say "connected"), and the paths that need no agent — typing host text as keys, copying the
 * screen's text, the serial console — each with what it does. v86 has no agent at all.
 */
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Popover from '@mui/material/Popover';
import Typography from '@mui/material/Typography';
import { useState } from 'react';
import type { ClipboardMode, EngineKind } from '../../platform/models.js';

/** What the clipboard panel can do without an agent (the window's own actions). */
export interface ClipboardActions {
  readonly typeClipboard: () => void;
  readonly copyScreenText: () => void;
  /** Shows the serial console; absent when the window has none. */
  readonly showSerial?: () => void;
  /** The serial port is a console (otherwise the panel offers its settings). */
  readonly serialEnabled: boolean;
  /** Opens the machine's settings at a page. */
  readonly openSettings?: (page: 'Clipboard' | 'Serial') => void;
}

/** Props of the clipboard status. */
export interface ClipboardStatusProps {
  readonly engine: EngineKind;
  readonly mode: ClipboardMode;
  /** True once the guest's agent answered; false while none has; undefined before the first answer. */
  readonly agentConnected?: boolean;
  readonly running: boolean;
  readonly actions?: ClipboardActions;
}

const directions: Readonly<Record<ClipboardMode, string>> = {
  off: 'off',
  'host-to-guest': 'from the host to the guest',
  'guest-to-host': 'from the guest to the host',
  bidirectional: 'both ways',
};

/** The label and its colour in the status bar. */
function summary(engine: EngineKind, mode: ClipboardMode, connected: boolean | undefined): { text: string; colour: string } {
  if (engine === 'v86') return { text: 'Clipboard: no agent (v86)', colour: 'text.secondary' };
  if (mode === 'off') return { text: 'Clipboard: not shared', colour: 'text.secondary' };
  if (connected === true) return { text: 'Clipboard agent connected', colour: 'success.main' };
  return { text: connected === false ? 'Clipboard: no agent answered' : 'Clipboard: waiting for the agent', colour: 'text.secondary' };
}

/** The state sentence at the top of the panel. */
function stateSentence(engine: EngineKind, mode: ClipboardMode, connected: boolean | undefined): string {
  if (engine === 'v86') return 'v86 has no clipboard agent, so host and guest do not share a clipboard (QEMU machines can). These work without one:';
  if (mode === 'off') return 'The shared clipboard is off for this machine. Turn it on in Settings → Clipboard (the guest then needs spice-vdagent). These work without an agent:';
  if (connected === true) return `The guest's clipboard agent answered: copied text is shared ${directions[mode]}. These work too:`;
  return 'No clipboard agent in the guest has answered yet. Install and run spice-vdagent in the guest (Linux: the spice-vdagent package; Windows: the SPICE guest tools). Until then these work without it:';
}

/** One agentless path: a button and what it does. */
function Path({ label, text, onClick, disabled }: { label: string; text: string; onClick: () => void; disabled?: boolean }) {
  return (
    <Box sx={{ display: 'grid', gridTemplateColumns: '150px 1fr', gap: 1, alignItems: 'center' }}>
      <Button size="small" variant="outlined" onClick={onClick} disabled={disabled === true} sx={{ textTransform: 'none' }}>
        {label}
      </Button>
      <Typography variant="body2" sx={{ color: 'text.secondary' }}>
        {text}
      </Typography>
    </Box>
  );
}

/** The clipboard item of the status bar and its panel. */
export function ClipboardStatus({ engine, mode, agentConnected, running, actions }: ClipboardStatusProps) {
  const [anchor, setAnchor] = useState<HTMLElement | null>(null);
  const { text, colour } = summary(engine, mode, agentConnected);
  const run = (action: () => void) => (): void => {
    setAnchor(null);
    action();
  };
  return (
    <>
      <Button
        size="small"
        onClick={(event) => setAnchor(event.currentTarget)}
        data-testid="agent-state"
        sx={{ py: 0, minHeight: 0, textTransform: 'none', fontSize: 12, fontWeight: 400, color: colour, flex: 'none' }}
      >
        {text}
      </Button>
      <Popover open={anchor !== null} anchorEl={anchor} onClose={() => setAnchor(null)} anchorOrigin={{ vertical: 'top', horizontal: 'left' }} transformOrigin={{ vertical: 'bottom', horizontal: 'left' }}>
        <Box sx={{ p: 2, maxWidth: 520, display: 'flex', flexDirection: 'column', gap: 1.25 }} data-testid="clipboard-panel">
          <Typography variant="subtitle2">Clipboard</Typography>
          <Typography variant="body2">{stateSentence(engine, mode, agentConnected)}</Typography>
          {actions && (
            <>
              <Path label="Type clipboard text" text="Types the host's clipboard text into the guest as key presses. Any guest, no agent." onClick={run(actions.typeClipboard)} disabled={!running} />
              <Path label="Copy screen text" text="Copies the text on the guest's screen to the host clipboard (text-mode screens)." onClick={run(actions.copyScreenText)} disabled={!running} />
              {actions.serialEnabled && actions.showSerial ? (
                <Path label="Serial console" text="Text in and out through the guest's COM1: paste into it, copy from it." onClick={run(actions.showSerial)} />
              ) : (
                actions.openSettings && (
                  <Path label="Set up serial…" text="A serial console passes text both ways with a guest that has a shell on COM1. Turn it on in Settings → Serial." onClick={run(() => actions.openSettings?.('Serial'))} />
                )
              )}
              {engine === 'qemu' && mode === 'off' && actions.openSettings && (
                <Path label="Clipboard settings…" text="Share the clipboard through spice-vdagent in the guest." onClick={run(() => actions.openSettings?.('Clipboard'))} />
              )}
            </>
          )}
        </Box>
      </Popover>
    </>
  );
}
