/** The VM window's serial console view: the machine's COM1, or how to turn the console on. */
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Typography from '@mui/material/Typography';
import { SerialConsole } from '../serial/SerialConsole.js';
import type { SerialChannel } from '../serial/SerialConsole.js';

/** Props of the serial view. */
export interface SerialViewProps {
  readonly name: string;
  readonly channel: SerialChannel;
  /** Whether the machine's settings turn the console on. */
  readonly enabled: boolean;
  readonly writeClipboard: (text: string) => Promise<void>;
  readonly onOpenSettings: () => void;
}

/** The serial view. */
export function SerialView({ name, channel, enabled, writeClipboard, onOpenSettings }: SerialViewProps) {
  return (
    <Box sx={{ flex: 1, minHeight: 0, display: 'flex', flexDirection: 'column' }} data-testid="serial-view">
      {enabled ? (
        <SerialConsole channel={channel} writeClipboard={writeClipboard} autoFocus />
      ) : (
        <Box sx={{ p: 3, maxWidth: 640 }} data-testid="serial-disabled">
          <Typography variant="h6" gutterBottom>
            The serial console is off for {name}
          </Typography>
          <Typography sx={{ color: 'text.secondary', mb: 2 }}>
            Turn it on in the machine&apos;s settings: Serial → Serial port → “Console tab”. The guest&apos;s COM1 then shows here, and what you type here goes to it. Guests must send their console to the serial port (Linux: console=ttyS0; GRUB: serial, then terminal_output serial).
          </Typography>
          <Button variant="outlined" onClick={onOpenSettings}>
            Open settings…
          </Button>
        </Box>
      )}
    </Box>
  );
}
