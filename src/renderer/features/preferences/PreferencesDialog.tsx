/**
 * The Preferences dialog of the manager: what quitting does to running machines (and how long a
 * guest gets to shut down), the host key that releases capture, and the theme. It loads the
 * stored values when it opens (defaults when unset), previews the theme at once, and writes only
 * what changed with settings.set; API errors stay in the dialog so nothing typed is lost.
 */
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Dialog from '@mui/material/Dialog';
import DialogActions from '@mui/material/DialogActions';
import DialogContent from '@mui/material/DialogContent';
import DialogTitle from '@mui/material/DialogTitle';
import FormControl from '@mui/material/FormControl';
import FormControlLabel from '@mui/material/FormControlLabel';
import FormLabel from '@mui/material/FormLabel';
import MenuItem from '@mui/material/MenuItem';
import Radio from '@mui/material/Radio';
import RadioGroup from '@mui/material/RadioGroup';
import TextField from '@mui/material/TextField';
import { useEffect, useState } from 'react';
import type { FormEvent } from 'react';
import type { HangarClient } from '../../platform/client.js';
import type { ThemePreference } from '../../app/theme.js';
import { hostKeyChoices as hostKeyOptions } from '../vm-window/host-key.js';
import { loadPreferences, quitActionChoices, QUIT_TIMEOUT_RANGE, savePreferences, themeChoices, timeoutProblem } from './preferences-model.js';
import type { AppPreferences, QuitAction } from './preferences-model.js';

/** Props of the Preferences dialog. */
export interface PreferencesDialogProps {
  readonly open: boolean;
  readonly client: HangarClient;
  /** The theme in use when the dialog opens; Cancel goes back to it. */
  readonly theme: ThemePreference;
  /** Applies a theme at once (while choosing, and back on Cancel). */
  readonly onThemePreview: (theme: ThemePreference) => void;
  /** Called after everything changed was saved. */
  readonly onSaved?: (preferences: AppPreferences, writtenKeys: readonly string[]) => void;
  /** Closes the dialog (after Save, Cancel or Escape). */
  readonly onClose: () => void;
}

type Loaded = { readonly stored: AppPreferences; readonly draft: AppPreferences; readonly timeoutText: string };

/** The Preferences dialog. */
export function PreferencesDialog({ open, client, theme, onThemePreview, onSaved, onClose }: PreferencesDialogProps) {
  const [loaded, setLoaded] = useState<Loaded | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  const [saving, setSaving] = useState(false);
  const [themeAtOpen, setThemeAtOpen] = useState(theme);

  useEffect(() => {
    if (!open) return undefined;
    let live = true;
    setLoaded(undefined);
    setError(undefined);
    setThemeAtOpen(theme);
    void loadPreferences(client).then((result) => {
      if (!live) return;
      if (result.ok) setLoaded({ stored: result.value, draft: result.value, timeoutText: String(result.value.quitTimeoutSeconds) });
      else setError(`The preferences could not be read: ${result.error.desc} Close the dialog and try again.`);
    });
    return () => {
      live = false;
    };
    // Reload on each opening only; `theme` is captured at that moment.
  }, [open, client]);

  const change = (patch: Partial<AppPreferences>, timeoutText?: string): void =>
    setLoaded((old) => (old ? { ...old, draft: { ...old.draft, ...patch }, timeoutText: timeoutText ?? old.timeoutText } : old));

  const cancel = (): void => {
    if (saving) return;
    onThemePreview(themeAtOpen);
    onClose();
  };

  const problem = loaded ? timeoutProblem(loaded.timeoutText) : undefined;
  const save = async (event?: FormEvent): Promise<void> => {
    event?.preventDefault();
    if (!loaded || problem || saving) return;
    const after: AppPreferences = { ...loaded.draft, quitTimeoutSeconds: Number(loaded.timeoutText.trim()) };
    setSaving(true);
    setError(undefined);
    const result = await savePreferences(client, loaded.stored, after);
    setSaving(false);
    if (!result.ok) {
      setError(`The preferences were not saved: ${result.error.desc}`);
      return;
    }
    onThemePreview(after.theme);
    onSaved?.(after, result.value);
    onClose();
  };

  const draft = loaded?.draft;
  const disabled = !draft || saving;
  const hostKeys = draft && !hostKeyOptions.some(([code]) => code === draft.hostKey) ? [...hostKeyOptions, [draft.hostKey, draft.hostKey] as const] : hostKeyOptions;

  return (
    <Dialog open={open} onClose={cancel} maxWidth="sm" fullWidth aria-labelledby="preferences-title" data-testid="preferences-dialog">
      <Box component="form" onSubmit={(event: FormEvent) => void save(event)} noValidate>
        <DialogTitle id="preferences-title">Preferences</DialogTitle>
        <DialogContent sx={{ display: 'flex', flexDirection: 'column', gap: 2.5 }}>
          {error && (
            <Alert severity="error" data-testid="preferences-error">
              {error}
            </Alert>
          )}
          {!draft && !error && <Box sx={{ color: 'text.secondary' }}>Loading…</Box>}
          <FormControl component="fieldset" disabled={disabled}>
            <FormLabel component="legend" id="quit-action-label">
              When Hangar quits, running machines are
            </FormLabel>
            <RadioGroup aria-labelledby="quit-action-label" name="quit-action" value={draft?.quitAction ?? ''} onChange={(_, value) => change({ quitAction: value as QuitAction })}>
              {quitActionChoices.map(([value, label]) => (
                <FormControlLabel key={value} value={value} control={<Radio size="small" />} label={label} />
              ))}
            </RadioGroup>
            <TextField
              id="preferences-quit-timeout"
              label="Power off after (seconds)"
              size="small"
              type="number"
              sx={{ mt: 1, ml: 4, maxWidth: 340 }}
              value={loaded?.timeoutText ?? ''}
              disabled={disabled || draft?.quitAction === 'poweroff'}
              onChange={(event) => change({}, event.target.value)}
              error={problem !== undefined}
              helperText={problem ?? 'How long a guest gets to shut down by itself.'}
              slotProps={{ htmlInput: { min: QUIT_TIMEOUT_RANGE.min, max: QUIT_TIMEOUT_RANGE.max, step: 1, 'data-field': 'quitTimeoutSeconds' } }}
            />
          </FormControl>
          <TextField
            select
            id="preferences-host-key"
            label="Host key (releases keyboard and mouse capture)"
            size="small"
            value={draft?.hostKey ?? ''}
            disabled={disabled}
            onChange={(event) => change({ hostKey: event.target.value })}
            sx={{ maxWidth: 360 }}
            slotProps={{ htmlInput: { 'data-field': 'hostKey' } }}
          >
            {hostKeys.map(([code, label]) => (
              <MenuItem key={code} value={code}>
                {label}
              </MenuItem>
            ))}
          </TextField>
          <FormControl component="fieldset" disabled={disabled}>
            <FormLabel component="legend" id="theme-label">
              Theme
            </FormLabel>
            <RadioGroup
              row
              aria-labelledby="theme-label"
              name="theme"
              value={draft?.theme ?? ''}
              onChange={(_, value) => {
                change({ theme: value as ThemePreference });
                onThemePreview(value as ThemePreference);
              }}
            >
              {themeChoices.map(([value, label]) => (
                <FormControlLabel key={value} value={value} control={<Radio size="small" />} label={label} />
              ))}
            </RadioGroup>
          </FormControl>
        </DialogContent>
        <DialogActions>
          <Button onClick={cancel} disabled={saving}>
            Cancel
          </Button>
          <Button type="submit" variant="contained" disabled={disabled || problem !== undefined}>
            {saving ? 'Saving…' : 'Save'}
          </Button>
        </DialogActions>
      </Box>
    </Dialog>
  );
}
