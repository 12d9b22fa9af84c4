/** Confirms deleting a machine, listing what goes (settings, snapshots, disk images unless kept). */
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Checkbox from '@mui/material/Checkbox';
import Dialog from '@mui/material/Dialog';
import DialogActions from '@mui/material/DialogActions';
import DialogContent from '@mui/material/DialogContent';
import DialogContentText from '@mui/material/DialogContentText';
import DialogTitle from '@mui/material/DialogTitle';
import FormControlLabel from '@mui/material/FormControlLabel';
import type { MachineSummary } from '../../platform/models.js';

/** Props of the deletion dialog. */
export interface DeleteMachineDialogProps {
  /** The machine to delete; the dialog is closed when undefined. */
  readonly machine: MachineSummary | undefined;
  /** How many snapshots it has, when known. */
  readonly snapshotCount: number | undefined;
  readonly keepFiles: boolean;
  readonly onKeepFilesChange: (keep: boolean) => void;
  readonly onConfirm: () => void;
  readonly onCancel: () => void;
}

/** The deletion dialog. */
export function DeleteMachineDialog({ machine, snapshotCount, keepFiles, onKeepFilesChange, onConfirm, onCancel }: DeleteMachineDialogProps) {
  return (
    <Dialog open={machine !== undefined} onClose={onCancel} aria-labelledby="delete-title">
      <DialogTitle id="delete-title">Delete {machine?.config.name}?</DialogTitle>
      {machine && (
        <DialogContent>
          <DialogContentText component="div">
            This removes:
            <Box component="ul" sx={{ mt: 0.5, mb: 1, pl: 3 }} data-testid="delete-list">
              <li>the machine and its settings</li>
              {snapshotCount ? <li>{snapshotCount} snapshot(s) and their saved states</li> : <li>its snapshots, if any</li>}
              {machine.config.drives
                .filter((drive) => drive.kind === 'disk')
                .map((drive) => (
                  <li key={drive.id} style={{ textDecoration: keepFiles ? 'line-through' : undefined }}>
                    disk image {drive.path}
                    {drive.sizeMiB ? ` (${drive.sizeMiB} MiB)` : ''}
                  </li>
                ))}
            </Box>
            Install media in its drives stay in the media library.
          </DialogContentText>
          <FormControlLabel control={<Checkbox checked={keepFiles} onChange={(event) => onKeepFilesChange(event.target.checked)} />} label="Keep the disk image files" />
        </DialogContent>
      )}
      <DialogActions>
        <Button onClick={onCancel} autoFocus>
          Cancel
        </Button>
        <Button color="error" variant="contained" onClick={onConfirm}>
          Delete
        </Button>
      </DialogActions>
    </Dialog>
  );
}
