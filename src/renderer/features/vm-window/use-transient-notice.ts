/** A short message over the display that goes away by itself. */
import { useEffect, useState } from 'react';

/** How long a notice stays. */
const NOTICE_MS = 4000;

/** The notice shown now (if any) and the function that shows one. */
export function useTransientNotice(): readonly [string | undefined, (text: string | undefined) => void] {
  const [notice, setNotice] = useState<string | undefined>(undefined);
  useEffect(() => {
    if (!notice) return undefined;
    const timer = setTimeout(() => setNotice(undefined), NOTICE_MS);
    return () => clearTimeout(timer);
  }, [notice]);
  return [notice, setNotice];
}
