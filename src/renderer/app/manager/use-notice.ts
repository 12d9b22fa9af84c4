/** The manager's one notice (a snackbar): errors, confirmations, and an action such as "Show window". */
import { useCallback, useState } from 'react';
import { errorSentence } from '../../components/error-sentence.js';

/** A notice: how it looks, what it says, and an optional action button. */
export type Notice = { severity: 'error' | 'success' | 'info'; text: string; action?: { label: string; run: () => void } };

/** The notice shown now and how to change it. */
export interface NoticeState {
  readonly notice: Notice | undefined;
  readonly setNotice: (notice: Notice | undefined) => void;
  /** Shows `text` as an error (stable across renders). */
  readonly showError: (text: string) => void;
  /** Shows a failed result's error; true when it failed. */
  readonly fail: (result: { ok: boolean; error?: { desc: string } }) => boolean;
}

/** The notice's state. */
export function useNotice(): NoticeState {
  const [notice, setNotice] = useState<Notice | undefined>(undefined);
  const showError = useCallback((text: string) => setNotice({ severity: 'error', text }), []);
  const fail = (result: { ok: boolean; error?: { desc: string } }): boolean => {
    // The library's refusals name the field first ("shares: The shared folder …"); a notice shows the sentence.
    if (!result.ok) setNotice({ severity: 'error', text: result.error ? errorSentence(result.error.desc) : 'The command failed.' });
    return !result.ok;
  };
  return { notice, setNotice, showError, fail };
}
