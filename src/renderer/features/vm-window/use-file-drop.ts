/**
 * Files dragged from the desktop (or a file manager) onto the VM window: while they hover the
 * window shows a drop hint, and dropping them hands the files to `onFiles` (the window opens
 * "Send files…" with them). Drags that carry no files (text, the page's own elements) are left alone.
 */
import { useRef, useState } from 'react';
import type { DragEvent } from 'react';

/** The drop state and the handlers to spread on the element that takes drops. */
export interface FileDrop {
  /** True while files are dragged over the element. */
  readonly dragging: boolean;
  readonly handlers: {
    readonly onDragEnter: (event: DragEvent) => void;
    readonly onDragOver: (event: DragEvent) => void;
    readonly onDragLeave: (event: DragEvent) => void;
    readonly onDrop: (event: DragEvent) => void;
  };
}

const carriesFiles = (event: DragEvent): boolean => Array.from(event.dataTransfer?.types ?? []).includes('Files');

/** Drop handling for files; `enabled` false ignores every drag (e.g. no machine yet). */
export function useFileDrop(onFiles: (files: File[]) => void, enabled = true): FileDrop {
  const [dragging, setDragging] = useState(false);
  // dragenter/dragleave fire for every child crossed: count them so the hint does not flicker.
  const depth = useRef(0);
  return {
    dragging,
    handlers: {
      onDragEnter: (event) => {
        if (!enabled || !carriesFiles(event)) return;
        event.preventDefault();
        depth.current++;
        setDragging(true);
      },
      onDragOver: (event) => {
        if (!enabled || !carriesFiles(event)) return;
        // Without this the browser opens the file instead of dropping it here.
        event.preventDefault();
        event.dataTransfer.dropEffect = 'copy';
      },
      onDragLeave: (event) => {
        if (!enabled || !carriesFiles(event)) return;
        depth.current = Math.max(0, depth.current - 1);
        if (depth.current === 0) setDragging(false);
      },
      onDrop: (event) => {
        if (!enabled || !carriesFiles(event)) return;
        event.preventDefault();
        depth.current = 0;
        setDragging(false);
        // A dropped folder arrives as an entry a page cannot read as a file: only regular files are kept.
        const items = Array.from(event.dataTransfer.items);
        const files = items.length > 0
          ? items.filter((item) => item.kind === 'file' && (item.webkitGetAsEntry()?.isFile ?? true)).flatMap((item) => item.getAsFile() ?? [])
          : Array.from(event.dataTransfer.files);
        if (files.length > 0) onFiles(files);
      },
    },
  };
}
