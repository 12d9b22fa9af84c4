/**
 * A machine's port forwards as a table with add, edit and remove, and the form that adds or
 * edits one with its checks next to the fields (ports 1–65535, a host port forwarded once) and
 * its advice (privileged ports, addresses other computers can reach). Used by the settings
 * editor's Network page (changes the draft) and the VM window's port forwarding dialog (changes
 * the running machine at once). A forward the engine reports failed shows its reason.
 */
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Chip from '@mui/material/Chip';
import Link from '@mui/material/Link';
import MenuItem from '@mui/material/MenuItem';
import Table from '@mui/material/Table';
import TableBody from '@mui/material/TableBody';
import TableCell from '@mui/material/TableCell';
import TableHead from '@mui/material/TableHead';
import TableRow from '@mui/material/TableRow';
import TextField from '@mui/material/TextField';
import Typography from '@mui/material/Typography';
import { useState } from 'react';
import type { ForwardState, PortForward } from '../../platform/models.js';
import { describeForward, forwardNotes, forwardProblems, forwardUrl } from './network-model.js';
import type { ForwardField } from './network-model.js';

/** A row of the table: a forward, with its state in the running engine when known. */
export type ForwardRow = PortForward & Partial<Pick<ForwardState, 'status' | 'error'>>;

/** Props of the forwards table. */
export interface ForwardsTableProps {
  readonly forwards: readonly ForwardRow[];
  readonly onAdd: (forward: PortForward) => void;
  readonly onReplace: (index: number, forward: PortForward) => void;
  readonly onRemove: (index: number) => void;
  /** While a change is on its way (the dialog waits for the engine). */
  readonly busy?: boolean;
  readonly disabled?: boolean;
}

interface FormState {
  readonly protocol: 'tcp' | 'udp';
  readonly hostAddress: string;
  readonly hostPort: string;
  readonly guestPort: string;
  readonly name: string;
}

const emptyForm: FormState = { protocol: 'tcp', hostAddress: '127.0.0.1', hostPort: '', guestPort: '', name: '' };
const toNumber = (value: string): number => (value.trim() === '' ? Number.NaN : Number(value));

function toForward(form: FormState): PortForward {
  const name = form.name.trim();
  return { protocol: form.protocol, hostAddress: form.hostAddress.trim(), hostPort: toNumber(form.hostPort), guestPort: toNumber(form.guestPort), ...(name ? { name } : {}) };
}

function toForm(forward: PortForward): FormState {
  return { protocol: forward.protocol, hostAddress: forward.hostAddress, hostPort: String(forward.hostPort), guestPort: String(forward.guestPort), name: forward.name ?? '' };
}

/** The key a row is found by in tests and screen readers: `tcp:127.0.0.1:8080`. */
export const forwardKey = (forward: PortForward): string => `${forward.protocol}:${forward.hostAddress}:${forward.hostPort}`;

function StatusCell({ row }: { row: ForwardRow }) {
  if (!row.status) return null;
  if (row.status === 'failed') {
    return (
      <Box>
        <Chip size="small" color="error" label="Failed" />
        {row.error && (
          <Typography variant="caption" component="div" sx={{ color: 'error.main', maxWidth: 260 }} data-testid="forward-error">
            {row.error}
          </Typography>
        )}
      </Box>
    );
  }
  return <Chip size="small" color={row.status === 'active' ? 'success' : 'default'} label={row.status === 'active' ? 'Active' : 'Not applied yet'} />;
}

/** The forwards table and its add / edit form. */
export function ForwardsTable({ forwards, onAdd, onReplace, onRemove, busy = false, disabled = false }: ForwardsTableProps) {
  const [form, setForm] = useState<FormState>(emptyForm);
  const [editing, setEditing] = useState<number | undefined>(undefined);
  const [touched, setTouched] = useState(false);
  const forward = toForward(form);
  const others = forwards.filter((_, index) => index !== editing);
  const problems = forwardProblems(forward, others);
  const notes = form.hostPort.trim() || form.hostAddress !== emptyForm.hostAddress ? forwardNotes(forward) : [];
  const valid = Object.keys(problems).length === 0;
  // A field's problem shows once it has text, or after an attempt to add.
  const shown = (name: ForwardField): string | undefined => (touched || form[name].trim() !== '' ? problems[name] : undefined);
  const set = (field: keyof FormState, value: string): void => setForm((old) => ({ ...old, [field]: value }));
  const reset = (): void => {
    setForm(emptyForm);
    setEditing(undefined);
    setTouched(false);
  };
  const submit = (): void => {
    setTouched(true);
    if (!valid || busy || disabled) return;
    if (editing === undefined) onAdd(forward);
    else onReplace(editing, forward);
    reset();
  };
  const field = (name: ForwardField, label: string, width: number, extra: object = {}) => (
    <TextField
      size="small"
      label={label}
      value={form[name]}
      onChange={(event) => set(name, event.target.value)}
      error={shown(name) !== undefined}
      helperText={shown(name) ?? ' '}
      disabled={disabled}
      sx={{ width }}
      slotProps={{ htmlInput: { 'data-field': `forward-${name}`, ...extra }, formHelperText: { sx: { mx: 0 } } }}
    />
  );

  return (
    <Box sx={{ display: 'flex', flexDirection: 'column', gap: 1 }}>
      {forwards.length === 0 ? (
        <Typography variant="body2" sx={{ color: 'text.secondary' }} data-testid="no-forwards">
          No port forwards. Add one to reach a service in the guest (a web server, ssh) from this computer.
        </Typography>
      ) : (
        <Table size="small" aria-label="Port forwards" sx={{ '& th': { whiteSpace: 'nowrap' } }}>
          <TableHead>
            <TableRow>
              <TableCell>Protocol</TableCell>
              <TableCell>Host address</TableCell>
              <TableCell>Host port</TableCell>
              <TableCell>Guest port</TableCell>
              <TableCell>Name</TableCell>
              <TableCell>Status</TableCell>
              <TableCell />
            </TableRow>
          </TableHead>
          <TableBody>
            {forwards.map((row, index) => {
              const url = forwardUrl(row);
              return (
                <TableRow key={forwardKey(row)} data-forward={forwardKey(row)} selected={editing === index}>
                  <TableCell>{row.protocol.toUpperCase()}</TableCell>
                  <TableCell>{row.hostAddress}</TableCell>
                  <TableCell>{url && (row.status === undefined || row.status === 'active') ? <Link href={url} target="_blank" rel="noopener noreferrer">{row.hostPort}</Link> : row.hostPort}</TableCell>
                  <TableCell>{row.guestPort}</TableCell>
                  <TableCell>{row.name ?? ''}</TableCell>
                  <TableCell>
                    <StatusCell row={row} />
                  </TableCell>
                  <TableCell align="right" sx={{ whiteSpace: 'nowrap' }}>
                    <Button size="small" disabled={busy || disabled} onClick={() => (setEditing(index), setForm(toForm(row)), setTouched(false))} aria-label={`Edit ${describeForward(row)}`}>
                      Edit
                    </Button>
                    <Button size="small" color="error" disabled={busy || disabled} onClick={() => (editing === index && reset(), onRemove(index))} aria-label={`Remove ${describeForward(row)}`}>
                      Remove
                    </Button>
                  </TableCell>
                </TableRow>
              );
            })}
          </TableBody>
        </Table>
      )}
      <Box
        component="form"
        aria-label={editing === undefined ? 'Add a port forward' : 'Edit the port forward'}
        onSubmit={(event) => (event.preventDefault(), submit())}
        sx={{ display: 'flex', flexWrap: 'wrap', gap: 1, alignItems: 'flex-start', pt: 1 }}
      >
        <TextField
          select
          size="small"
          label="Protocol"
          value={form.protocol}
          onChange={(event) => set('protocol', event.target.value)}
          disabled={disabled}
          helperText=" "
          sx={{ width: 90 }}
          slotProps={{ htmlInput: { 'data-field': 'forward-protocol' } }}
        >
          <MenuItem value="tcp">TCP</MenuItem>
          <MenuItem value="udp">UDP</MenuItem>
        </TextField>
        {field('hostAddress', 'Host address', 140)}
        {field('hostPort', 'Host port', 110, { inputMode: 'numeric' })}
        {field('guestPort', 'Guest port', 110, { inputMode: 'numeric' })}
        {field('name', 'Name (optional)', 150)}
        <Box sx={{ display: 'flex', gap: 0.5, pt: 0.25 }}>
          <Button type="submit" variant="outlined" disabled={busy || disabled || (touched && !valid)}>
            {editing === undefined ? 'Add' : 'Save rule'}
          </Button>
          {editing !== undefined && <Button onClick={reset}>Cancel</Button>}
        </Box>
      </Box>
      {notes.map((note) => (
        <Alert key={note} severity="warning" data-testid="forward-note">
          {note}
        </Alert>
      ))}
    </Box>
  );
}
