/**
 * The hard disk on Settings → Storage: what the machine has (drive, file, format, size) with
 * Grow…, Convert to qcow2 and Remove…, or, without one, a new disk (size; qcow2 on QEMU, a raw
 * file on v86; progress) and an existing image to attach. Each action is applied at once through
 * the API (they are file operations, not settings to save) and only to a powered-off machine.
 * Long paths wrap inside the page instead of widening the dialog.
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
import { useCallback, useEffect, useState } from 'react';
import type { EngineKind } from '../../platform/models.js';
import type { DiskStorageApi, HardDisk } from './storage-model.js';
import { formatDiskSize, growSizeProblem, newDiskFormat, newSizeProblem, parseDiskSize } from './storage-model.js';

/** Props of the hard-disk section. */
export interface HardDisksProps {
  readonly storage: DiskStorageApi;
  /** The engine the machine is saved with (a new disk's format follows it). */
  readonly engine: EngineKind;
  readonly running: boolean;
}

const fileName = (path: string): string => path.split(/[/\\]/u).pop() ?? path;

/** The hard-disk section of the Storage page. */
export function HardDisks({ storage, engine, running }: HardDisksProps) {
  const [disks, setDisks] = useState<HardDisk[] | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  const [notice, setNotice] = useState<string | undefined>(undefined);
  const [busy, setBusy] = useState<{ label: string; fraction?: number } | undefined>(undefined);
  const [size, setSize] = useState('8');
  const [attachPath, setAttachPath] = useState('');
  const [growing, setGrowing] = useState<{ disk: HardDisk; size: string } | undefined>(undefined);
  const [removing, setRemoving] = useState<{ disk: HardDisk; deleteFile: boolean } | undefined>(undefined);

  const load = useCallback(async () => {
    const result = await storage.load();
    if (result.ok) setDisks(result.value);
    else setError(result.error.desc);
  }, [storage]);
  useEffect(() => {
    void load();
    return storage.onProgress((progress) => setBusy((old) => (old && !progress.done ? { ...old, fraction: progress.fraction } : old)));
  }, [load, storage]);

  const run = async (label: string, work: () => Promise<{ ok: boolean; error?: { desc: string } }>, done?: string): Promise<void> => {
    setError(undefined);
    setNotice(undefined);
    setBusy({ label });
    try {
      const result = await work();
      if (!result.ok) setError(result.error?.desc ?? `${label} failed.`);
      else if (done) setNotice(done);
    } finally {
      setBusy(undefined);
      await load();
    }
  };

  const locked = running || busy !== undefined;
  const { format, note } = newDiskFormat(engine);
  const sizeProblem = size.trim() === '' ? undefined : newSizeProblem(size);
  const growProblem = growing ? growSizeProblem(growing.size, growing.disk) : undefined;

  return (
    <Box data-testid="hard-disks" sx={{ display: 'flex', flexDirection: 'column', gap: 1, minWidth: 0 }}>
      <Typography sx={{ fontWeight: 500 }}>Hard disk</Typography>
      {running && (
        <Alert severity="info" data-testid="disks-running">
          Power the machine off to add, attach, grow, convert or remove its hard disk: the engine opens its disk when it starts.
        </Alert>
      )}
      {disks === undefined && !error && <LinearProgress aria-label="Loading the disks" />}
      {disks?.map((disk) => (
        <Box key={disk.id} role="listitem" aria-label={`Hard disk ${disk.drive}`} data-testid="hard-disk" sx={{ display: 'flex', flexWrap: 'wrap', gap: 1, alignItems: 'center', minWidth: 0, border: 1, borderColor: 'divider', borderRadius: 1, p: 1 }}>
          <Box sx={{ flex: '1 1 260px', minWidth: 0 }}>
            <Typography sx={{ fontWeight: 500 }}>
              {disk.drive} · {fileName(disk.path)}
            </Typography>
            <Typography variant="body2" sx={{ color: 'text.secondary' }}>
              {disk.format} · {formatDiskSize(disk.sizeBytes)}
            </Typography>
            <Typography variant="caption" component="div" sx={{ color: 'text.secondary', overflowWrap: 'anywhere' }} data-testid="disk-path">
              {disk.path}
            </Typography>
          </Box>
          <Box sx={{ display: 'flex', flexWrap: 'wrap', gap: 1 }}>
            <Button size="small" variant="outlined" disabled={locked} onClick={() => setGrowing({ disk, size: String(Math.ceil(disk.sizeBytes / 2 ** 30) * 2) })}>
              Grow…
            </Button>
            {disk.format === 'raw' && (
              <Button size="small" variant="outlined" disabled={locked} onClick={() => void run(`Converting ${disk.drive} to qcow2`, () => storage.convert(disk.drive, 'qcow2'), `${disk.drive} is now a qcow2 image.`)}>
                Convert to qcow2
              </Button>
            )}
            <Button size="small" color="error" variant="outlined" disabled={locked} onClick={() => setRemoving({ disk, deleteFile: false })}>
              Remove…
            </Button>
          </Box>
          {engine === 'qemu' && disk.format === 'raw' && (
            <Typography variant="caption" sx={{ color: 'warning.main', flexBasis: '100%' }}>
              QEMU keeps snapshots inside a qcow2 disk: convert this one to take snapshots.
            </Typography>
          )}
        </Box>
      ))}
      {disks?.length === 0 && (
        <Box data-testid="no-disk" sx={{ display: 'flex', flexDirection: 'column', gap: 1.5, minWidth: 0 }}>
          <Typography variant="body2" sx={{ color: 'text.secondary' }}>
            No hard disk.{engine === 'qemu' ? ' QEMU needs a qcow2 disk to take snapshots.' : ''}
          </Typography>
          <Box component="form" sx={{ display: 'flex', flexWrap: 'wrap', gap: 1, alignItems: 'flex-start' }} onSubmit={(event) => {
            event.preventDefault();
            const mib = parseDiskSize(size);
            if (mib === undefined || sizeProblem) return;
            void run(`Creating a ${formatDiskSize(mib * 1024 * 1024)} disk`, () => storage.add(mib, format), `Added a ${formatDiskSize(mib * 1024 * 1024)} ${format} disk.`);
          }}>
            <TextField
              size="small"
              label="New disk size"
              value={size}
              onChange={(event) => setSize(event.target.value)}
              error={sizeProblem !== undefined}
              helperText={sizeProblem ?? `GiB unless you write M (512M). ${note}`}
              disabled={locked}
              sx={{ flex: '1 1 220px', minWidth: 0 }}
              slotProps={{ htmlInput: { 'data-field': 'new-disk-size' } }}
            />
            <Button type="submit" variant="contained" disabled={locked || size.trim() === '' || sizeProblem !== undefined}>
              Create disk
            </Button>
          </Box>
          <Box component="form" sx={{ display: 'flex', flexWrap: 'wrap', gap: 1, alignItems: 'flex-start' }} onSubmit={(event) => {
            event.preventDefault();
            const path = attachPath.trim();
            if (path) void run(`Attaching ${fileName(path)}`, () => storage.attach(path), `Attached ${fileName(path)}.`).then(() => setAttachPath(''));
          }}>
            <TextField
              size="small"
              label="Or an existing disk image (raw or qcow2)"
              placeholder="/path/to/disk.qcow2"
              value={attachPath}
              onChange={(event) => setAttachPath(event.target.value)}
              helperText="Used where it is; its header decides the format."
              disabled={locked}
              sx={{ flex: '1 1 220px', minWidth: 0 }}
              slotProps={{ htmlInput: { 'data-field': 'attach-disk-path' }, inputLabel: { shrink: true } }}
            />
            <Button type="submit" variant="outlined" disabled={locked || attachPath.trim() === ''}>
              Attach
            </Button>
          </Box>
        </Box>
      )}
      {busy && (
        <Box role="status" aria-label={busy.label} data-testid="disk-progress">
          <Typography variant="body2" gutterBottom>
            {busy.label}…
          </Typography>
          {busy.fraction === undefined ? <LinearProgress /> : <LinearProgress variant="determinate" value={busy.fraction * 100} />}
        </Box>
      )}
      {error && (
        <Alert severity="error" onClose={() => setError(undefined)} sx={{ overflowWrap: 'anywhere' }} data-testid="disk-error">
          {error}
        </Alert>
      )}
      {notice && (
        <Alert severity="success" onClose={() => setNotice(undefined)} sx={{ overflowWrap: 'anywhere' }} data-testid="disk-notice">
          {notice}
        </Alert>
      )}

      <Dialog open={growing !== undefined} onClose={() => setGrowing(undefined)} aria-labelledby="grow-disk-title">
        <Box component="form" onSubmit={(event) => {
          event.preventDefault();
          if (!growing || growProblem) return;
          const mib = parseDiskSize(growing.size) as number;
          const { disk } = growing;
          setGrowing(undefined);
          void run(`Growing ${disk.drive}`, () => storage.resize(disk.drive, mib), `${disk.drive} now has ${formatDiskSize(mib * 1024 * 1024)}. Grow the partition inside the guest to use the new space.`);
        }}>
          <DialogTitle id="grow-disk-title">Grow {growing?.disk.drive}</DialogTitle>
          <DialogContent sx={{ display: 'flex', flexDirection: 'column', gap: 2 }}>
            <DialogContentText>
              The disk has {growing ? formatDiskSize(growing.disk.sizeBytes) : ''}. Hangar only grows disks; the new space is unpartitioned until the guest grows its partition.
            </DialogContentText>
            <TextField
              autoFocus
              size="small"
              label="New size"
              value={growing?.size ?? ''}
              onChange={(event) => setGrowing((old) => old && { ...old, size: event.target.value })}
              error={growProblem !== undefined}
              helperText={growProblem ?? 'GiB unless you write M (512M).'}
              slotProps={{ htmlInput: { 'data-field': 'grow-disk-size' } }}
            />
          </DialogContent>
          <DialogActions>
            <Button onClick={() => setGrowing(undefined)}>Cancel</Button>
            <Button type="submit" variant="contained" disabled={growProblem !== undefined}>
              Grow
            </Button>
          </DialogActions>
        </Box>
      </Dialog>

      <Dialog open={removing !== undefined} onClose={() => setRemoving(undefined)} aria-labelledby="remove-disk-title">
        <DialogTitle id="remove-disk-title">Remove {removing?.disk.drive}?</DialogTitle>
        <DialogContent>
          <DialogContentText sx={{ overflowWrap: 'anywhere' }}>{removing?.disk.path}</DialogContentText>
          <RadioGroup value={removing?.deleteFile ? 'delete' : 'keep'} onChange={(event) => setRemoving((old) => old && { ...old, deleteFile: event.target.value === 'delete' })}>
            <FormControlLabel value="keep" control={<Radio />} label="Keep the file (a disk from the machine's folder moves to the library's lost+found folder)" />
            <FormControlLabel value="delete" control={<Radio />} label="Delete the file and everything the guest stored on it" />
          </RadioGroup>
        </DialogContent>
        <DialogActions>
          <Button onClick={() => setRemoving(undefined)}>Cancel</Button>
          <Button
            color="error"
            variant="contained"
            onClick={() => {
              if (!removing) return;
              const { disk, deleteFile } = removing;
              setRemoving(undefined);
              void run(`Removing ${disk.drive}`, async () => {
                const result = await storage.remove(disk.drive, deleteFile);
                if (result.ok) setNotice(result.value.keptFile ? `Removed ${disk.drive}; its file was kept: ${result.value.keptFile}` : `Removed ${disk.drive} and deleted its file.`);
                return result;
              });
            }}
          >
            Remove
          </Button>
        </DialogActions>
      </Dialog>
    </Box>
  );
}
