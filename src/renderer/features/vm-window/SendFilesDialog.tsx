/**
 * Devices → "Send files…" (and files dropped on the VM window): host paths typed or pasted, or
 * dropped files (uploaded), go on a CD image (or a floppy) into the machine's drive, with
 * progress; the answer says what medium it replaced and offers to put it back. Also the prompt
 * the window shows on eject while sent files are in the drive.
 */
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Dialog from '@mui/material/Dialog';
import DialogActions from '@mui/material/DialogActions';
import DialogContent from '@mui/material/DialogContent';
import DialogContentText from '@mui/material/DialogContentText';
import DialogTitle from '@mui/material/DialogTitle';
import FormControlLabel from '@mui/material/FormControlLabel';
import LinearProgress from '@mui/material/LinearProgress';
import Radio from '@mui/material/Radio';
import RadioGroup from '@mui/material/RadioGroup';
import TextField from '@mui/material/TextField';
import Typography from '@mui/material/Typography';
import { useEffect, useRef, useState } from 'react';
import { parsePathList } from './send-files-calls.js';
import type { DroppedFile, SendFilesApi, SendOutcome, SendPhase, SendTarget } from './send-files-calls.js';

/** Props of the dialog. */
export interface SendFilesDialogProps {
  readonly open: boolean;
  readonly machineName: string;
  readonly api: SendFilesApi;
  /** Files dropped on the window (they are uploaded); empty when opened from the menu. */
  readonly droppedFiles?: readonly DroppedFile[];
  readonly onClose: () => void;
}

const driveName = (slot: 'cd0' | 'fd0'): string => (slot === 'cd0' ? 'CD drive' : 'floppy drive');
const fileName = (path: string): string => path.split(/[/\\]/u).pop() ?? path;
const size = (bytes: number): string => (bytes >= 1024 * 1024 ? `${(bytes / (1024 * 1024)).toFixed(1)} MiB` : bytes >= 1024 ? `${(bytes / 1024).toFixed(1)} KiB` : `${bytes} bytes`);

/** The dialog. */
export function SendFilesDialog({ open, machineName, api, droppedFiles = [], onClose }: SendFilesDialogProps) {
  const [paths, setPaths] = useState('');
  const [target, setTarget] = useState<SendTarget>('auto');
  const [progress, setProgress] = useState<{ phase: SendPhase; fraction: number } | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  const [outcome, setOutcome] = useState<SendOutcome | undefined>(undefined);
  const [restored, setRestored] = useState<string | undefined>(undefined);
  const abort = useRef<AbortController | undefined>(undefined);

  useEffect(() => {
    if (!open) return;
    setPaths('');
    setError(undefined);
    setOutcome(undefined);
    setRestored(undefined);
    setProgress(undefined);
  }, [open]);

  const busy = progress !== undefined;
  const typed = parsePathList(paths);
  const canSend = !busy && (typed.length > 0 || droppedFiles.length > 0);

  const send = async (): Promise<void> => {
    setError(undefined);
    setOutcome(undefined);
    abort.current = new AbortController();
    setProgress({ phase: droppedFiles.length > 0 ? 'upload' : 'build', fraction: 0 });
    const result = await api.send({ paths: typed, files: droppedFiles, target, onProgress: (phase, fraction) => setProgress({ phase, fraction }), signal: abort.current.signal });
    setProgress(undefined);
    if (result.ok) setOutcome(result.value);
    else setError(result.error.desc);
  };
  const putBack = async (): Promise<void> => {
    const result = await api.restore();
    if (!result.ok) return setError(result.error.desc);
    setRestored(result.value.restored ?? '');
    setOutcome(undefined);
  };
  const close = (): void => {
    abort.current?.abort();
    onClose();
  };

  return (
    <Dialog open={open} onClose={busy ? undefined : close} aria-labelledby="send-files-title" maxWidth="sm" fullWidth>
      <DialogTitle id="send-files-title">Send files to {machineName}</DialogTitle>
      <DialogContent>
        <DialogContentText sx={{ mb: 1 }}>
          The files go on a disc image in the machine&apos;s drive: the guest opens the disc like any CD (Linux: <code>mount /dev/sr0 /mnt</code>). No guest software is needed.
        </DialogContentText>
        {droppedFiles.length > 0 && (
          <Box sx={{ mb: 1 }} aria-label="Dropped files">
            {droppedFiles.map((file) => (
              <Typography key={file.name} variant="body2">
                {file.name} ({size(file.size)})
              </Typography>
            ))}
          </Box>
        )}
        <TextField
          fullWidth
          multiline
          minRows={2}
          size="small"
          label={droppedFiles.length > 0 ? 'More files on this computer (paths, one per line)' : 'Files or folders on this computer (paths, one per line)'}
          value={paths}
          onChange={(event) => setPaths(event.target.value)}
          disabled={busy}
          sx={{ mt: 1 }}
        />
        <RadioGroup row value={target} onChange={(event) => setTarget(event.target.value as SendTarget)} aria-label="Drive" sx={{ mt: 1 }}>
          <FormControlLabel value="auto" control={<Radio size="small" />} label="CD (recommended)" disabled={busy} />
          <FormControlLabel value="fd0" control={<Radio size="small" />} label="Floppy (1.44 MiB at most)" disabled={busy} />
        </RadioGroup>
        {progress && (
          <Box sx={{ mt: 1 }}>
            <Typography variant="body2">{progress.phase === 'upload' ? 'Uploading the dropped files…' : 'Building the disc image…'}</Typography>
            <LinearProgress variant="determinate" value={Math.round(progress.fraction * 100)} aria-label="Progress" />
          </Box>
        )}
        {error && (
          <Alert severity="error" sx={{ mt: 1 }}>
            {error}
          </Alert>
        )}
        {outcome && (
          <Alert
            severity="success"
            sx={{ mt: 1 }}
            action={
              <Button color="inherit" size="small" onClick={() => void putBack()}>
                {outcome.replaced ? 'Put it back' : 'Empty the drive'}
              </Button>
            }
          >
            Sent {outcome.files} file{outcome.files === 1 ? '' : 's'} ({size(outcome.bytes)}) to the {driveName(outcome.slot)}.{' '}
            {outcome.replaced ? `It replaced ${fileName(outcome.replaced)}, which you can put back now or when you eject the disc.` : 'The drive was empty.'}
          </Alert>
        )}
        {restored !== undefined && (
          <Alert severity="info" sx={{ mt: 1 }}>
            {restored ? `${fileName(restored)} is back in the drive.` : 'The drive is empty again.'}
          </Alert>
        )}
      </DialogContent>
      <DialogActions>
        <Button onClick={close}>{outcome || restored !== undefined ? 'Close' : 'Cancel'}</Button>
        {!outcome && (
          <Button variant="contained" onClick={() => void send()} disabled={!canSend}>
            Send
          </Button>
        )}
      </DialogActions>
    </Dialog>
  );
}

/** Props of the prompt shown on eject while sent files are in the drive. */
export interface RestoreMediumPromptProps {
  /** The medium that would come back (undefined: the drive would just be empty); null: closed. */
  readonly previous: string | undefined | null;
  readonly onRestore: () => void;
  readonly onClose: () => void;
}

/** "Put back the previous disc?" after the sent files are ejected. */
export function RestoreMediumPrompt({ previous, onRestore, onClose }: RestoreMediumPromptProps) {
  return (
    <Dialog open={previous !== null} onClose={onClose} aria-labelledby="restore-medium-title">
      <DialogTitle id="restore-medium-title">Put the previous disc back?</DialogTitle>
      <DialogContent>
        <DialogContentText>
          {previous ? `Before the files were sent, ${fileName(previous)} was in the drive.` : 'The drive was empty before the files were sent.'} The disc image with the sent files will be deleted.
        </DialogContentText>
      </DialogContent>
      <DialogActions>
        <Button onClick={onClose}>Keep it out</Button>
        <Button variant="contained" onClick={onRestore}>
          {previous ? 'Put it back' : 'Delete the image'}
        </Button>
      </DialogActions>
    </Dialog>
  );
}
