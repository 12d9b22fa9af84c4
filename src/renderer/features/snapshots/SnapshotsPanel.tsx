/**
 * The snapshots view of one machine: the tree (thumbnails, current-state marker), details of the
 * selected snapshot (what it holds, whether it can be loaded), and take / restore / delete with
 * progress. Restoring offers to snapshot the current state first.
 */
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Checkbox from '@mui/material/Checkbox';
import Dialog from '@mui/material/Dialog';
import DialogActions from '@mui/material/DialogActions';
import DialogContent from '@mui/material/DialogContent';
import DialogContentText from '@mui/material/DialogContentText';
import DialogTitle from '@mui/material/DialogTitle';
import FormControlLabel from '@mui/material/FormControlLabel';
import LinearProgress from '@mui/material/LinearProgress';
import TextField from '@mui/material/TextField';
import Typography from '@mui/material/Typography';
import { useCallback, useEffect, useRef, useState } from 'react';
import { nameProblem } from '../../../shared/names.js';
import type { HangarClient, SnapshotDetails } from '../../platform/client.js';
import type { MachineState, SnapshotRow } from '../../platform/models.js';
import { DeleteIcon, RestoreIcon, SnapshotIcon } from '../../components/icons.js';
import { formatSize } from '../manager/MediaLibrary.js';
import { SnapshotTree } from './SnapshotTree.js';

/** Props of the snapshots panel. */
export interface SnapshotsPanelProps {
  readonly client: HangarClient;
  readonly machineId: string;
  readonly machineName: string;
  readonly state: MachineState;
  /** Opens the "take snapshot" form at once (Machine ▸ Take snapshot…). */
  readonly startWithTake?: boolean;
  readonly onClose: () => void;
}

/** A default snapshot name: "Snapshot N". */
export function nextSnapshotName(rows: readonly SnapshotRow[]): string {
  let n = rows.length + 1;
  while (rows.some((row) => row.name === `Snapshot ${n}`)) n++;
  return `Snapshot ${n}`;
}

/** The snapshots panel (the body of the Snapshots dialog). */
export function SnapshotsPanel({ client, machineId, machineName, state, startWithTake = false, onClose }: SnapshotsPanelProps) {
  const [rows, setRows] = useState<SnapshotRow[]>([]);
  const [currentId, setCurrentId] = useState<string | null>(null);
  const [selectedId, setSelectedId] = useState<string | null>(null);
  const [details, setDetails] = useState<SnapshotDetails | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  const [busy, setBusy] = useState<{ label: string; fraction?: number } | undefined>(undefined);
  const [taking, setTaking] = useState<{ name: string; description: string } | undefined>(startWithTake ? { name: '', description: '' } : undefined);
  const [restoring, setRestoring] = useState<{ id: string; saveFirst: boolean } | undefined>(undefined);
  const [deleting, setDeleting] = useState<string | undefined>(undefined);
  /** What the machine lacks to take a snapshot (the core's sentence, e.g. QEMU without a qcow2 disk). */
  const [takeBlocked, setTakeBlocked] = useState<string | undefined>(undefined);
  const active = state === 'running' || state === 'paused';

  // Thumbnails never change for a snapshot id: fetch each once.
  const thumbnails = useRef(new Map<string, string>());
  const load = useCallback(async () => {
    const [result, raw] = await Promise.all([client.listSnapshots(machineId), client.call('snapshots.list', { id: machineId })]);
    if (!result.ok) return setError(result.error.desc);
    setTakeBlocked(raw.ok ? raw.value.takeBlocked : undefined);
    // Opened with the take form (Machine ▸ Take snapshot…): the sentence replaces a form that cannot succeed.
    if (raw.ok && raw.value.takeBlocked !== undefined) setTaking(undefined);
    await Promise.all(
      result.value.rows
        .filter((row) => row.hasThumbnail && !thumbnails.current.has(row.id))
        .map(async (row) => {
          const thumb = await client.snapshotThumbnail(machineId, row.id);
          if (thumb.ok) thumbnails.current.set(row.id, thumb.value);
        }),
    );
    setRows(result.value.rows.map((row) => {
      const thumbnail = thumbnails.current.get(row.id);
      return thumbnail ? { ...row, thumbnail } : row;
    }));
    setCurrentId(result.value.currentId);
  }, [client, machineId]);

  useEffect(() => {
    void load();
    const stops = [
      client.onLibraryChanged(() => void load()),
      client.onProgress((progress) => {
        if (progress.machineId !== undefined && progress.machineId !== machineId) return;
        if (!progress.operation.startsWith('snapshot')) return;
        setBusy((old) => (old ? { ...old, fraction: progress.fraction } : old));
      }),
    ];
    return () => stops.forEach((stop) => stop());
  }, [client, load, machineId]);

  useEffect(() => {
    setDetails(undefined);
    if (!selectedId) return;
    let live = true;
    void client.inspectSnapshot(machineId, selectedId).then((result) => live && result.ok && setDetails(result.value));
    return () => {
      live = false;
    };
  }, [client, machineId, selectedId]);

  const run = async (label: string, work: () => Promise<{ ok: boolean; error?: { desc: string } }>): Promise<boolean> => {
    setError(undefined);
    setBusy({ label });
    try {
      const result = await work();
      if (!result.ok) setError(result.error?.desc ?? `${label} failed.`);
      return result.ok;
    } finally {
      setBusy(undefined);
      void load();
    }
  };

  // An empty field takes the suggested name; anything typed follows the shared name rule.
  const takingNameProblem = taking && taking.name.trim() !== '' ? nameProblem(taking.name, 'snapshot') : undefined;
  const take = async (): Promise<void> => {
    if (!taking || takingNameProblem) return;
    const name = taking.name.trim() || nextSnapshotName(rows);
    setTaking(undefined);
    await run(`Taking snapshot "${name}"`, () => client.takeSnapshot(machineId, name, taking.description.trim()));
  };

  const restore = async (): Promise<void> => {
    if (!restoring) return;
    const { id, saveFirst } = restoring;
    setRestoring(undefined);
    if (saveFirst && active) {
      const ok = await run('Saving the current state', () => client.takeSnapshot(machineId, `Before restoring ${rows.find((r) => r.id === id)?.name ?? ''}`.trim(), 'Taken automatically before a restore.'));
      if (!ok) return;
    }
    await run(`Restoring "${rows.find((r) => r.id === id)?.name ?? id}"`, () => client.restoreSnapshot(machineId, id));
  };

  const selected = rows.find((row) => row.id === selectedId);
  const facts = details?.facts ?? {};
  return (
    <Box sx={{ display: 'flex', flexDirection: 'column', gap: 1.5, minWidth: 720, minHeight: 380 }} role="region" aria-label={`Snapshots of ${machineName}`}>
      <Box sx={{ display: 'flex', gap: 1 }}>
        <Button variant="contained" startIcon={<SnapshotIcon />} disabled={!active || busy !== undefined || takeBlocked !== undefined} onClick={() => setTaking({ name: '', description: '' })}>
          Take snapshot
        </Button>
        <Button startIcon={<RestoreIcon />} disabled={!selected || busy !== undefined || !selected.loadable} onClick={() => selected && setRestoring({ id: selected.id, saveFirst: active })}>
          Restore
        </Button>
        <Button startIcon={<DeleteIcon />} color="error" disabled={!selected || busy !== undefined} onClick={() => selected && setDeleting(selected.id)}>
          Delete
        </Button>
        <Box sx={{ flex: 1 }} />
        <Button onClick={onClose}>Close</Button>
      </Box>
      {busy && (
        <Box data-testid="snapshot-progress" role="status" aria-label={busy.label}>
          <Typography variant="body2" gutterBottom>
            {busy.label}…
          </Typography>
          {busy.fraction === undefined ? <LinearProgress /> : <LinearProgress variant="determinate" value={busy.fraction * 100} />}
        </Box>
      )}
      {error && (
        <Alert severity="error" onClose={() => setError(undefined)}>
          {error}
        </Alert>
      )}
      {takeBlocked !== undefined && (
        <Alert severity="info" data-testid="snapshot-blocked">
          {takeBlocked}
        </Alert>
      )}
      {!active && takeBlocked === undefined && <Typography variant="body2" sx={{ color: 'text.secondary' }}>Start the machine to take a snapshot; restoring a snapshot starts it from the saved state.</Typography>}
      <Box sx={{ display: 'flex', gap: 2, flex: 1, minHeight: 0 }}>
        <Box sx={{ flex: 1, overflow: 'auto', maxHeight: 420, border: 1, borderColor: 'divider', borderRadius: 1, p: 0.5 }}>
          <SnapshotTree rows={rows} currentId={currentId} selectedId={selectedId} onSelect={setSelectedId} onActivate={(id) => setRestoring({ id, saveFirst: active })} />
        </Box>
        <Box sx={{ width: 300, flex: 'none' }} aria-label="Snapshot details" role="region">
          {selected ? (
            <Box sx={{ display: 'flex', flexDirection: 'column', gap: 1 }}>
              {selected.thumbnail && <Box component="img" src={selected.thumbnail} alt={`Screen saved in ${selected.name}`} sx={{ width: '100%', bgcolor: '#000', borderRadius: 1 }} />}
              <Typography variant="subtitle1" sx={{ fontWeight: 600 }}>
                {selected.name}
              </Typography>
              {selected.description && <Typography variant="body2">{selected.description}</Typography>}
              <Typography variant="caption" sx={{ color: 'text.secondary' }}>
                Taken {new Date(selected.createdAt).toLocaleString()}
                {selected.engine ? ` with ${selected.engine}` : ''}
                {typeof facts.engineVersion === 'string' ? ` ${facts.engineVersion}` : ''}
              </Typography>
              {typeof facts.sizeBytes === 'number' && <Typography variant="body2">Saved state: {formatSize(facts.sizeBytes)}</Typography>}
              {Array.isArray(facts.sections) && (
                <Typography variant="body2" data-testid="snapshot-sections">
                  Holds: {(facts.sections as { name: string; size: number }[]).map((section) => `${section.name} (${formatSize(section.size)})`).join(', ')}
                </Typography>
              )}
              {details && (details.loadable ? <Alert severity="success">Can be restored on this machine.</Alert> : <Alert severity="warning">Cannot be restored: {details.reason ?? 'it was taken with a different engine or configuration.'}</Alert>)}
            </Box>
          ) : (
            <Typography variant="body2" sx={{ color: 'text.secondary' }}>
              {selectedId === null && rows.length > 0 ? 'The current state is where the machine is now.' : 'Select a snapshot to see what it holds.'}
            </Typography>
          )}
        </Box>
      </Box>

      <Dialog open={taking !== undefined} onClose={() => setTaking(undefined)} aria-labelledby="take-snapshot-title">
        <Box component="form" onSubmit={(event) => (event.preventDefault(), void take())}>
          <DialogTitle id="take-snapshot-title">Take a snapshot of {machineName}</DialogTitle>
          <DialogContent sx={{ display: 'flex', flexDirection: 'column', gap: 2, minWidth: 420 }}>
            <TextField autoFocus size="small" label="Name" placeholder={nextSnapshotName(rows)} value={taking?.name ?? ''} onChange={(event) => setTaking((old) => old && { ...old, name: event.target.value })} error={takingNameProblem !== undefined} helperText={takingNameProblem} sx={{ mt: 1 }} slotProps={{ htmlInput: { maxLength: 200, 'data-field': 'snapshot-name' }, inputLabel: { shrink: true } }} />
            <TextField size="small" label="Description" multiline minRows={2} value={taking?.description ?? ''} onChange={(event) => setTaking((old) => old && { ...old, description: event.target.value })} />
          </DialogContent>
          <DialogActions>
            <Button onClick={() => setTaking(undefined)}>Cancel</Button>
            <Button type="submit" variant="contained" disabled={takingNameProblem !== undefined}>
              Take snapshot
            </Button>
          </DialogActions>
        </Box>
      </Dialog>

      <Dialog open={restoring !== undefined} onClose={() => setRestoring(undefined)} aria-labelledby="restore-title">
        <DialogTitle id="restore-title">Restore “{rows.find((r) => r.id === restoring?.id)?.name}”?</DialogTitle>
        <DialogContent>
          <DialogContentText>The machine returns to the saved screen, memory and disks. What happened since is lost unless you keep it in a snapshot.</DialogContentText>
          <FormControlLabel
            control={<Checkbox checked={restoring?.saveFirst ?? false} disabled={!active} onChange={(event) => setRestoring((old) => old && { ...old, saveFirst: event.target.checked })} />}
            label="Take a snapshot of the current state first"
          />
        </DialogContent>
        <DialogActions>
          <Button onClick={() => setRestoring(undefined)}>Cancel</Button>
          <Button variant="contained" onClick={() => void restore()}>
            Restore
          </Button>
        </DialogActions>
      </Dialog>

      <Dialog open={deleting !== undefined} onClose={() => setDeleting(undefined)} aria-labelledby="delete-snapshot-title">
        <DialogTitle id="delete-snapshot-title">Delete “{rows.find((r) => r.id === deleting)?.name}”?</DialogTitle>
        <DialogContent>
          <DialogContentText>
            Its saved state is removed from disk. Snapshots taken after it stay and move up to its parent.
          </DialogContentText>
        </DialogContent>
        <DialogActions>
          <Button onClick={() => setDeleting(undefined)}>Cancel</Button>
          <Button
            color="error"
            variant="contained"
            onClick={() => {
              const id = deleting;
              setDeleting(undefined);
              if (id) void run('Deleting the snapshot', () => client.deleteSnapshot(machineId, id)).then(() => setSelectedId(null));
            }}
          >
            Delete
          </Button>
        </DialogActions>
      </Dialog>
    </Box>
  );
}
