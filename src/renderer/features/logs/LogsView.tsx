/**
 * The VM window's Logs view: the machine's engine log (what Hangar and the engine did: starts,
 * exits, state and media changes, refused commands, QEMU's output) or its serial log (the guest's
 * COM1), with search (matches marked, next/previous, or only matching lines), follow (new lines
 * as they are written) and, when asked from a crash notice, the lines around the crash.
 */
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import FormControlLabel from '@mui/material/FormControlLabel';
import Switch from '@mui/material/Switch';
import TextField from '@mui/material/TextField';
import ToggleButton from '@mui/material/ToggleButton';
import ToggleButtonGroup from '@mui/material/ToggleButtonGroup';
import Typography from '@mui/material/Typography';
import { useEffect, useMemo, useRef, useState } from 'react';
import type { ReactNode } from 'react';
import type { ApiResult } from '../../platform/transport.js';
import { crashContextLines, crashLineIndex, isTrouble, matchingLines, parseLog } from './log-text.js';
import type { LogLine } from './log-text.js';

/** Which log. */
export type LogKind = 'engine' | 'serial';

/** Reads the end of a log (`machines.logs`). */
export type LogLoader = (kind: LogKind, lines: number) => Promise<ApiResult<{ path: string; text: string }>>;

/** Lines read at most: the view stays quick; the CLI prints everything. */
export const shownLineLimit = 5000;
/** How often a followed log is read again. */
const followIntervalMs = 1000;

/** Props of the Logs view. */
export interface LogsViewProps {
  readonly name: string;
  readonly load: LogLoader;
  /** Whether the machine runs (its logs grow): follow is offered and on by default. */
  readonly active: boolean;
  /** Whether the machine keeps a serial log (its serial port is "console"). */
  readonly serialLogKept: boolean;
  /** Bumped to show the lines around the last crash in the engine log. */
  readonly crashRequest?: number;
}

/** The Logs view. */
export function LogsView({ name, load, active, serialLogKept, crashRequest = 0 }: LogsViewProps) {
  const [kind, setKind] = useState<LogKind>('engine');
  const [log, setLog] = useState<{ path: string; text: string } | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  const [follow, setFollow] = useState(active && crashRequest === 0);
  const [query, setQuery] = useState('');
  const [onlyMatches, setOnlyMatches] = useState(false);
  const [current, setCurrent] = useState(0);
  const [crashFocus, setCrashFocus] = useState(crashRequest > 0);
  const scroller = useRef<HTMLDivElement>(null);
  const [reloads, setReloads] = useState(0);

  // A crash notice asks for the engine log at the crash; following would scroll away from it.
  useEffect(() => {
    if (crashRequest === 0) return;
    setKind('engine');
    setFollow(false);
    setCrashFocus(true);
  }, [crashRequest]);

  useEffect(() => {
    let live = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const read = async (): Promise<void> => {
      const result = await load(kind, shownLineLimit);
      if (!live) return;
      if (result.ok) {
        setLog((old) => (old?.text === result.value.text && old.path === result.value.path ? old : result.value));
        setError(undefined);
      } else setError(result.error.desc);
      if (follow && active) timer = setTimeout(() => void read(), followIntervalMs);
    };
    void read();
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [load, kind, follow, active, reloads]);

  const lines = useMemo(() => parseLog(log?.text ?? ''), [log]);
  const matches = useMemo(() => matchingLines(lines, query), [lines, query]);
  const crash = useMemo(() => (kind === 'engine' ? crashLineIndex(lines) : undefined), [kind, lines]);
  const shown = useMemo(() => {
    const all = lines.map((line, index) => ({ line, index }));
    return onlyMatches && query.trim() !== '' ? all.filter(({ index }) => matches.includes(index)) : all;
  }, [lines, matches, onlyMatches, query]);
  const currentLine = matches.length > 0 ? matches[Math.min(current, matches.length - 1)] : undefined;

  // Follow keeps the end in view; a crash request centres its line; a search centres its match.
  useEffect(() => {
    const box = scroller.current;
    if (!box) return;
    const target = crashFocus && crash !== undefined ? crash : currentLine;
    if (target !== undefined && (crashFocus || query.trim() !== '')) {
      box.querySelector(`[data-line="${target}"]`)?.scrollIntoView({ block: 'center' });
      return;
    }
    if (follow) box.scrollTop = box.scrollHeight;
  }, [lines, follow, crash, crashFocus, currentLine, query]);

  const step = (by: number): void => {
    if (matches.length === 0) return;
    setCrashFocus(false);
    setCurrent((old) => (Math.min(old, matches.length - 1) + by + matches.length) % matches.length);
  };

  const empty = kind === 'engine' ? `No engine log for ${name} yet: it is written from the machine's next start.` : serialLogKept ? `No serial log for ${name} yet: the guest's COM1 output is kept from the next start.` : `${name} keeps no serial log: its serial port is off. Turn it on in Settings → Serial ("Console tab and serial log"); the guest's COM1 output is then kept in serial.log from the next start.`;

  return (
    <Box sx={{ flex: 1, minHeight: 0, display: 'flex', flexDirection: 'column' }} data-testid="logs-view">
      <Box role="toolbar" aria-label="Log tools" sx={{ display: 'flex', flexWrap: 'wrap', alignItems: 'center', gap: 1, px: 1, py: 0.75, borderBottom: 1, borderColor: 'divider' }}>
        <ToggleButtonGroup size="small" exclusive value={kind} sx={{ '& .MuiToggleButton-root': { textTransform: 'none', py: 0.5 } }} onChange={(_, value: LogKind | null) => {
            if (!value) return;
            setKind(value);
            setCrashFocus(false);
          }} aria-label="Which log">
          <ToggleButton value="engine">Engine log</ToggleButton>
          <ToggleButton value="serial">Serial log</ToggleButton>
        </ToggleButtonGroup>
        <TextField
          size="small"
          label="Search"
          value={query}
          onChange={(event) => {
            setQuery(event.target.value);
            setCurrent(0);
            setCrashFocus(false);
          }}
          onKeyDown={(event) => {
            if (event.key === 'Enter') step(event.shiftKey ? -1 : 1);
          }}
          sx={{ width: 220 }}
          slotProps={{ htmlInput: { 'aria-label': 'Search the log' } }}
        />
        <Typography variant="body2" sx={{ color: 'text.secondary', minWidth: 72 }} data-testid="log-match-count">
          {query.trim() === '' ? '' : matches.length === 0 ? 'No match' : `${Math.min(current, matches.length - 1) + 1} of ${matches.length}`}
        </Typography>
        <Button size="small" onClick={() => step(-1)} disabled={matches.length === 0}>
          Previous
        </Button>
        <Button size="small" onClick={() => step(1)} disabled={matches.length === 0}>
          Next
        </Button>
        <FormControlLabel sx={{ ml: 0 }} control={<Switch size="small" checked={onlyMatches} onChange={(_, on) => setOnlyMatches(on)} />} label="Only matches" />
        <FormControlLabel
          sx={{ ml: 0 }}
          control={
            <Switch
              size="small"
              checked={follow && active}
              disabled={!active}
              onChange={(_, on) => {
                setFollow(on);
                if (on) setCrashFocus(false);
              }}
            />
          }
          label="Follow"
          title={active ? 'Show new lines as they are written' : 'The machine is not running: its logs do not grow'}
        />
        <Button size="small" onClick={() => setReloads((count) => count + 1)}>
          Reload
        </Button>
        {crash !== undefined && (
          <Button
            size="small"
            color="error"
            onClick={() => {
              setFollow(false);
              setCrashFocus(true);
            }}
          >
            Go to crash
          </Button>
        )}
      </Box>
      {error && (
        <Alert severity="error" sx={{ borderRadius: 0 }}>
          {error}
        </Alert>
      )}
      {crashFocus && crash !== undefined && (
        <Alert severity="warning" sx={{ borderRadius: 0 }} data-testid="log-crash-note">
          The crash is the marked line; the {crashContextLines} lines before it are the run&apos;s last words.
        </Alert>
      )}
      <Box ref={scroller} sx={{ flex: 1, minHeight: 0, overflow: 'auto', fontFamily: 'monospace', fontSize: 13, lineHeight: 1.5, bgcolor: 'background.default', py: 0.5 }} data-testid="log-lines" aria-label={`${kind === 'engine' ? 'Engine' : 'Serial'} log of ${name}`} role="log">
        {lines.length === 0 ? (
          <Typography sx={{ p: 2, color: 'text.secondary', fontFamily: 'inherit' }} data-testid="log-empty">
            {log === undefined && !error ? 'Reading the log…' : empty}
          </Typography>
        ) : (
          shown.map(({ line, index }) => (
            <LogRow key={index} line={line} index={index} query={query} current={index === currentLine} crash={crashFocus && crash === index} aroundCrash={crashFocus && crash !== undefined && index < crash && index >= crash - crashContextLines} />
          ))
        )}
      </Box>
      <Typography variant="caption" sx={{ px: 1, py: 0.25, color: 'text.secondary', borderTop: 1, borderColor: 'divider' }} noWrap data-testid="log-path">
        {log ? `${log.path}${lines.length >= shownLineLimit ? ` — the last ${shownLineLimit} lines; hangar logs "${name}"${kind === 'serial' ? ' --serial' : ''} prints all` : ''}` : ''}
      </Typography>
    </Box>
  );
}

/** One line: dim timestamp, message coloured by who wrote it, search matches marked. */
function LogRow({ line, index, query, current, crash, aroundCrash }: { line: LogLine; index: number; query: string; current: boolean; crash: boolean; aroundCrash: boolean }) {
  const color = isTrouble(line) ? 'error.main' : line.source === 'hangar' ? 'primary.main' : 'text.primary';
  return (
    <Box
      data-line={index}
      {...(crash ? { 'data-crash': 'true' } : {})}
      {...(current ? { 'aria-current': 'true' as const } : {})}
      sx={{
        px: 1,
        whiteSpace: 'pre-wrap',
        wordBreak: 'break-all',
        borderLeft: 3,
        borderColor: crash ? 'error.main' : aroundCrash ? 'warning.main' : current ? 'info.main' : 'transparent',
        bgcolor: crash ? 'rgba(211, 47, 47, 0.16)' : current ? 'action.selected' : 'transparent',
      }}
    >
      {line.stamp && (
        <Box component="span" sx={{ color: 'text.secondary' }}>
          {line.stamp.slice(0, 10)} {line.stamp.slice(11, 23)}{' '}
        </Box>
      )}
      <Box component="span" sx={{ color }}>
        {highlight(line.message, query)}
      </Box>
    </Box>
  );
}

/** The text with each occurrence of `query` (ignoring case) in a <mark>. */
function highlight(text: string, query: string): ReactNode {
  const needle = query.trim().toLowerCase();
  if (needle === '') return text;
  const parts: ReactNode[] = [];
  const lower = text.toLowerCase();
  let at = 0;
  for (let found = lower.indexOf(needle); found >= 0; found = lower.indexOf(needle, at)) {
    parts.push(text.slice(at, found), <mark key={found}>{text.slice(found, found + needle.length)}</mark>);
    at = found + needle.length;
  }
  parts.push(text.slice(at));
  return parts;
}
