/** The "type an image path" prompt for a drive, used when there is no native file chooser. */
import { useState } from 'react';
import type { DriveSlot } from '../../platform/models.js';

/** The prompt's drive (undefined: closed) and the path typed so far. */
export interface PathPromptState {
  readonly slot: DriveSlot | undefined;
  readonly value: string;
  readonly setValue: (value: string) => void;
  /** Opens the prompt for `slot` with an empty path. */
  readonly ask: (slot: DriveSlot) => void;
  readonly close: () => void;
}

/** The prompt's state. */
export function usePathPrompt(): PathPromptState {
  const [slot, setSlot] = useState<DriveSlot | undefined>(undefined);
  const [value, setValue] = useState('');
  return {
    slot,
    value,
    setValue,
    ask: (next) => {
      setValue('');
      setSlot(next);
    },
    close: () => setSlot(undefined),
  };
}
