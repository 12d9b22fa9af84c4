/** Asks for an image file's path for a drive (when there is no native file chooser). */
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Dialog from '@mui/material/Dialog';
import DialogActions from '@mui/material/DialogActions';
import DialogContent from '@mui/material/DialogContent';
import DialogTitle from '@mui/material/DialogTitle';
import TextField from '@mui/material/TextField';
import type { DriveSlot } from '../../platform/models.js';
import type { PathPromptState } from './use-path-prompt.js';

/** The prompt; `onInsert` gets the drive and the trimmed path. */
export function InsertPathDialog({ prompt, onInsert }: { prompt: PathPromptState; onInsert: (slot: DriveSlot, path: string) => void }) {
  const { slot, value } = prompt;
  return (
    <Dialog open={slot !== undefined} onClose={prompt.close} aria-labelledby="insert-path-title">
      <Box
        component="form"
        onSubmit={(event) => {
          event.preventDefault();
          if (slot && value.trim()) onInsert(slot, value.trim());
          prompt.close();
        }}
      >
        <DialogTitle id="insert-path-title">Insert {slot === 'fd0' ? 'a floppy' : 'a CD/DVD'} image</DialogTitle>
        <DialogContent>
          <TextField autoFocus fullWidth size="small" label="Image file path" value={value} onChange={(event) => prompt.setValue(event.target.value)} sx={{ mt: 1, minWidth: 420 }} />
        </DialogContent>
        <DialogActions>
          <Button onClick={prompt.close}>Cancel</Button>
          <Button type="submit" variant="contained" disabled={!value.trim()}>
            Insert
          </Button>
        </DialogActions>
      </Box>
    </Dialog>
  );
}
