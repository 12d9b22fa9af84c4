/**
 * The settings editor's Network page: mode, adapter model (per engine), MAC address with
 * Regenerate, the cable, and the port forwards. On a running machine it says what applies at
 * once (forwards, cable) and shows each forward's state in the engine (active, or failed with
 * the reason).
 */
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Checkbox from '@mui/material/Checkbox';
import FormControlLabel from '@mui/material/FormControlLabel';
import MenuItem from '@mui/material/MenuItem';
import TextField from '@mui/material/TextField';
import Typography from '@mui/material/Typography';
import { randomMacAddress } from '../../../shared/network-settings.js';
import type { EngineKind, NetworkConfig, NetworkStatus } from '../../platform/models.js';
import { ForwardsTable } from './ForwardsTable.js';
import type { ForwardRow } from './ForwardsTable.js';
import { nicModelChoices } from './network-model.js';

/** Props of the Network page. */
export interface NetworkTabProps {
  readonly network: NetworkConfig;
  /** The settings as saved: forwards that differ are not in the engine yet. */
  readonly saved: NetworkConfig;
  readonly engine: EngineKind;
  readonly running: boolean;
  /** The running engine's view (`vm.network`), when loaded. */
  readonly status?: NetworkStatus;
  /** The page's problem (an unknown model for the engine, a bad MAC). */
  readonly error?: string;
  readonly onChange: (network: NetworkConfig) => void;
}

const modeNames = { nat: 'NAT (guest reaches the outside network)', isolated: 'Isolated (no outside network; forwards still work)', none: 'Not attached (no network card)' } as const;
const modelNames: Record<string, string> = {
  auto: 'Automatic (the engine chooses)',
  e1000: 'Intel PRO/1000 (e1000)',
  rtl8139: 'Realtek RTL8139',
  ne2k_pci: 'NE2000 PCI',
  'virtio-net-pci': 'virtio-net (paravirtual)',
  pcnet: 'AMD PCnet',
  ne2k: 'NE2000',
  virtio: 'virtio-net (paravirtual)',
};

const sameKey = (a: ForwardRow, b: ForwardRow): boolean => a.protocol === b.protocol && a.hostAddress === b.hostAddress && a.hostPort === b.hostPort && a.guestPort === b.guestPort;

/** The Network page. */
export function NetworkTab({ network, saved, engine, running, status, error, onChange }: NetworkTabProps) {
  const set = (patch: Partial<NetworkConfig>): void => onChange({ ...network, ...patch });
  const card = network.mode !== 'none';
  // Each draft forward with what the engine says about it; one not in the engine yet is marked so.
  const rows: ForwardRow[] = network.forwards.map((forward) => {
    if (!running || !status?.running) return forward;
    const live = status.forwards.find((candidate) => sameKey(candidate, forward));
    const unchanged = saved.forwards.some((candidate) => sameKey(candidate, forward));
    if (live && unchanged) return { ...forward, status: live.status, ...(live.error ? { error: live.error } : {}) };
    return { ...forward, status: 'stored' };
  });

  return (
    <Box sx={{ display: 'flex', flexDirection: 'column', gap: 1 }} data-testid="network-page">
      <Box sx={{ display: 'flex', gap: 1, flexWrap: 'wrap' }}>
        <TextField select size="small" label="Attached to" value={network.mode} onChange={(event) => set({ mode: event.target.value as NetworkConfig['mode'] })} sx={{ minWidth: 300 }} helperText=" " slotProps={{ htmlInput: { 'data-field': 'network-mode' } }}>
          {(Object.keys(modeNames) as NetworkConfig['mode'][]).map((mode) => (
            <MenuItem key={mode} value={mode}>
              {modeNames[mode]}
            </MenuItem>
          ))}
        </TextField>
        <TextField
          select
          size="small"
          label="Adapter"
          value={network.model}
          onChange={(event) => set({ model: event.target.value })}
          disabled={!card}
          sx={{ minWidth: 240 }}
          error={error?.includes('network card model') === true}
          helperText={error?.includes('network card model') ? error : ' '}
          slotProps={{ htmlInput: { 'data-field': 'network-model' } }}
        >
          {[...new Set([...nicModelChoices(engine), network.model])].map((model) => (
            <MenuItem key={model} value={model}>
              {modelNames[model] ?? model}
            </MenuItem>
          ))}
        </TextField>
      </Box>
      <Box sx={{ display: 'flex', gap: 1, alignItems: 'flex-start' }}>
        <TextField
          size="small"
          label="MAC address"
          value={network.mac}
          placeholder="Generated when the machine is created"
          onChange={(event) => set({ mac: event.target.value.trim() })}
          disabled={!card}
          error={error?.includes('MAC') === true}
          helperText={error?.includes('MAC') ? error : 'Locally administered; the guest keeps it across restarts and snapshots.'}
          sx={{ width: 380 }}
          slotProps={{ htmlInput: { 'data-field': 'network-mac', spellCheck: false }, inputLabel: { shrink: true } }}
        />
        <Button variant="outlined" disabled={!card} onClick={() => set({ mac: randomMacAddress() })} sx={{ mt: 0.25 }}>
          Regenerate
        </Button>
      </Box>
      <FormControlLabel control={<Checkbox checked={network.connected} disabled={!card} onChange={(event) => set({ connected: event.target.checked })} />} label="Cable connected" />
      {running && card && (
        <Typography variant="body2" sx={{ color: 'text.secondary' }}>
          The machine is running: port forwards and the cable change at once when you save; the mode, adapter and MAC address after it is powered off and started again.
        </Typography>
      )}
      {running && status && !status.available && status.reason && <Alert severity="warning">{status.reason}</Alert>}
      <Typography variant="subtitle2" sx={{ mt: 1 }}>
        Port forwarding
      </Typography>
      {card ? (
        <ForwardsTable
          forwards={rows}
          onAdd={(forward) => set({ forwards: [...network.forwards, forward] })}
          onReplace={(index, forward) => set({ forwards: network.forwards.map((old, at) => (at === index ? forward : old)) })}
          onRemove={(index) => set({ forwards: network.forwards.filter((_, at) => at !== index) })}
        />
      ) : (
        <Typography variant="body2" sx={{ color: 'text.secondary' }}>
          The machine has no network card; choose NAT or Isolated to forward ports.
        </Typography>
      )}
      {error && !error.includes('network card model') && !error.includes('MAC') && <Alert severity="error">{error}</Alert>}
    </Box>
  );
}
