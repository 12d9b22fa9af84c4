/** The window's title. */
import { useEffect } from 'react';

/** Sets the document's title to `title`. */
export function useDocumentTitle(title: string): void {
  useEffect(() => {
    document.title = title;
  }, [title]);
}
