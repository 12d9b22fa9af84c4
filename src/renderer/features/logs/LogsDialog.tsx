/**
 * A machine's logs in a dialog (the manager's "Show log" on a crashed machine): the Logs view,
 * opened at the last crash, tall enough to read the lines around it.
 */
import Button from '@mui/material/Button';
import Dialog from '@mui/material/Dialog';
import DialogActions from '@mui/material/DialogActions';
import DialogContent from '@mui/material/DialogContent';
import DialogTitle from '@mui/material/DialogTitle';
import { useCallback } from 'react';
import type { HangarClient } from '../../platform/client.js';
import type { MachineSummary } from '../../platform/models.js';
import { isActive } from '../../components/machine-state.js';
import { LogsView } from './LogsView.js';
import type { LogLoader } from './LogsView.js';

/** Props of the logs dialog. */
export interface LogsDialogProps {
  readonly client: HangarClient;
  /** The machine whose logs are shown; the dialog is closed without one. */
  readonly machine: MachineSummary | undefined;
  readonly onClose: () => void;
}

/** The logs dialog. */
export function LogsDialog({ client, machine, onClose }: LogsDialogProps) {
  const id = machine?.id;
  const load = useCallback<LogLoader>((kind, lines) => client.call('machines.logs', { id: id ?? '', log: kind, lines }), [client, id]);
  return (
    <Dialog open={machine !== undefined} onClose={onClose} fullWidth maxWidth="lg" aria-labelledby="logs-dialog-title" slotProps={{ paper: { sx: { height: '85vh' } } }}>
      <DialogTitle id="logs-dialog-title">Logs of {machine?.config.name}</DialogTitle>
      <DialogContent dividers sx={{ p: 0, display: 'flex', flexDirection: 'column' }}>
        {machine && <LogsView name={machine.config.name} load={load} active={isActive(machine.state)} serialLogKept={machine.config.serial === 'console'} crashRequest={machine.state === 'crashed' ? 1 : 0} />}
      </DialogContent>
      <DialogActions>
        <Button onClick={onClose}>Close</Button>
      </DialogActions>
    </Dialog>
  );
}
