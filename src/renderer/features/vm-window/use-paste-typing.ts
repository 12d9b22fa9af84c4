/** Paste-as-typing: the host clipboard's text typed into the guest, with progress and cancel. */
import { useState } from 'react';
import type { TypingControl } from './types.js';

/** Typing under way: how far it is, and the controller that cancels it. */
export interface TypingProgressState {
  readonly typed: number;
  readonly total: number;
  readonly controller: AbortController;
}

/** The typing under way (if any) and the function that starts typing the clipboard's text; problems go to `say`. */
export function usePasteTyping(
  typeText: (text: string, control: TypingControl) => Promise<void>,
  readClipboard: () => Promise<string>,
  say: (text: string) => void,
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
