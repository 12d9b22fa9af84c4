/**
 * The per-machine settings editor: General, System, Display, Storage, Network, Shared folders,
 * Serial and Clipboard pages. Shows validation next to fields and, for a running machine, which changes take effect
 * only after a power cycle.
 */
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Checkbox from '@mui/material/Checkbox';
import FormControlLabel from '@mui/material/FormControlLabel';
import MenuItem from '@mui/material/MenuItem';
import Tab from '@mui/material/Tab';
import Tabs from '@mui/material/Tabs';
import TextField from '@mui/material/TextField';
import Typography from '@mui/material/Typography';
import { useEffect, useMemo, useState } from 'react';
import type { BootDevice, DriveConfig, MachineConfig, MediaItem, NetworkStatus, OsChoice } from '../../platform/models.js';
import { NetworkTab } from './NetworkTab.js';
import { HardDisks } from './StorageTab.js';
import type { DiskStorageApi } from './storage-model.js';
import { ClipboardTab } from './ClipboardTab.js';
import { SharedFoldersTab } from './SharedFoldersTab.js';
import { sharesSaveProblem, type SharesStatus } from './shared-folders-model.js';
import { changedSettings, engineWarning, validateSettings } from './settings-model.js';

/** Props of the settings editor. */
export interface SettingsEditorProps {
  readonly config: MachineConfig;
  readonly running: boolean;
  readonly otherNames: readonly string[];
  readonly qemuAvailable: boolean;
  /** Saves; may answer the refusal's sentence (a shared-folder one is shown on that page, next to the share). */
  readonly onSave: (config: MachineConfig) => void | Promise<string | undefined>;
  readonly onCancel: () => void;
  /** The media library, offered for the CD and floppy drives. */
  readonly media?: readonly MediaItem[];
  /** A native file chooser (Electron); without one, the storage page takes a typed path. */
  readonly chooseFile?: (kind: 'cdrom' | 'floppy') => Promise<string | null>;
  /** The page to open first (e.g. "Serial" from the serial console tab). */
  readonly initialPage?: SettingsPage;
  /** The running engine's network (`vm.network`): each forward's state on the Network page. */
  readonly loadNetwork?: () => Promise<NetworkStatus | undefined>;
  /** The machine's shares as `vm.shares` reports them (tags, mount command, served or not while running). */
  readonly loadShares?: () => Promise<SharesStatus | undefined>;
  /** The machine's `disks.*` calls: with them the Storage page adds, attaches, grows, converts and removes the hard disk. */
  readonly storage?: DiskStorageApi;
  /** The machine's OS (os.list's entry for its osId): a 64-bit one on v86 is warned about. */
  readonly os?: OsChoice;
}

/** The editor's pages. */
export type SettingsPage = (typeof pages)[number];

const pages = ['General', 'System', 'Display', 'Storage', 'Network', 'Shared folders', 'Serial', 'Clipboard'] as const;
const bootLabels: Record<BootDevice, string> = { disk: 'Hard disk', cdrom: 'CD/DVD', floppy: 'Floppy' };
const fieldLabels: Partial<Record<keyof MachineConfig, string>> = {
  name: 'Name', engine: 'Engine', memoryMiB: 'Memory', cpus: 'CPUs', bootOrder: 'Boot order', forceTcg: 'Force TCG',
  speedLimitMips: 'Speed limit', displayDevice: 'Display device', scaling: 'Scaling', drives: 'Storage', serial: 'Serial port', clipboard: 'Clipboard', osId: 'Operating system', network: 'Network card', shares: 'Shared folders',
};

/** The settings editor component. */
export function SettingsEditor({ config, running, otherNames, qemuAvailable, onSave, onCancel, media = [], chooseFile, initialPage, loadNetwork, loadShares, storage, os }: SettingsEditorProps) {
  const [page, setPage] = useState(initialPage ? Math.max(0, pages.indexOf(initialPage)) : 0);
  const shown = pages[page];
  const [networkStatus, setNetworkStatus] = useState<NetworkStatus | undefined>(undefined);
  useEffect(() => {
    if (!running || !loadNetwork || shown !== 'Network') return undefined;
    let live = true;
    void loadNetwork().then((status) => live && setNetworkStatus(status));
    return () => {
      live = false;
    };
  }, [running, loadNetwork, shown]);
  const [sharesStatus, setSharesStatus] = useState<SharesStatus | undefined>(undefined);
  useEffect(() => {
    if (!loadShares || shown !== 'Shared folders') return undefined;
    let live = true;
    void loadShares().then((status) => live && setSharesStatus(status));
    return () => {
      live = false;
    };
  }, [loadShares, shown]);
  const [draft, setDraft] = useState<MachineConfig>(config);
  const [saveError, setSaveError] = useState<string | undefined>(undefined);
  const errors = useMemo(() => validateSettings(draft, otherNames, qemuAvailable), [draft, otherNames, qemuAvailable]);
  const sharesError = errors.shares ?? sharesSaveProblem(saveError);
  const changes = useMemo(() => changedSettings(config, draft), [config, draft]);
  const restartNeeded = running ? changes.filter((change) => change.needsPowerCycle) : [];
  const valid = Object.keys(errors).length === 0;
  const engineProblem = errors.engine ? undefined : engineWarning(draft.engine, os, qemuAvailable);
  const update = <K extends keyof MachineConfig>(field: K, value: MachineConfig[K]): void => setDraft((old) => ({ ...old, [field]: value }));
  const fieldProps = (field: keyof MachineConfig) => ({
    size: 'small' as const,
    error: errors[field] !== undefined,
    helperText: errors[field] ?? ' ',
    slotProps: { htmlInput: { 'data-field': field } },
  });
  const numeric = (value: string): number => (value === '' ? Number.NaN : Number(value));

  return (
    <Box sx={{ display: 'flex', flexDirection: 'column', height: '100%', minWidth: 640 }} role="form" aria-label={`Settings of ${config.name}`}>
      <Box sx={{ display: 'flex', flex: 1, minHeight: 320 }}>
        <Tabs orientation="vertical" value={page} onChange={(_, value: number) => setPage(value)} aria-label="Settings pages" sx={{ borderRight: 1, borderColor: 'divider', minWidth: 140 }}>
          {pages.map((label) => (
            <Tab key={label} label={label} id={`settings-tab-${label}`} aria-controls={`settings-page-${label}`} />
          ))}
        </Tabs>
        <Box role="tabpanel" id={`settings-page-${pages[page]}`} aria-labelledby={`settings-tab-${pages[page]}`} sx={{ flex: 1, minWidth: 0, p: 2, display: 'flex', flexDirection: 'column', gap: 1 }}>
          {shown === 'General' && <TextField label="Name" value={draft.name} onChange={(e) => update('name', e.target.value)} {...fieldProps('name')} />}
          {shown === 'System' && (
            <>
              <TextField select label="Engine" value={draft.engine} onChange={(e) => update('engine', e.target.value as MachineConfig['engine'])} {...fieldProps('engine')}>
                <MenuItem value="v86">v86</MenuItem>
                <MenuItem value="qemu">QEMU</MenuItem>
              </TextField>
              {engineProblem && (
                <Alert severity="warning" data-testid="engine-warning" sx={{ mt: -1 }}>
                  {engineProblem}
                </Alert>
              )}
              <TextField label="Memory (MiB)" type="number" value={Number.isNaN(draft.memoryMiB) ? '' : draft.memoryMiB} onChange={(e) => update('memoryMiB', numeric(e.target.value))} {...fieldProps('memoryMiB')} />
              <TextField label="CPUs" type="number" value={Number.isNaN(draft.cpus) ? '' : draft.cpus} onChange={(e) => update('cpus', numeric(e.target.value))} {...fieldProps('cpus')} />
              <TextField
                select
                label="Boot order"
                value={[...draft.bootOrder]}
                onChange={(e) => update('bootOrder', (typeof e.target.value === 'string' ? e.target.value.split(',') : (e.target.value as string[])) as BootDevice[])}
                {...fieldProps('bootOrder')}
                slotProps={{ htmlInput: { 'data-field': 'bootOrder' }, select: { multiple: true, renderValue: (value) => (value as BootDevice[]).map((d) => bootLabels[d]).join(' → ') } }}
              >
                {(Object.keys(bootLabels) as BootDevice[]).map((device) => (
                  <MenuItem key={device} value={device}>
                    {bootLabels[device]}
                  </MenuItem>
                ))}
              </TextField>
              <FormControlLabel control={<Checkbox checked={draft.forceTcg} onChange={(e) => update('forceTcg', e.target.checked)} disabled={draft.engine !== 'qemu'} />} label="Force TCG (no KVM)" />
              {errors.forceTcg && <Typography sx={{ color: 'error.main' }} variant="caption">{errors.forceTcg}</Typography>}
              <TextField label="Speed limit (MIPS, 0 = unlimited)" type="number" value={Number.isNaN(draft.speedLimitMips) ? '' : draft.speedLimitMips} onChange={(e) => update('speedLimitMips', numeric(e.target.value))} {...fieldProps('speedLimitMips')} />
            </>
          )}
          {shown === 'Display' && (
            <>
              <TextField select label="Display device" value={draft.displayDevice} onChange={(e) => update('displayDevice', e.target.value as MachineConfig['displayDevice'])} {...fieldProps('displayDevice')}>
                <MenuItem value="std">Standard VGA</MenuItem>
                <MenuItem value="cirrus">Cirrus</MenuItem>
                <MenuItem value="virtio">virtio-vga</MenuItem>
                <MenuItem value="vmware">VMware SVGA</MenuItem>
              </TextField>
              <TextField select label="Default scaling" value={draft.scaling} onChange={(e) => update('scaling', e.target.value as MachineConfig['scaling'])} {...fieldProps('scaling')}>
                <MenuItem value="fit">Fit to window</MenuItem>
                <MenuItem value="native">1:1</MenuItem>
                <MenuItem value="integer">Integer scaling</MenuItem>
              </TextField>
            </>
          )}
          {shown === 'Storage' && (
            <Box aria-label="Drives" role="list" data-testid="storage-page" sx={{ display: 'flex', flexDirection: 'column', gap: 1, minWidth: 0 }}>
              {storage && <HardDisks storage={storage} engine={config.engine} running={running} />}
              {draft.drives.filter((drive) => !(storage && drive.kind === 'disk')).map((drive) =>
                drive.kind === 'disk' ? (
                  <Box key={drive.id} role="listitem" sx={{ display: 'flex', gap: 1, alignItems: 'baseline', py: 0.5 }}>
                    <Typography sx={{ minWidth: 90, fontWeight: 500 }}>Hard disk</Typography>
                    <Typography sx={{ color: 'text.secondary', flex: 1, minWidth: 0 }} noWrap title={drive.path}>
                      {drive.path ?? 'Empty'}
                      {drive.sizeMiB ? ` · ${drive.sizeMiB} MiB` : ''}
                    </Typography>
                  </Box>
                ) : (
                  <RemovableDrive
                    key={drive.id}
                    drive={drive}
                    media={media}
                    running={running}
                    {...(chooseFile ? { chooseFile } : {})}
                    onChange={(path) => update('drives', draft.drives.map((d) => (d.id !== drive.id ? d : path ? { id: d.id, kind: d.kind, path, present: true } : { id: d.id, kind: d.kind })))}
                  />
                ),
              )}
              {errors.drives && <Alert severity="error">{errors.drives}</Alert>}
            </Box>
          )}
          {shown === 'Network' && (
            <NetworkTab
              network={draft.network}
              saved={config.network}
              engine={draft.engine}
              running={running}
              {...(networkStatus ? { status: networkStatus } : {})}
              {...(errors.network ? { error: errors.network } : {})}
              onChange={(network) => update('network', network)}
            />
          )}
          {shown === 'Shared folders' && (
            <SharedFoldersTab
              shares={draft.shares}
              engine={draft.engine}
              osId={draft.osId}
              running={running}
              {...(sharesStatus ? { status: sharesStatus } : {})}
              {...(sharesError !== undefined ? { error: sharesError } : {})}
              onChange={(shares) => update('shares', shares)}
            />
          )}
          {shown === 'Serial' && (
            <TextField select label="Serial port" value={draft.serial} onChange={(e) => update('serial', e.target.value as MachineConfig['serial'])} {...fieldProps('serial')}>
              <MenuItem value="off">Off</MenuItem>
              <MenuItem value="console">Console tab and serial log</MenuItem>
            </TextField>
          )}
          {shown === 'Clipboard' && <ClipboardTab engine={draft.engine} value={draft.clipboard} onChange={(mode) => update('clipboard', mode)} />}
        </Box>
      </Box>
      {restartNeeded.length > 0 && (
        <Alert severity="info" data-testid="power-cycle-notice">
          The machine is running. These changes take effect after it is powered off and started again: {restartNeeded.map((c) => fieldLabels[c.field] ?? c.field).join(', ')}.
        </Alert>
      )}
      {!valid && (
        <Alert severity="warning" data-testid="settings-errors">
          Fix the marked fields to save: {Object.keys(errors).map((f) => fieldLabels[f as keyof MachineConfig] ?? f).join(', ')}.
        </Alert>
      )}
      <Box sx={{ display: 'flex', justifyContent: 'flex-end', gap: 1, p: 1 }}>
        <Button onClick={onCancel}>Cancel</Button>
        <Button variant="contained" disabled={!valid || changes.length === 0} onClick={() => void Promise.resolve(onSave(draft)).then((refused) => setSaveError(typeof refused === 'string' ? refused : undefined))}>
          Save
        </Button>
      </Box>
    </Box>
  );
}

const fileName = (path: string): string => path.split(/[/\\]/u).pop() ?? path;

/** A CD or floppy drive on the storage page: library media, a typed path or the file chooser, and eject. */
function RemovableDrive({ drive, media, running, chooseFile, onChange }: { drive: DriveConfig; media: readonly MediaItem[]; running: boolean; chooseFile?: (kind: 'cdrom' | 'floppy') => Promise<string | null>; onChange: (path: string | null) => void }) {
  const [path, setPath] = useState('');
  const [problem, setProblem] = useState<string | undefined>(undefined);
  const slot = drive.id;
  const label = drive.kind === 'cdrom' ? 'CD/DVD' : 'Floppy';
  const choices = media.filter((item) => item.present && (drive.kind === 'cdrom' ? item.kind === 'cdrom' : item.kind !== 'cdrom'));
  const current = drive.path ?? '';
  const known = current === '' || choices.some((item) => item.path === current);
  const use = (chosen: string): void => {
    if (!chosen.trim()) return;
    onChange(chosen.trim());
    setPath('');
  };
  return (
    <Box role="listitem" aria-label={`${label} drive`} sx={{ display: 'flex', flexDirection: 'column', gap: 1, py: 0.5 }} data-drive={slot}>
      <Box sx={{ display: 'flex', gap: 1, alignItems: 'center' }}>
        <Typography sx={{ minWidth: 90, fontWeight: 500 }}>{label}</Typography>
        <TextField
          select
          size="small"
          label="Medium"
          value={current}
          onChange={(event) => onChange(event.target.value || null)}
          sx={{ flex: 1, minWidth: 0 }}
          slotProps={{ htmlInput: { 'data-field': `${slot}-media` }, select: { displayEmpty: true }, inputLabel: { shrink: true } }}
          helperText={drive.present === false ? 'The file is missing; choose another or empty the drive.' : running ? 'Changes at once in the running machine when you save.' : 'Used the next time the machine starts.'}
          error={drive.present === false}
        >
          <MenuItem value="">Empty</MenuItem>
          {!known && <MenuItem value={current}>{fileName(current)}</MenuItem>}
          {choices.map((item) => (
            <MenuItem key={item.id} value={item.path}>
              {fileName(item.path)}
              {item.osName ? ` · ${item.osName}` : ''}
            </MenuItem>
          ))}
        </TextField>
        <Button size="small" disabled={!current} onClick={() => onChange(null)} sx={{ alignSelf: 'flex-start', mt: 0.5 }}>
          Eject
        </Button>
      </Box>
      <Box component="form" sx={{ display: 'flex', gap: 1, alignItems: 'flex-start', pl: '98px' }} onSubmit={(event) => (event.preventDefault(), use(path))}>
        <TextField
          size="small"
          label={`Or a ${drive.kind === 'cdrom' ? 'CD/DVD' : 'floppy'} image file`}
          placeholder={drive.kind === 'cdrom' ? '/path/to/disc.iso' : '/path/to/floppy.img'}
          value={path}
          onChange={(event) => setPath(event.target.value)}
          sx={{ flex: 1 }}
          error={problem !== undefined}
          {...(problem ? { helperText: problem } : {})}
          slotProps={{ htmlInput: { 'data-field': `${slot}-path` }, inputLabel: { shrink: true } }}
        />
        <Button type="submit" variant="outlined" disabled={!path.trim()}>
          Use file
        </Button>
        {chooseFile && (
          <Button
            variant="outlined"
            onClick={() => {
              setProblem(undefined);
              void chooseFile(drive.kind === 'cdrom' ? 'cdrom' : 'floppy')
                .then((chosen) => chosen && use(chosen))
                .catch((error: unknown) => setProblem(error instanceof Error ? error.message : String(error)));
            }}
          >
            Browse…
          </Button>
        )}
      </Box>
    </Box>
  );
}
