/**
 * "Send files" in a VM window, in one hook so the window's page wires it with a few lines: the
 * dialog (opened from Devices → "Send files…" or by dropping files on the window) and, after an
 * eject of the drive holding sent files, the offer to put the previous medium back.
 */
import { useMemo, useState } from 'react';
import type { ReactNode } from 'react';
import type { ApiCall, DroppedFile } from './send-files-calls.js';
import { sendFilesCalls } from './send-files-calls.js';
import { RestoreMediumPrompt, SendFilesDialog } from './SendFilesDialog.js';

/** What the page needs from its client. */
export interface SendFilesClient {
  readonly call: ApiCall;
  onProgress(listener: (progress: { machineId?: string; operation: string; fraction: number; done: boolean }) => void): () => void;
}

/** The hook's handles: open the dialog, tell it about an eject, and the element to render. */
export interface SendFilesHandles {
  /** Opens the dialog, with dropped files when there are some. */
  readonly open: (files?: readonly DroppedFile[]) => void;
  /** After the user ejected `slot`: offers to put back the medium the sent files replaced. */
  readonly afterEject: (slot: 'cd0' | 'fd0') => void;
  readonly element: ReactNode;
}

/** The send-files dialog and eject prompt of one machine's window; `onError` shows a failure in the window. */
export function useSendFiles(client: SendFilesClient, machineId: string, machineName: string, onError: (message: string) => void): SendFilesHandles {
  const api = useMemo(() => sendFilesCalls(client.call, (listener) => client.onProgress(listener), machineId), [client, machineId]);
  const [dialog, setDialog] = useState<{ files: readonly DroppedFile[] } | undefined>(undefined);
  // null: no prompt; undefined: the drive was empty before; a path: that medium comes back.
  const [previous, setPrevious] = useState<string | undefined | null>(null);

  const afterEject = (slot: 'cd0' | 'fd0'): void => {
    void api.sentMedium().then((result) => {
      if (result.ok && result.value.active && result.value.slot === slot) setPrevious(result.value.previous);
    });
  };
  const restore = (): void => {
    setPrevious(null);
    void api.restore().then((result) => !result.ok && onError(result.error.desc));
  };

  return {
    open: (files = []) => setDialog({ files }),
    afterEject,
    element: (
      <>
        <SendFilesDialog open={dialog !== undefined} machineName={machineName} api={api} droppedFiles={dialog?.files ?? []} onClose={() => setDialog(undefined)} />
        <RestoreMediumPrompt previous={previous} onRestore={restore} onClose={() => setPrevious(null)} />
      </>
    ),
  };
}
