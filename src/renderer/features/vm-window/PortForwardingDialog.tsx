/**
 * The VM window's "Port forwarding…" dialog (Devices → Network): the running machine's forwards
 * as its engine reports them (active, or failed with the reason), changed at once through
 * vm.forward-add / vm.forward-remove, which also store them. A change the engine refuses (a busy
 * host port) is shown with its reason and nothing is stored.
 */
import Alert from '@mui/material/Alert';
import Button from '@mui/material/Button';
import CircularProgress from '@mui/material/CircularProgress';
import Dialog from '@mui/material/Dialog';
import DialogActions from '@mui/material/DialogActions';
import DialogContent from '@mui/material/DialogContent';
import DialogTitle from '@mui/material/DialogTitle';
import Typography from '@mui/material/Typography';
import { useCallback, useEffect, useState } from 'react';
import type { ApiResult } from '../../platform/transport.js';
import type { NetworkStatus, PortForward } from '../../platform/models.js';
import { ForwardsTable } from '../settings/ForwardsTable.js';

/** The calls the dialog makes for one machine. */
export interface PortForwardingApi {
  load(): Promise<ApiResult<NetworkStatus>>;
  add(forward: PortForward): Promise<ApiResult<unknown>>;
  remove(forward: PortForward): Promise<ApiResult<unknown>>;
}

/** Props of the dialog. */
export interface PortForwardingDialogProps {
  readonly open: boolean;
  readonly machineName: string;
  readonly api: PortForwardingApi;
  readonly onClose: () => void;
  /** Called after a change went through (the window refreshes its indicator). */
  readonly onChanged?: () => void;
}

/** The dialog. */
export function PortForwardingDialog({ open, machineName, api, onClose, onChanged }: PortForwardingDialogProps) {
  const [status, setStatus] = useState<NetworkStatus | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  const [busy, setBusy] = useState(false);

  const reload = useCallback(async (): Promise<void> => {
    const result = await api.load();
    if (result.ok) setStatus(result.value);
    else setError(result.error.desc);
  }, [api]);
  useEffect(() => {
    if (!open) return;
    setError(undefined);
    void reload();
  }, [open, reload]);

  /** Runs the steps in order, stopping at the first failure (the core's sentence names the forward). */
  const change = async (steps: readonly (() => Promise<ApiResult<unknown>>)[]): Promise<void> => {
    setBusy(true);
    setError(undefined);
    for (const step of steps) {
      const result = await step();
      if (!result.ok) {
        setError(result.error.desc);
        break;
      }
    }
    await reload();
    setBusy(false);
    onChanged?.();
  };
  const forwards = status?.forwards ?? [];
  const add = (forward: PortForward) => () => api.add(forward);
  const remove = (forward: PortForward) => () => api.remove(forward);

  return (
    <Dialog open={open} onClose={onClose} maxWidth="md" fullWidth aria-labelledby="port-forwarding-title">
      <DialogTitle id="port-forwarding-title">Port forwarding of {machineName}</DialogTitle>
      <DialogContent>
        <Typography variant="body2" sx={{ color: 'text.secondary', mb: 1 }}>
          Connections to the host address and port reach the guest&apos;s port. Changes apply at once in the running machine and are kept for its next start.
        </Typography>
        {status && !status.available && status.reason && (
          <Alert severity="warning" sx={{ mb: 1 }}>
            {status.reason}
          </Alert>
        )}
        {error && (
          <Alert severity="error" sx={{ mb: 1 }} onClose={() => setError(undefined)} data-testid="forwarding-error">
            {error}
          </Alert>
        )}
        {status ? (
          <ForwardsTable
            forwards={forwards}
            busy={busy}
            onAdd={(forward) => void change([add(forward)])}
            onReplace={(index, forward) => {
              const old = forwards[index];
              if (old) void change([remove(old), add(forward)]);
            }}
            onRemove={(index) => {
              const old = forwards[index];
              if (old) void change([remove(old)]);
            }}
          />
        ) : (
          !error && <CircularProgress size={24} aria-label="Loading the forwards" />
        )}
      </DialogContent>
      <DialogActions>
        <Button onClick={onClose}>Close</Button>
      </DialogActions>
    </Dialog>
  );
}
