/**
 * The manager window: toolbar, VM list (state, OS, thumbnail), details pane, and the empty
 * first-run screen that leads to the wizard. Data comes in as props; actions go out as callbacks
 * the app wires to the API client.
 */
import AppBar from '@mui/material/AppBar';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Chip from '@mui/material/Chip';
import Divider from '@mui/material/Divider';
import List from '@mui/material/List';
import ListItemButton from '@mui/material/ListItemButton';
import ListItemText from '@mui/material/ListItemText';
import Toolbar from '@mui/material/Toolbar';
import Typography from '@mui/material/Typography';
import type { MachineState, MachineSummary } from '../../platform/models.js';
import { AddIcon, ComputerIcon, DeleteIcon, PauseIcon, PlayIcon, SettingsIcon, SnapshotIcon, StopIcon } from '../../components/icons.js';

/** Toolbar and menu actions. */
export type ManagerAction = 'new' | 'settings' | 'start' | 'pause' | 'resume' | 'stop' | 'snapshots' | 'delete';

/** Props of the manager window. */
export interface ManagerWindowProps {
  readonly machines: readonly MachineSummary[];
  readonly selectedId: string | null;
  readonly onSelect: (id: string) => void;
  readonly onAction: (action: ManagerAction, id: string | null) => void;
}

const stateLabels: Record<MachineState, string> = {
  stopped: 'Powered off', prelaunch: 'Starting', running: 'Running', paused: 'Paused', shutdown: 'Shut down',
  'internal-error': 'Crashed', 'io-error': 'Disk error', 'save-vm': 'Saving', 'restore-vm': 'Restoring',
};

/** Which actions a machine in `state` offers. */
export function actionsFor(state: MachineState | undefined): ReadonlySet<ManagerAction> {
  const actions = new Set<ManagerAction>(['new']);
  if (state === undefined) return actions;
  actions.add('settings').add('snapshots');
  if (state === 'stopped' || state === 'shutdown') actions.add('start').add('delete');
  if (state === 'running') actions.add('pause').add('stop');
  if (state === 'paused' || state === 'internal-error' || state === 'io-error') actions.add('resume').add('stop');
  return actions;
}

/** The manager window component. */
export function ManagerWindow({ machines, selectedId, onSelect, onAction }: ManagerWindowProps) {
  const selected = machines.find((machine) => machine.id === selectedId);
  const available = actionsFor(selected?.state);
  const button = (action: ManagerAction, label: string, Icon: typeof AddIcon) => (
    <Button key={action} startIcon={<Icon />} disabled={!available.has(action)} onClick={() => onAction(action, selected?.id ?? null)} color="inherit">
      {label}
    </Button>
  );
  return (
    <Box sx={{ display: 'flex', flexDirection: 'column', height: '100vh', bgcolor: 'background.default', color: 'text.primary' }}>
      <AppBar position="static" color="default" elevation={0} sx={{ borderBottom: 1, borderColor: 'divider' }}>
        <Toolbar variant="dense" role="toolbar" aria-label="Machine actions" sx={{ gap: 0.5 }}>
          {button('new', 'New', AddIcon)}
          {button('settings', 'Settings', SettingsIcon)}
          {available.has('resume') ? button('resume', 'Resume', PlayIcon) : button('start', 'Start', PlayIcon)}
          {button('pause', 'Pause', PauseIcon)}
          {button('stop', 'Stop', StopIcon)}
          {button('snapshots', 'Snapshots', SnapshotIcon)}
          {button('delete', 'Delete', DeleteIcon)}
        </Toolbar>
      </AppBar>
      {machines.length === 0 ? (
        <Box sx={{ flex: 1, display: 'flex', flexDirection: 'column', alignItems: 'center', justifyContent: 'center', gap: 2 }} data-testid="first-run">
          <ComputerIcon sx={{ fontSize: 64, color: 'text.secondary' }} />
          <Typography variant="h5">No virtual machines yet</Typography>
          <Typography sx={{ color: 'text.secondary' }}>Create one from an install disc image, or an empty machine.</Typography>
          <Button variant="contained" startIcon={<AddIcon />} onClick={() => onAction('new', null)} autoFocus>
            New virtual machine
          </Button>
        </Box>
      ) : (
        <Box sx={{ flex: 1, display: 'flex', minHeight: 0 }}>
          <List aria-label="Virtual machines" sx={{ width: 300, borderRight: 1, borderColor: 'divider', overflow: 'auto' }}>
            {machines.map((machine) => (
              <ListItemButton key={machine.id} selected={machine.id === selectedId} onClick={() => onSelect(machine.id)} onDoubleClick={() => onAction('start', machine.id)} data-machine-id={machine.id} sx={{ gap: 1.5 }}>
                <Box component={machine.thumbnail ? 'img' : 'div'} src={machine.thumbnail} alt="" sx={{ width: 64, height: 48, bgcolor: '#000', borderRadius: 0.5, objectFit: 'contain', flex: 'none' }} />
                <ListItemText primary={machine.config.name} secondary={`${stateLabels[machine.state]} · ${machine.config.osId || 'Unknown OS'}`} />
              </ListItemButton>
            ))}
          </List>
          <Box sx={{ flex: 1, p: 2, overflow: 'auto' }} aria-label="Details" role="region">
            {selected ? <MachineDetails machine={selected} /> : <Typography sx={{ color: 'text.secondary' }}>Select a machine to see its details.</Typography>}
          </Box>
        </Box>
      )}
    </Box>
  );
}

function MachineDetails({ machine }: { machine: MachineSummary }) {
  const { config } = machine;
  const rows: [string, string][] = [
    ['Engine', config.engine === 'v86' ? 'v86' : `QEMU${config.forceTcg ? ' (TCG forced)' : ''}`],
    ['Memory', `${config.memoryMiB} MiB`],
    ['CPUs', String(config.cpus)],
    ['Boot order', config.bootOrder.join(', ')],
    ['Display', config.displayDevice],
    ['Clipboard', config.clipboard],
  ];
  return (
    <Box>
      <Box sx={{ display: 'flex', alignItems: 'center', gap: 1, mb: 1 }}>
        <Typography variant="h6">{config.name}</Typography>
        <Chip size="small" label={stateLabels[machine.state]} color={machine.state === 'running' ? 'success' : 'default'} />
      </Box>
      <Box component="dl" sx={{ display: 'grid', gridTemplateColumns: 'max-content 1fr', columnGap: 2, rowGap: 0.5, m: 0 }}>
        {rows.map(([term, value]) => (
          <Box key={term} sx={{ display: 'contents' }}>
            <Typography component="dt" sx={{ color: 'text.secondary' }}>{term}</Typography>
            <Typography component="dd" sx={{ m: 0 }}>{value}</Typography>
          </Box>
        ))}
      </Box>
      <Divider sx={{ my: 1.5 }} />
      <Typography variant="subtitle2" gutterBottom>Storage</Typography>
      {config.drives.map((drive) => (
        <Typography key={drive.id} variant="body2">
          {drive.kind === 'disk' ? 'Hard disk' : drive.kind === 'cdrom' ? 'CD/DVD' : 'Floppy'}: {drive.path ?? 'Empty'}
        </Typography>
      ))}
    </Box>
  );
}
