/**
 * The serial console tab: an xterm.js terminal showing the guest's serial output and sending
 * typed characters back. Its own selection copies text (Ctrl+Shift+C, or the Copy button).
 */
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import { Terminal } from '@xterm/xterm';
import '@xterm/xterm/css/xterm.css';
import { forwardRef, useEffect, useImperativeHandle, useRef } from 'react';
import { noticeLine } from './serial-channel.js';
import type { SerialChannel } from './serial-channel.js';

export type { SerialChannel } from './serial-channel.js';

/** What the owner can do with the console. */
export interface SerialConsoleHandle {
  /** The terminal's visible text, one line per row, trailing blanks trimmed. */
  text(): string;
  /** The terminal's current selection. */
  selection(): string;
}

/** Props of the serial console. */
export interface SerialConsoleProps {
  readonly channel: SerialChannel;
  readonly writeClipboard?: (text: string) => Promise<void>;
  readonly dark?: boolean;
  /** Focus the terminal when it opens (the tab was just picked). */
  readonly autoFocus?: boolean;
}

const MIN_COLS = 80;
const MIN_ROWS = 5;
/** Room for xterm's scrollbar, so the last column is never under it. */
const SCROLLBAR_ROOM = 14;

/** The serial console component. */
export const SerialConsole = forwardRef<SerialConsoleHandle, SerialConsoleProps>(function SerialConsole({ channel, writeClipboard, dark = true, autoFocus = false }, ref) {
  const element = useRef<HTMLDivElement>(null);
  const terminal = useRef<Terminal | undefined>(undefined);
  const copy = (): void => {
    const text = terminal.current?.getSelection() ?? '';
    if (text) void (writeClipboard ?? ((t: string) => navigator.clipboard.writeText(t)))(text);
  };
  const copyRef = useRef(copy);
  copyRef.current = copy;

  useEffect(() => {
    if (!element.current) return undefined;
    const term = new Terminal({
      convertEol: false,
      cursorBlink: true,
      fontFamily: 'monospace',
      fontSize: 14,
      scrollback: 5000,
      theme: dark ? { background: '#101010', foreground: '#d0d0d0' } : { background: '#ffffff', foreground: '#202020', cursor: '#202020' },
    });
    term.open(element.current);
    term.attachCustomKeyEventHandler((event) => {
      if (event.type === 'keydown' && event.ctrlKey && event.shiftKey && event.code === 'KeyC') {
        copyRef.current();
        return false;
      }
      return true;
    });
    // One notice per problem, not one per keystroke.
    let lastProblem: { text: string; at: number } | undefined;
    const input = term.onData((data) => {
      const sent = channel.send(data);
      if (!sent) return;
      void sent.then((problem) => {
        if (!problem || terminal.current !== term) return;
        if (lastProblem?.text === problem && Date.now() - lastProblem.at < 5000) return;
        lastProblem = { text: problem, at: Date.now() };
        term.write(noticeLine(problem));
      });
    });
    const unsubscribe = channel.subscribe((data) => term.write(data));
    terminal.current = term;
    if (autoFocus) term.focus();
    // Fill the box: the cell size comes from what xterm drew (its screen is cols × rows cells).
    const box = element.current;
    const fit = (): void => {
      const screen = box.querySelector('.xterm-screen')?.getBoundingClientRect();
      if (!screen || screen.width === 0 || screen.height === 0) return;
      const cellWidth = screen.width / term.cols;
      const cellHeight = screen.height / term.rows;
      const style = getComputedStyle(box);
      const width = box.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight) - SCROLLBAR_ROOM;
      const height = box.clientHeight - parseFloat(style.paddingTop) - parseFloat(style.paddingBottom);
      // At least 80 columns: guests assume a classic terminal's width.
      const cols = Math.max(MIN_COLS, Math.floor(width / cellWidth));
      const rows = Math.max(MIN_ROWS, Math.floor(height / cellHeight));
      if (cols !== term.cols || rows !== term.rows) term.resize(cols, rows);
    };
    const observer = new ResizeObserver(() => fit());
    observer.observe(box);
    return () => {
      observer.disconnect();
      unsubscribe();
      input.dispose();
      term.dispose();
      terminal.current = undefined;
    };
  }, [channel, dark, autoFocus]);

  useImperativeHandle(ref, () => ({
    text: () => {
      const term = terminal.current;
      if (!term) return '';
      const buffer = term.buffer.active;
      const lines: string[] = [];
      for (let row = 0; row < buffer.length; row++) lines.push((buffer.getLine(row)?.translateToString(true) ?? '').trimEnd());
      return lines.join('\n').replace(/\n+$/u, '');
    },
    selection: () => terminal.current?.getSelection() ?? '',
  }));

  return (
    <Box sx={{ display: 'flex', flexDirection: 'column', height: '100%' }}>
      <Box sx={{ display: 'flex', justifyContent: 'flex-end', px: 1 }}>
        <Button size="small" onClick={copy} title="Copy the selection (Ctrl+Shift+C)">
          Copy
        </Button>
      </Box>
      <Box ref={element} role="region" aria-label="Serial console" sx={{ flex: 1, minHeight: 0, p: 0.5, overflow: 'hidden', bgcolor: dark ? '#101010' : '#ffffff' }} />
    </Box>
  );
});
