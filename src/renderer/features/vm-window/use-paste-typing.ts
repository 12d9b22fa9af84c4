/**
 * Paste-as-typing: the host clipboard's text typed into the guest, with progress and cancel; or,
 * while the serial console is shown, written to the guest's serial port as a terminal pastes.
 */
import { useState } from 'react';
import type { TypingControl } from './types.js';

/** Typing under way: how far it is, and the controller that cancels it. */
export interface TypingProgressState {
  readonly typed: number;
  readonly total: number;
  readonly controller: AbortController;
}

/** Where pasted text goes instead of the keyboard (the serial console's channel). */
export interface PasteSerialTarget {
  /** Sends text to the guest's serial port; may resolve with a problem to show. */
  send(data: string): void | Promise<string | undefined>;
}

/** Line breaks as a terminal sends them: Enter is CR, and a CR LF pair is one Enter. */
export function serialPasteText(text: string): string {
  return text.replace(/\r\n|\n/gu, '\r');
}

/**
 * The typing under way (if any) and the function that types the clipboard's text; problems go
 * to `say`. With `serial` set (the serial view is shown), the text goes to the serial port
 * instead of the keyboard: what the user looks at is what receives it.
 */
export function usePasteTyping(
  typeText: (text: string, control: TypingControl) => Promise<void>,
  readClipboard: () => Promise<string>,
  say: (text: string) => void,
  serial?: PasteSerialTarget,
): { readonly typing: TypingProgressState | undefined; readonly typeClipboard: () => Promise<void> } {
  const [typing, setTyping] = useState<TypingProgressState | undefined>(undefined);
  const typeClipboard = async (): Promise<void> => {
    let text: string;
    try {
      text = await readClipboard();
    } catch {
      say('The browser did not allow reading the clipboard.');
      return;
    }
    if (!text) return say('The clipboard holds no text.');
    if (serial) {
      const problem = await serial.send(serialPasteText(text));
      if (problem) say(`The clipboard text was not sent to the serial port: ${problem}`);
      return;
    }
    const controller = new AbortController();
    setTyping({ typed: 0, total: Array.from(text).length, controller });
    try {
      await typeText(text, { signal: controller.signal, onProgress: (typed, total) => setTyping({ typed, total, controller }) });
    } finally {
      setTyping(undefined);
    }
  };
  return { typing, typeClipboard };
}
