/**
 * The manager window: toolbar, VM list (state, OS, live thumbnail), details pane (hardware,
 * storage, media, network with its port forwards, snapshots), the media library view with missing media marked, and the empty
 * first-run screen that leads to the wizard. Data comes in as props; actions go out as callbacks
 * the app wires to the API client.
 */
import AppBar from '@mui/material/AppBar';
import Avatar from '@mui/material/Avatar';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Chip from '@mui/material/Chip';
import Link from '@mui/material/Link';
import IconButton from '@mui/material/IconButton';
import List from '@mui/material/List';
import ListItemButton from '@mui/material/ListItemButton';
import ListItemText from '@mui/material/ListItemText';
import Paper from '@mui/material/Paper';
import Tab from '@mui/material/Tab';
import Tabs from '@mui/material/Tabs';
import Toolbar from '@mui/material/Toolbar';
import Typography from '@mui/material/Typography';
import { useState } from 'react';
import type { KeyboardEvent, ReactNode } from 'react';
import type { MachineState, MachineSummary, MediaItem, WatchedFolder } from '../../platform/models.js';
import { AddIcon, ComputerIcon, DeleteIcon, OpenIcon, PauseIcon, PlayIcon, PowerIcon, SettingsIcon, SnapshotIcon, StopIcon } from '../../components/icons.js';
import { stateColour, stateLabels } from '../../components/machine-state.js';
import { forwardUrl } from '../settings/network-model.js';
import { AcceleratorRow } from './AcceleratorRow.js';
import type { AcceleratorInfo } from './AcceleratorRow.js';
import { MediaLibrary } from './MediaLibrary.js';
import { actionsFor } from './manager-actions.js';
import type { ManagerAction } from './manager-actions.js';

export { actionsFor } from './manager-actions.js';
export type { ManagerAction } from './manager-actions.js';

/** A short snapshot summary for the details pane. */
export interface SnapshotSummary {
  readonly count: number;
  readonly currentName?: string;
}

/** Props of the manager window. */
export interface ManagerWindowProps {
  readonly machines: readonly MachineSummary[];
  readonly selectedId: string | null;
  readonly onSelect: (id: string) => void;
  readonly onAction: (action: ManagerAction, id: string | null) => void;
  readonly media?: readonly MediaItem[];
  /** Adds an image file to the media library by path. */
  readonly onAddMedia?: (path: string) => void;
  readonly onRemoveMedia?: (id: string) => void;
  readonly folders?: readonly WatchedFolder[];
  readonly onAddFolder?: (path: string) => void;
  readonly onRemoveFolder?: (path: string) => void;
  readonly snapshots?: Readonly<Record<string, SnapshotSummary>>;
  /** Shown above the content (connection problems). */
  readonly banner?: ReactNode;
  /** Opens the app's Preferences (a toolbar button when given). */
  readonly onPreferences?: () => void;
  /** The selected machine's accelerator (running engine, host KVM state) and "Try KVM again". */
  readonly accelerator?: { readonly info?: AcceleratorInfo; readonly recheck: () => Promise<string> };
  /** Opens a machine's logs at its last crash ("Show log" next to a crash reason). */
  readonly onShowLog?: (id: string) => void;
}

const osPalette = ['#4f6bed', '#c2185b', '#00897b', '#6d4c41', '#7b1fa2', '#ef6c00', '#2e7d32', '#455a64'];

/** A small round OS badge: the first letter of the OS name, coloured by the OS id. */
export function OsBadge({ osId, name, size = 28 }: { osId: string; name: string; size?: number }) {
  let hash = 0;
  for (const char of osId) hash = (hash * 31 + char.charCodeAt(0)) >>> 0;
  return (
    <Avatar aria-hidden sx={{ width: size, height: size, fontSize: size * 0.45, fontWeight: 600, bgcolor: osPalette[hash % osPalette.length] }}>
      {(name.trim()[0] ?? '?').toUpperCase()}
    </Avatar>
  );
}

/** The manager window component. */
export function ManagerWindow(props: ManagerWindowProps) {
  const { machines, selectedId, onSelect, onAction, media = [], onAddMedia, onRemoveMedia, snapshots = {}, banner } = props;
  const [view, setView] = useState<'machines' | 'media'>('machines');
  const selected = machines.find((machine) => machine.id === selectedId);
  const available = actionsFor(selected?.state, selected?.config.engine);
  const button = (action: ManagerAction, label: string, Icon: typeof AddIcon) => (
    <Button key={action} startIcon={<Icon />} disabled={!available.has(action)} onClick={() => onAction(action, selected?.id ?? null)} color="inherit" size="small">
      {label}
    </Button>
  );
  const onListKey = (event: KeyboardEvent<HTMLElement>): void => {
    if (!selected) return;
    if (event.key === 'Delete' && available.has('delete')) onAction('delete', selected.id);
    if (event.key === 'Enter') onAction(available.has('show') ? 'show' : available.has('start') ? 'start' : 'settings', selected.id);
  };
  const moveSelection = (event: KeyboardEvent<HTMLElement>): void => {
    if (event.key !== 'ArrowDown' && event.key !== 'ArrowUp') return onListKey(event);
    event.preventDefault();
    const index = machines.findIndex((machine) => machine.id === selectedId);
    const next = machines[Math.max(0, Math.min(machines.length - 1, index + (event.key === 'ArrowDown' ? 1 : -1)))];
    if (next) {
      onSelect(next.id);
      document.querySelector<HTMLElement>(`[data-machine-id="${CSS.escape(next.id)}"]`)?.focus();
    }
  };

  return (
    <Box sx={{ display: 'flex', flexDirection: 'column', height: '100vh', bgcolor: 'background.default', color: 'text.primary' }}>
      <AppBar position="static" color="default" elevation={0} sx={{ borderBottom: 1, borderColor: 'divider' }}>
        <Toolbar variant="dense" sx={{ gap: 0.5 }}>
          <Typography variant="subtitle1" sx={{ fontWeight: 700, mr: 2, letterSpacing: 0.3 }}>
            Hangar
          </Typography>
          <Box role="toolbar" aria-label="Machine actions" sx={{ display: 'flex', gap: 0.5, flexWrap: 'wrap' }}>
            {button('new', 'New', AddIcon)}
            {button('settings', 'Settings', SettingsIcon)}
            {available.has('resume') ? button('resume', 'Resume', PlayIcon) : button('start', 'Start', PlayIcon)}
            {button('show', 'Show', OpenIcon)}
            {button('pause', 'Pause', PauseIcon)}
            {button('shutdown', 'Shut down', PowerIcon)}
            {button('stop', 'Stop', StopIcon)}
            {button('snapshots', 'Snapshots', SnapshotIcon)}
            {button('delete', 'Delete', DeleteIcon)}
          </Box>
          <Box sx={{ flex: 1 }} />
          <Tabs value={view} onChange={(_, value: 'machines' | 'media') => setView(value)} aria-label="Manager views" sx={{ minHeight: 40, '& .MuiTab-root': { minHeight: 40 } }}>
            <Tab value="machines" label="Machines" />
            <Tab value="media" label={`Media library${media.some((item) => !item.present) ? ' ⚠' : ''}`} />
          </Tabs>
          {props.onPreferences && (
            // An icon keeps the toolbar on one line in a narrow window; the name is its label.
            <IconButton onClick={props.onPreferences} color="inherit" size="small" sx={{ ml: 1 }} title="Preferences (Ctrl+,)" aria-label="Preferences" aria-keyshortcuts="Control+Comma">
              <SettingsIcon />
            </IconButton>
          )}
        </Toolbar>
      </AppBar>
      {banner}
      {view === 'media' ? (
        <MediaLibrary
          media={media}
          machines={machines}
          {...(onAddMedia ? { onAdd: onAddMedia } : {})}
          {...(onRemoveMedia ? { onRemove: onRemoveMedia } : {})}
          {...(props.folders ? { folders: props.folders } : {})}
          {...(props.onAddFolder ? { onAddFolder: props.onAddFolder } : {})}
          {...(props.onRemoveFolder ? { onRemoveFolder: props.onRemoveFolder } : {})}
        />
      ) : machines.length === 0 ? (
        <Box sx={{ flex: 1, display: 'flex', flexDirection: 'column', alignItems: 'center', justifyContent: 'center', gap: 2 }} data-testid="first-run">
          <ComputerIcon sx={{ fontSize: 72, color: 'text.secondary' }} />
          <Typography variant="h5">No virtual machines yet</Typography>
          <Typography sx={{ color: 'text.secondary', maxWidth: 420, textAlign: 'center' }}>
            Create one from an install disc image in your media library, or an empty machine to set up later.
          </Typography>
          <Button variant="contained" size="large" startIcon={<AddIcon />} onClick={() => onAction('new', null)} autoFocus>
            New virtual machine
          </Button>
        </Box>
      ) : (
        <Box sx={{ flex: 1, display: 'flex', minHeight: 0 }}>
          <List aria-label="Virtual machines" onKeyDown={moveSelection} sx={{ width: 320, flex: 'none', borderRight: 1, borderColor: 'divider', overflow: 'auto', py: 0.5 }}>
            {machines.map((machine) => (
              <ListItemButton
                key={machine.id}
                selected={machine.id === selectedId}
                onClick={() => onSelect(machine.id)}
                onDoubleClick={() => onAction(machine.state === 'running' || machine.state === 'paused' ? 'show' : 'start', machine.id)}
                data-machine-id={machine.id}
                aria-label={`${machine.config.name}, ${stateLabels[machine.state]}`}
                sx={{ gap: 1.5, mx: 0.5, borderRadius: 1, alignItems: 'center' }}
              >
                <Box sx={{ position: 'relative', flex: 'none' }}>
                  <Box
                    component={machine.thumbnail ? 'img' : 'div'}
                    src={machine.thumbnail}
                    alt=""
                    data-testid={machine.thumbnail ? 'machine-thumbnail' : undefined}
                    sx={{ width: 80, height: 60, bgcolor: '#111', borderRadius: 0.75, objectFit: 'contain', display: 'block', border: 1, borderColor: 'divider' }}
                  />
                  <Box sx={{ position: 'absolute', right: -6, bottom: -6 }}>
                    <OsBadge osId={machine.config.osId} name={machine.osName ?? machine.config.osId} size={24} />
                  </Box>
                </Box>
                <ListItemText
                  primary={machine.config.name}
                  secondary={
                    <Box component="span" sx={{ display: 'flex', alignItems: 'center', gap: 0.75 }}>
                      <Box component="span" sx={{ width: 8, height: 8, borderRadius: '50%', bgcolor: stateDot(machine.state), flex: 'none' }} />
                      <span>{stateLabels[machine.state]}</span>
                      <span>·</span>
                      <Box component="span" sx={{ overflow: 'hidden', textOverflow: 'ellipsis', whiteSpace: 'nowrap' }}>{machine.osName ?? (machine.config.osId || 'Unknown OS')}</Box>
                    </Box>
                  }
                  slotProps={{ primary: { noWrap: true, sx: { fontWeight: 500 } }, secondary: { component: 'div' } }}
                />
              </ListItemButton>
            ))}
          </List>
          <Box sx={{ flex: 1, p: 3, overflow: 'auto' }} aria-label="Details" role="region">
            {selected ? (
              <MachineDetails machine={selected} snapshots={snapshots[selected.id]} onAction={onAction} {...(props.onShowLog ? { onShowLog: props.onShowLog } : {})} {...(props.accelerator ? { accelerator: props.accelerator } : {})} />
            ) : (
              <Typography sx={{ color: 'text.secondary' }}>Select a machine to see its details.</Typography>
            )}
          </Box>
        </Box>
      )}
    </Box>
  );
}

function stateDot(state: MachineState): string {
  const colour = stateColour(state);
  return colour === 'default' ? 'text.disabled' : `${colour}.main`;
}

function Section({ title, rows }: { title: string; rows: readonly (readonly [string, ReactNode])[] }) {
  return (
    <Paper variant="outlined" sx={{ p: 1.5 }} component="section" aria-label={title}>
      <Typography variant="overline" sx={{ color: 'text.secondary', lineHeight: 1.5 }}>
        {title}
      </Typography>
      <Box component="dl" sx={{ display: 'grid', gridTemplateColumns: 'max-content 1fr', columnGap: 2, rowGap: 0.5, m: 0, mt: 0.5 }}>
        {rows.map(([term, value]) => (
          <Box key={term} sx={{ display: 'contents' }}>
            <Typography component="dt" variant="body2" sx={{ color: 'text.secondary' }}>
              {term}
            </Typography>
            <Typography component="dd" variant="body2" sx={{ m: 0, minWidth: 0, overflowWrap: 'anywhere' }}>
              {value}
            </Typography>
          </Box>
        ))}
      </Box>
    </Paper>
  );
}

const networkModeNames = { nat: 'NAT', isolated: 'Isolated (no outside network)', none: 'Not attached' } as const;

/** The details pane's network rows: the card, then each forward, with a link for HTTP-like guest ports. */
function networkRows(network: MachineSummary['config']['network']): (readonly [string, ReactNode])[] {
  if (network.mode === 'none') return [['Network', 'Not attached (no network card)']];
  const rows: (readonly [string, ReactNode])[] = [
    ['Attached to', networkModeNames[network.mode]],
    ['Adapter', network.model === 'auto' ? 'Automatic' : network.model],
    ['MAC address', network.mac || '—'],
    ['Cable', network.connected ? 'Connected' : 'Disconnected'],
  ];
  if (network.forwards.length === 0) rows.push(['Port forwards', 'None']);
  for (const forward of network.forwards) {
    const url = forwardUrl(forward);
    // The host side is unique per machine, so it names the row.
    rows.push([
      `${forward.protocol.toUpperCase()} ${forward.hostAddress}:${forward.hostPort}`,
      <Box component="span" data-testid="details-forward" data-forward={`${forward.protocol}:${forward.hostAddress}:${forward.hostPort}`}>
        → guest port {forward.guestPort}
        {forward.name ? ` (${forward.name})` : ''}
        {url && (
          <>
            {' · '}
            <Link href={url} target="_blank" rel="noopener noreferrer">
              {url}
            </Link>
          </>
        )}
      </Box>,
    ]);
  }
  return rows;
}

const bootNames = { disk: 'Hard disk', cdrom: 'CD/DVD', floppy: 'Floppy' } as const;
const clipboardNames = { off: 'Off', 'host-to-guest': 'Host → guest', 'guest-to-host': 'Guest → host', bidirectional: 'Both directions' } as const;

function MachineDetails({ machine, snapshots, onAction, accelerator, onShowLog }: { machine: MachineSummary; snapshots: SnapshotSummary | undefined; onAction: (action: ManagerAction, id: string) => void; accelerator?: ManagerWindowProps['accelerator']; onShowLog?: (id: string) => void }) {
  const { config } = machine;
  const storage = config.drives.map((drive) => {
    const label = drive.kind === 'disk' ? 'Hard disk' : drive.kind === 'cdrom' ? 'CD/DVD' : 'Floppy';
    const value = drive.path ? (
      <span>
        {drive.path}
        {drive.sizeMiB ? ` (${drive.sizeMiB} MiB)` : ''}
        {drive.present === false && <Chip size="small" color="error" label="Missing" sx={{ ml: 1, height: 18 }} />}
      </span>
    ) : (
      <span style={{ opacity: 0.7 }}>Empty</span>
    );
    return [label, value] as const;
  });
  return (
    <Box sx={{ display: 'flex', flexDirection: 'column', gap: 2, maxWidth: 880 }}>
      <Box sx={{ display: 'flex', gap: 2, alignItems: 'flex-start' }}>
        <Box
          component={machine.thumbnail ? 'img' : 'div'}
          src={machine.thumbnail}
          alt={machine.thumbnail ? `Screen of ${config.name}` : undefined}
          sx={{ width: 240, height: 180, bgcolor: '#111', borderRadius: 1, objectFit: 'contain', flex: 'none', border: 1, borderColor: 'divider', display: 'flex', alignItems: 'center', justifyContent: 'center' }}
        >
          {machine.thumbnail ? undefined : <ComputerIcon sx={{ fontSize: 56, color: '#555' }} />}
        </Box>
        <Box sx={{ display: 'flex', flexDirection: 'column', gap: 1, minWidth: 0 }}>
          <Box sx={{ display: 'flex', alignItems: 'center', gap: 1 }}>
            <OsBadge osId={config.osId} name={machine.osName ?? config.osId} />
            <Typography variant="h5" component="h1" noWrap>
              {config.name}
            </Typography>
          </Box>
          <Box>
            <Chip size="small" label={stateLabels[machine.state]} color={stateColour(machine.state)} data-testid="details-state" />
          </Box>
          {machine.state === 'crashed' && onShowLog && (
            <Box>
              <Button size="small" variant="outlined" color="error" onClick={() => onShowLog(machine.id)}>
                Show log
              </Button>
            </Box>
          )}
          {machine.reason && (
            <Typography variant="body2" sx={{ color: 'error.main' }}>
              {machine.reason}
            </Typography>
          )}
          <Box sx={{ display: 'flex', gap: 1, mt: 1 }}>
            {machine.state === 'running' || machine.state === 'paused' ? (
              <Button variant="contained" startIcon={<OpenIcon />} onClick={() => onAction('show', machine.id)}>
                Show window
              </Button>
            ) : (
              <Button variant="contained" startIcon={<PlayIcon />} onClick={() => onAction('start', machine.id)} disabled={machine.state === 'starting' || machine.state === 'stopping'}>
                Start
              </Button>
            )}
            <Button variant="outlined" startIcon={<SettingsIcon />} onClick={() => onAction('settings', machine.id)}>
              Settings
            </Button>
          </Box>
        </Box>
      </Box>
      <Box sx={{ display: 'grid', gridTemplateColumns: 'repeat(auto-fill, minmax(320px, 1fr))', gap: 2 }}>
        <Section
          title="System"
          rows={[
            ['Operating system', machine.osName ?? config.osId],
            ['Engine', config.engine === 'v86' ? 'v86 (built in)' : `QEMU${config.forceTcg ? ' (TCG forced)' : ''}`],
            ['Accelerator', <AcceleratorRow engine={config.engine} forceTcg={config.forceTcg} {...(accelerator?.info ? { info: accelerator.info } : {})} {...(accelerator ? { onRecheck: accelerator.recheck } : {})} />],
            ['Memory', `${config.memoryMiB} MiB`],
            ['CPUs', String(config.cpus)],
            ['Boot order', config.bootOrder.map((device) => bootNames[device]).join(' → ')],
            ['Speed limit', config.speedLimitMips > 0 ? `${config.speedLimitMips} MIPS` : 'None'],
          ]}
        />
        <Section
          title="Display and devices"
          rows={[
            ['Display', { std: 'Standard VGA', cirrus: 'Cirrus', virtio: 'virtio-vga', vmware: 'VMware SVGA' }[config.displayDevice]],
            ['Scaling', { fit: 'Fit to window', native: '1:1', integer: 'Integer' }[config.scaling]],
            ['Clipboard', config.engine === 'v86' && config.clipboard !== 'off' ? 'Off (v86 has no clipboard agent)' : clipboardNames[config.clipboard]],
            ['Serial port', config.serial === 'console' ? 'Console tab' : 'Off'],
          ]}
        />
        <Section title="Storage and media" rows={storage} />
        <Section title="Network" rows={networkRows(config.network)} />
        <Section
          title="Snapshots"
          rows={[
            ['Snapshots', snapshots ? String(snapshots.count) : '—'],
            ['Current', snapshots?.currentName ?? (snapshots && snapshots.count > 0 ? 'Not from a snapshot' : 'None')],
          ]}
        />
      </Box>
    </Box>
  );
}
