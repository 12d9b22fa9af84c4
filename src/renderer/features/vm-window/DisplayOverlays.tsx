/** What floats over the VM display: paste-as-typing progress with Cancel, and short notices. */
import Button from '@mui/material/Button';
import LinearProgress from '@mui/material/LinearProgress';
import Paper from '@mui/material/Paper';
import Typography from '@mui/material/Typography';
import type { TypingProgressState } from './use-paste-typing.js';

/** Progress of paste-as-typing. */
export function TypingProgress({ typing }: { typing: TypingProgressState }) {
  return (
    <Paper elevation={6} data-testid="typing-progress" role="status" aria-label="Typing" sx={{ position: 'absolute', left: 16, bottom: 16, p: 1.5, width: 320, display: 'flex', flexDirection: 'column', gap: 1 }}>
      <Typography variant="body2">
        Typing clipboard text… {typing.typed} of {typing.total} characters
      </Typography>
      <LinearProgress variant="determinate" value={typing.total ? (typing.typed / typing.total) * 100 : 0} />
      <Button size="small" onClick={() => typing.controller.abort()} sx={{ alignSelf: 'flex-end' }}>
        Cancel
      </Button>
    </Paper>
  );
}

/** A short notice in the display's corner. */
export function DisplayNotice({ text }: { text: string }) {
  return (
    <Paper elevation={6} role="status" sx={{ position: 'absolute', right: 16, bottom: 16, px: 1.5, py: 1 }}>
      <Typography variant="body2">{text}</Typography>
    </Paper>
  );
}
