/**
 * The settings editor's Shared folders page: the machine's shares (mount tag, access, and on a
 * running machine whether the engine serves each or why not), a form that adds one (host path,
 * name, read-only) with its checks next to the fields, and the guest command that mounts the
 * first share with a copy button, with a note per guest family and the v86 limit on several
 * shares. Changes go to the draft (`onChange`); the folders themselves are checked when saved.
 */
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Checkbox from '@mui/material/Checkbox';
import Chip from '@mui/material/Chip';
import FormControlLabel from '@mui/material/FormControlLabel';
import Table from '@mui/material/Table';
import TableBody from '@mui/material/TableBody';
import TableCell from '@mui/material/TableCell';
import TableHead from '@mui/material/TableHead';
import TableRow from '@mui/material/TableRow';
import TextField from '@mui/material/TextField';
import Typography from '@mui/material/Typography';
import { useState } from 'react';
import { defaultShareName, firstShareTag, type ShareSetting } from '../../../shared/share-settings.js';
import type { EngineKind } from '../../platform/models.js';
import { addShareProblem, draftShare, engineShareNote, mountHints, shareErrorPlace, shareRows, type ShareDraft, type SharesStatus } from './shared-folders-model.js';

/** Props of the Shared folders page. */
export interface SharedFoldersTabProps {
  readonly shares: readonly ShareSetting[];
  readonly engine: EngineKind;
  /** The machine's osinfo id: its guest family's hint comes first. */
  readonly osId: string;
  readonly running: boolean;
  /** The running engine's view (`vm.shares`), when loaded. */
  readonly status?: SharesStatus;
  /** The problem with the shares (the draft's, or the last save's: a folder that does not exist, …); shown in the row of the share it names. */
  readonly error?: string;
  readonly onChange: (shares: ShareSetting[]) => void;
  /** Puts text on the host clipboard (default navigator.clipboard). */
  readonly writeClipboard?: (text: string) => Promise<void>;
}

const emptyDraft: ShareDraft = { hostPath: '', name: '', readOnly: false };

/** The Shared folders page. */
export function SharedFoldersTab({ shares, engine, osId, running, status, error, onChange, writeClipboard }: SharedFoldersTabProps) {
  const [draft, setDraft] = useState<ShareDraft>(emptyDraft);
  const [touched, setTouched] = useState(false);
  const [copied, setCopied] = useState<string | undefined>();
  const rows = shareRows(shares, running ? status : undefined);
  const problem = addShareProblem(shares, draft);
  const note = engineShareNote(engine, shares, status);
  const errorPlace = error === undefined ? 'hidden' : shareErrorPlace(error, shares);
  // Commands only for shares the guest can mount now (a running engine's, or all while stopped).
  const further = rows.slice(1).filter((row) => row.state === undefined || row.state === 'active');
  const copy = (text: string): void => {
    const write = writeClipboard ?? ((value: string) => navigator.clipboard.writeText(value));
    write(text).then(
      () => setCopied(text),
      () => setCopied(undefined),
    );
  };
  const add = (): void => {
    setTouched(true);
    if (problem !== undefined) return;
    onChange([...shares, draftShare(draft)]);
    setDraft(emptyDraft);
    setTouched(false);
  };

  return (
    <Box sx={{ display: 'flex', flexDirection: 'column', gap: 1 }} data-testid="shared-folders-page">
      <Typography variant="body2" sx={{ color: 'text.secondary' }}>
        Folders of this computer the guest can mount (9P over virtio). The first one has the mount tag <code>{firstShareTag}</code> on every engine; the guest cannot reach anything outside a shared folder.
      </Typography>
      {rows.length === 0 ? (
        <Typography variant="body2" data-testid="no-shares">
          No shared folders yet.
        </Typography>
      ) : (
        <Table size="small" aria-label="Shared folders">
          <TableHead>
            <TableRow>
              <TableCell>Name</TableCell>
              <TableCell>Tag</TableCell>
              <TableCell>Host folder</TableCell>
              <TableCell sx={{ whiteSpace: 'nowrap' }}>Read-only</TableCell>
              {running && <TableCell sx={{ whiteSpace: 'nowrap' }}>In the guest</TableCell>}
              <TableCell />
            </TableRow>
          </TableHead>
          <TableBody>
            {rows.map((row, index) => (
              <TableRow key={row.name} data-share={row.name}>
                <TableCell>{row.name}</TableCell>
                <TableCell>
                  <code>{row.tag}</code>
                </TableCell>
                <TableCell sx={{ overflowWrap: 'anywhere', minWidth: 160 }}>
                  {row.hostPath}
                  {typeof errorPlace === 'object' && errorPlace.row === row.name && (
                    <Typography variant="caption" component="div" role="alert" sx={{ color: 'error.main' }} data-share-problem={row.name}>
                      {error}
                    </Typography>
                  )}
                </TableCell>
                <TableCell>
                  <Checkbox
                    size="small"
                    checked={row.readOnly}
                    onChange={(event) => onChange(shares.map((share, at) => (at === index ? { ...share, readOnly: event.target.checked } : share)))}
                    slotProps={{ input: { 'aria-label': `${row.name} is read-only` } }}
                  />
                </TableCell>
                {running && (
                  <TableCell sx={{ maxWidth: 220 }}>
                    {row.state === 'active' && <Chip size="small" color="success" label="served" />}
                    {row.state === 'failed' && <Chip size="small" color="error" label="not served" title={row.error} />}
                    {row.state === 'next start' && <Chip size="small" label="from the next start" />}
                    {/* The page's engine note says it already (v86 and several shares): not twice. */}
                    {row.error !== undefined && row.error !== note && (
                      <Typography variant="caption" component="div" sx={{ color: 'error.main' }} data-share-error={row.name}>
                        {row.error}
                      </Typography>
                    )}
                  </TableCell>
                )}
                <TableCell align="right">
                  <Button size="small" onClick={() => onChange(shares.filter((_, at) => at !== index))} aria-label={`Remove ${row.name}`}>
                    Remove
                  </Button>
                </TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      )}
      {note !== undefined && (
        <Alert severity="info" data-testid="engine-share-note">
          {note}
        </Alert>
      )}
      {running && (
        <Typography variant="body2" sx={{ color: 'text.secondary' }}>
          The machine is running: changes to shared folders apply after it is powered off and started again.
        </Typography>
      )}
      {errorPlace === 'page' && <Alert severity="error">{error}</Alert>}

      <Typography variant="subtitle2" sx={{ mt: 1 }}>
        Add a shared folder
      </Typography>
      <Box sx={{ display: 'flex', gap: 1, alignItems: 'flex-start', flexWrap: 'wrap' }}>
        <TextField
          size="small"
          label="Folder on this computer"
          placeholder="/home/you/projects"
          value={draft.hostPath}
          onChange={(event) => setDraft({ ...draft, hostPath: event.target.value })}
          onKeyDown={(event) => {
            if (event.key === 'Enter') add();
          }}
          error={touched && problem !== undefined}
          helperText={touched && problem !== undefined ? problem : 'The full path; it must exist and be readable.'}
          sx={{ flex: '1 1 320px' }}
          slotProps={{ htmlInput: { 'data-field': 'share-path', spellCheck: false }, inputLabel: { shrink: true } }}
        />
        <TextField
          size="small"
          label="Name"
          placeholder={draft.hostPath.trim() ? defaultShareName(draft.hostPath.trim()) : 'from the folder'}
          value={draft.name}
          onChange={(event) => setDraft({ ...draft, name: event.target.value })}
          helperText="Letters, digits, . _ -"
          sx={{ width: 180 }}
          slotProps={{ htmlInput: { 'data-field': 'share-name', spellCheck: false, maxLength: 31 }, inputLabel: { shrink: true } }}
        />
        <FormControlLabel control={<Checkbox checked={draft.readOnly} onChange={(event) => setDraft({ ...draft, readOnly: event.target.checked })} />} label="Read-only" sx={{ mt: 0.25 }} />
        <Button variant="outlined" onClick={add} sx={{ mt: 0.25 }}>
          Add
        </Button>
      </Box>

      {rows.length > 0 && (
        <Box sx={{ display: 'flex', flexDirection: 'column', gap: 0.5, mt: 1 }} data-testid="mount-hints">
          <Typography variant="subtitle2">In the guest</Typography>
          {mountHints(osId).map((hint) => (
            <Box key={hint.family} data-hint={hint.family}>
              <Typography variant="body2">
                <strong>{hint.title}:</strong> {hint.text}
              </Typography>
              {hint.command !== undefined && (
                <Box sx={{ display: 'flex', gap: 1, alignItems: 'center' }}>
                  <Box component="code" data-testid="mount-command" sx={{ px: 1, py: 0.5, bgcolor: 'action.hover', borderRadius: 1, fontSize: '0.85rem', userSelect: 'all' }}>
                    {hint.command}
                  </Box>
                  <Button size="small" onClick={() => copy(hint.command as string)} data-testid="copy-mount-command">
                    {copied === hint.command ? 'Copied' : 'Copy command'}
                  </Button>
                </Box>
              )}
            </Box>
          ))}
          {/* v86 serves only the first share: commands for the others would not work there. */}
          {further.length > 0 && engine === 'qemu' && (
            <Typography variant="body2" sx={{ color: 'text.secondary' }} data-testid="further-mount-commands">
              Further shares: {further.map((row) => <code key={row.name}>{row.mountCommand} </code>)}
            </Typography>
          )}
        </Box>
      )}
    </Box>
  );
}
