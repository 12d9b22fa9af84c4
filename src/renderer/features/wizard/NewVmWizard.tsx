/**
 * The New-VM wizard: install media → operating system → hardware → review → create. Rules live
 * in validation.ts; this component only shows them. Creation itself (and its progress) is the
 * caller's `onCreate`, which talks to the app API.
 */
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Checkbox from '@mui/material/Checkbox';
import FormControlLabel from '@mui/material/FormControlLabel';
import LinearProgress from '@mui/material/LinearProgress';
import List from '@mui/material/List';
import ListItemButton from '@mui/material/ListItemButton';
import ListItemText from '@mui/material/ListItemText';
import MenuItem from '@mui/material/MenuItem';
import Step from '@mui/material/Step';
import StepLabel from '@mui/material/StepLabel';
import Stepper from '@mui/material/Stepper';
import TextField from '@mui/material/TextField';
import Typography from '@mui/material/Typography';
import { useMemo, useRef, useState } from 'react';
import type { DetectedOs, EngineKind, MediaItem, OsChoice } from '../../platform/models.js';
import { archLabel, isForeignArch } from '../../../shared/guest-os.js';
import { detectedChoice, detectionSummary, namesSomething, osDisplayName, osHelp } from './os-choice.js';
import { engineLimits, memoryWarning, recommendedEngine, recommendedHardware, validateHardware, wizardSteps } from './validation.js';
import type { HardwareDraft } from './validation.js';
import type { NewMachineRequest } from './create-request.js';

export type { NewMachineRequest } from './create-request.js';

/** Props of the wizard. */
export interface NewVmWizardProps {
  readonly media: readonly MediaItem[];
  readonly osChoices: readonly OsChoice[];
  readonly existingNames: readonly string[];
  readonly qemuAvailable: boolean;
  /** Creates the machine; resolves when done, rejects with a message to show. */
  readonly onCreate: (request: NewMachineRequest, progress: (fraction: number) => void) => Promise<void>;
  readonly onCancel: () => void;
  /** Detects the OS on a medium (os.detect); undefined when nothing was found. */
  readonly detectOs?: (item: MediaItem) => Promise<DetectedOs | undefined>;
  /** Adds an image file typed as a path to the media library; rejects with a message to show. */
  readonly onAddMedia?: (path: string) => Promise<MediaItem>;
  /** A native file chooser (Electron); resolves null when cancelled. */
  readonly chooseFile?: () => Promise<string | null>;
}

const NO_MEDIA = '';

/** The wizard component. */
export function NewVmWizard({ media: libraryMedia, osChoices: catalog, existingNames, qemuAvailable, onCreate, onCancel, detectOs, onAddMedia, chooseFile }: NewVmWizardProps) {
  const [step, setStep] = useState(0);
  const [added, setAdded] = useState<MediaItem[]>([]);
  const [detected, setDetected] = useState<DetectedOs | undefined>(undefined);
  const [detecting, setDetecting] = useState(false);
  const [path, setPath] = useState('');
  const [pathError, setPathError] = useState<string | undefined>(undefined);
  const media = useMemo(() => [...libraryMedia, ...added.filter((item) => !libraryMedia.some((m) => m.id === item.id))], [libraryMedia, added]);
  // The detected OS replaces its catalog entry: the medium knows its architecture and release.
  const osChoices = useMemo(() => {
    if (!detected || !namesSomething(detected)) return catalog;
    const known = catalog.find((choice) => choice.id === detected.osId);
    const choice = detectedChoice(detected, known);
    return known ? catalog.map((entry) => (entry.id === detected.osId ? choice : entry)) : [choice, ...catalog];
  }, [catalog, detected]);
  const [mediaId, setMediaId] = useState<string>(NO_MEDIA);
  const [osId, setOsId] = useState<string>('');
  const autoName = useRef('');
  const [draft, setDraft] = useState<HardwareDraft>({ name: '', engine: 'v86', ...recommendedHardware(undefined, 'v86') });
  const [startAfter, setStartAfter] = useState(true);
  const [serialConsole, setSerialConsole] = useState(false);
  const [progress, setProgress] = useState<number | undefined>(undefined);
  const [failure, setFailure] = useState<string | undefined>(undefined);

  const os = osChoices.find((choice) => choice.id === osId);
  const errors = useMemo(() => validateHardware(draft, { existingNames, qemuAvailable, osBits: os?.bits }), [draft, existingNames, qemuAvailable, os]);
  const hardwareValid = Object.keys(errors).length === 0;
  const presentMedia = media.filter((item) => item.present && item.kind !== 'disk');

  const chooseMedia = (id: string, from: readonly MediaItem[] = media): void => {
    setMediaId(id);
    setDetected(undefined);
    const item = from.find((m) => m.id === id);
    const known = item?.osId;
    if (known && osChoices.some((choice) => choice.id === known)) chooseOs(known);
    if (item && detectOs) {
      setDetecting(true);
      void detectOs(item)
        .then((found) => {
          // An unknown OS is still worth showing when the medium tells its architecture or cannot boot.
          if (!found || (!namesSomething(found) && !found.bootProblem)) return;
          setDetected(found);
          if (namesSomething(found)) chooseOs(found.osId, detectedChoice(found, catalog.find((c) => c.id === found.osId)));
        })
        .finally(() => setDetecting(false));
    }
  };

  const chooseOs = (id: string, known?: OsChoice): void => {
    setOsId(id);
    const choice = known ?? osChoices.find((c) => c.id === id);
    const { engine } = recommendedEngine(choice, qemuAvailable);
    // The name follows the OS until the user types one (the library's guess, then the detection).
    const previous = autoName.current;
    const name = choice?.name ?? '';
    autoName.current = name;
    setDraft((old) => ({ ...old, name: !old.name || old.name === previous ? name : old.name, engine, ...recommendedHardware(choice, engine) }));
  };

  const addPath = async (chosen = path): Promise<void> => {
    if (!onAddMedia || !chosen.trim()) return;
    setPathError(undefined);
    try {
      const item = await onAddMedia(chosen.trim());
      setAdded((old) => [...old, item]);
      setPath('');
      chooseMedia(item.id, [...media, item]);
    } catch (error) {
      setPathError(error instanceof Error ? error.message : String(error));
    }
  };

  const setEngine = (engine: EngineKind): void => setDraft((old) => ({ ...old, engine, ...recommendedHardware(os, engine) }));

  const numberField = (field: 'memoryMiB' | 'cpus' | 'diskMiB', label: string, unit: string) => (
    <TextField
      label={label}
      type="number"
      size="small"
      value={Number.isNaN(draft[field]) ? '' : draft[field]}
      onChange={(event) => setDraft((old) => ({ ...old, [field]: event.target.value === '' ? Number.NaN : Number(event.target.value) }))}
      error={errors[field] !== undefined}
      helperText={errors[field] ?? unit}
      slotProps={{ htmlInput: { 'data-field': field, min: 0 } }}
    />
  );

  const create = async (): Promise<void> => {
    setFailure(undefined);
    setProgress(0);
    try {
      await onCreate({ ...draft, name: draft.name.trim(), mediaId: mediaId || null, mediaPath: media.find((item) => item.id === mediaId)?.path ?? null, mediaKind: media.find((item) => item.id === mediaId)?.kind ?? null, osId: osId || null, startAfterCreate: startAfter, serialConsole }, setProgress);
    } catch (error) {
      setFailure(error instanceof Error ? error.message : String(error));
      setProgress(undefined);
    }
  };

  const canNext = step === 2 ? hardwareValid : true;
  const limits = engineLimits[draft.engine];
  const recommendation = recommendedEngine(os, qemuAvailable);
  const lowMemory = memoryWarning(draft.memoryMiB, os);

  return (
    <Box sx={{ display: 'flex', flexDirection: 'column', gap: 2, p: 2, minWidth: 520 }} role="form" aria-label="New virtual machine">
      <Stepper activeStep={step}>
        {wizardSteps.map((label) => (
          <Step key={label}>
            <StepLabel>{label}</StepLabel>
          </Step>
        ))}
      </Stepper>

      {step === 0 && (
        <Box>
          <Typography variant="subtitle1" gutterBottom>
            Choose the install medium
          </Typography>
          <List dense aria-label="Install media" sx={{ maxHeight: 260, overflow: 'auto' }}>
            <ListItemButton selected={mediaId === NO_MEDIA} onClick={() => chooseMedia(NO_MEDIA)}>
              <ListItemText primary="No install medium" secondary="Create an empty machine" />
            </ListItemButton>
            {presentMedia.map((item) => (
              <ListItemButton key={item.id} selected={mediaId === item.id} onClick={() => chooseMedia(item.id)} data-media-id={item.id}>
                <ListItemText primary={item.path.split('/').pop()} secondary={`${item.kind === 'cdrom' ? 'CD/DVD image' : 'Floppy image'} · ${item.path}`} />
              </ListItemButton>
            ))}
          </List>
          {onAddMedia && (
            <Box component="form" sx={{ display: 'flex', gap: 1, mt: 1, alignItems: 'flex-start' }} onSubmit={(event) => (event.preventDefault(), void addPath())}>
              <TextField
                size="small"
                label="Or use an image file"
                placeholder="/path/to/install.iso"
                value={path}
                onChange={(event) => setPath(event.target.value)}
                error={pathError !== undefined}
                helperText={pathError ?? 'An ISO or floppy image on this computer; it joins the media library.'}
                sx={{ flex: 1 }}
                slotProps={{ htmlInput: { 'data-field': 'media-path' }, inputLabel: { shrink: true } }}
              />
              <Button type="submit" variant="outlined" disabled={!path.trim()}>
                Use file
              </Button>
              {chooseFile && (
                <Button variant="outlined" onClick={() => void chooseFile().then((chosen) => (chosen ? addPath(chosen) : undefined)).catch((error: unknown) => setPathError(error instanceof Error ? error.message : String(error)))}>
                  Browse…
                </Button>
              )}
            </Box>
          )}
        </Box>
      )}

      {step === 1 && (detecting || (detected && namesSomething(detected))) && (
        <Alert severity={detected ? 'success' : 'info'} data-testid="detected-os">
          {detected ? detectionSummary(detected) : 'Looking at the install medium…'}
        </Alert>
      )}
      {step === 1 && detected?.bootProblem && (
        <Alert severity="warning" data-testid="boot-problem">
          {detected.bootProblem}
        </Alert>
      )}
      {step === 1 && (
        <TextField select label="Operating system" size="small" value={osId} onChange={(event) => chooseOs(event.target.value)} helperText={os ? osHelp(os) : 'Detected from the medium when possible; change it if it is wrong.'}>
          <MenuItem value="">Other / unknown</MenuItem>
          {osChoices.map((choice) => (
            <MenuItem key={choice.id} value={choice.id}>
              {choice.name}
            </MenuItem>
          ))}
        </TextField>
      )}

      {step === 2 && draft.engine === recommendation.engine && (
        <Alert severity={isForeignArch(os?.arch) ? 'warning' : 'info'} data-testid="engine-reason">
          {recommendation.reason}
        </Alert>
      )}
      {(step === 2 || step === 3) && lowMemory && (
        <Alert severity="warning" data-testid="memory-warning">
          {lowMemory}
        </Alert>
      )}
      {step === 2 && (
        <Box sx={{ display: 'grid', gridTemplateColumns: '1fr 1fr', gap: 2 }}>
          <TextField
            label="Name"
            size="small"
            value={draft.name}
            onChange={(event) => setDraft((old) => ({ ...old, name: event.target.value }))}
            error={errors.name !== undefined}
            helperText={errors.name ?? ' '}
            slotProps={{ htmlInput: { 'data-field': 'name' } }}
            sx={{ gridColumn: '1 / -1' }}
          />
          <TextField
            select
            label="Engine"
            size="small"
            value={draft.engine}
            onChange={(event) => setEngine(event.target.value as EngineKind)}
            error={errors.engine !== undefined}
            helperText={errors.engine ?? (draft.engine === 'v86' ? 'Built in; 16- and 32-bit guests' : 'Faster (KVM when available); 32- and 64-bit guests')}
            slotProps={{ htmlInput: { 'data-field': 'engine' } }}
          >
            <MenuItem value="v86">v86</MenuItem>
            <MenuItem value="qemu" disabled={!qemuAvailable}>
              QEMU{qemuAvailable ? '' : ' (not installed)'}
            </MenuItem>
          </TextField>
          {numberField('cpus', 'CPUs', `${limits.cpus.min}–${limits.cpus.max}`)}
          {numberField('memoryMiB', 'Memory (MiB)', `${limits.memoryMiB.min}–${limits.memoryMiB.max} MiB`)}
          {numberField('diskMiB', 'Disk (MiB)', '0 creates no disk')}
        </Box>
      )}

      {step === 3 && (
        <Box component="dl" aria-label="Review" sx={{ display: 'grid', gridTemplateColumns: 'max-content 1fr', columnGap: 2, rowGap: 0.5, m: 0 }}>
          {[
            ['Name', draft.name.trim()],
            ['Operating system', os ? osDisplayName(os) : 'Other / unknown'],
            ...(os?.arch ? [['Architecture', archLabel(os.arch)]] : []),
            ['Install medium', media.find((item) => item.id === mediaId)?.path ?? 'None'],
            ['Engine', draft.engine === 'v86' ? 'v86' : 'QEMU'],
            ['Memory', `${draft.memoryMiB} MiB`],
            ['CPUs', String(draft.cpus)],
            ['Disk', draft.diskMiB === 0 ? 'None' : `${draft.diskMiB} MiB (new, grows as used)`],
            ['Network', 'NAT (port forwards in Settings → Network)'],
          ].map(([term, value]) => (
            <Box key={term} sx={{ display: 'contents' }}>
              <Typography component="dt" sx={{ color: 'text.secondary' }}>
                {term}
              </Typography>
              <Typography component="dd" sx={{ m: 0 }} data-review={term}>
                {value}
              </Typography>
            </Box>
          ))}
          <FormControlLabel
            sx={{ gridColumn: '1 / -1' }}
            control={<Checkbox checked={serialConsole} onChange={(event) => setSerialConsole(event.target.checked)} />}
            label="Serial console: show the guest's COM1 in a tab of the machine window"
          />
          <FormControlLabel sx={{ gridColumn: '1 / -1' }} control={<Checkbox checked={startAfter} onChange={(event) => setStartAfter(event.target.checked)} />} label="Start the machine after creating it" />
        </Box>
      )}

      {progress !== undefined && <LinearProgress variant="determinate" value={Math.round(progress * 100)} aria-label="Creating the machine" />}
      {failure && <Alert severity="error">{failure}</Alert>}

      <Box sx={{ display: 'flex', justifyContent: 'flex-end', gap: 1 }}>
        <Button onClick={onCancel}>Cancel</Button>
        <Button disabled={step === 0 || progress !== undefined} onClick={() => setStep(step - 1)}>
          Back
        </Button>
        {step < wizardSteps.length - 1 ? (
          <Button variant="contained" disabled={!canNext} onClick={() => setStep(step + 1)}>
            Next
          </Button>
        ) : (
          <Button variant="contained" disabled={!hardwareValid || progress !== undefined} onClick={() => void create()}>
            Create
          </Button>
        )}
      </Box>
    </Box>
  );
}
