/**
 * The serial console tab: an xterm.js terminal showing the guest's serial output and sending
 * typed characters back. Its own selection copies text (Ctrl+Shift+C, or the Copy button).
 */
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import { Terminal } from '@xterm/xterm';
import '@xterm/xterm/css/xterm.css';
import { forwardRef, useEffect, useImperativeHandle, useRef } from 'react';

/** Where serial bytes come from and go to. */
export interface SerialChannel {
  /** Calls `listener` with each chunk the guest writes; returns the unsubscribe function. */
  subscribe(listener: (data: string) => void): () => void;
  /** Sends what the user typed to the guest. */
  send(data: string): void;
}

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
}

/** The serial console component. */
export const SerialConsole = forwardRef<SerialConsoleHandle, SerialConsoleProps>(function SerialConsole({ channel, writeClipboard, dark = true }, ref) {
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
    const input = term.onData((data) => channel.send(data));
    const unsubscribe = channel.subscribe((data) => term.write(data));
    terminal.current = term;
    return () => {
      unsubscribe();
      input.dispose();
      term.dispose();
      terminal.current = undefined;
    };
  }, [channel, dark]);

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
      <Box ref={element} role="region" aria-label="Serial console" sx={{ flex: 1, minHeight: 0, p: 0.5, bgcolor: dark ? '#101010' : '#ffffff' }} />
    </Box>
  );
});
