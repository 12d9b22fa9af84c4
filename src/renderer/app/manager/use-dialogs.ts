/** Which of the manager's dialogs are open, and for which machine; Ctrl+, (⌘, on macOS) opens Preferences. */
import { useEffect, useState } from 'react';

/** The manager's dialogs. */
export interface ManagerDialogs {
  readonly wizardOpen: boolean;
  readonly setWizardOpen: (open: boolean) => void;
  /** The machine whose settings, deletion or snapshots dialog is open. */
  readonly settingsId: string | undefined;
  readonly setSettingsId: (id: string | undefined) => void;
  readonly deleteId: string | undefined;
  readonly setDeleteId: (id: string | undefined) => void;
  readonly snapshotsId: string | undefined;
  readonly setSnapshotsId: (id: string | undefined) => void;
  /** The deletion dialog's "keep the disk image files". */
  readonly keepFiles: boolean;
  readonly setKeepFiles: (keep: boolean) => void;
  readonly preferencesOpen: boolean;
  readonly setPreferencesOpen: (open: boolean) => void;
  /** Opens the deletion dialog for `id`, with the disk images to be deleted. */
  readonly askDelete: (id: string) => void;
}

/** The dialogs' state. */
export function useManagerDialogs(): ManagerDialogs {
  const [wizardOpen, setWizardOpen] = useState(false);
  const [settingsId, setSettingsId] = useState<string | undefined>(undefined);
  const [deleteId, setDeleteId] = useState<string | undefined>(undefined);
  const [snapshotsId, setSnapshotsId] = useState<string | undefined>(undefined);
  const [keepFiles, setKeepFiles] = useState(false);
  const [preferencesOpen, setPreferencesOpen] = useState(false);

  // Ctrl+, (⌘, on macOS) opens Preferences, as in most desktop apps.
  useEffect(() => {
    const onKey = (event: KeyboardEvent): void => {
      if (event.key === ',' && (event.ctrlKey || event.metaKey) && !event.altKey && !event.shiftKey) {
        event.preventDefault();
        setPreferencesOpen(true);
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  const askDelete = (id: string): void => {
    setKeepFiles(false);
    setDeleteId(id);
  };
  return { wizardOpen, setWizardOpen, settingsId, setSettingsId, deleteId, setDeleteId, snapshotsId, setSnapshotsId, keepFiles, setKeepFiles, preferencesOpen, setPreferencesOpen, askDelete };
}
