/** Full screen of the whole window, so menus (portalled to <body>) keep working there. */
import { useEffect, useState } from 'react';

/** Whether the page is full screen, and a toggle that calls `onRefused` when the browser says no. */
export function useFullScreen(onRefused: () => void): { readonly fullScreen: boolean; readonly toggle: () => Promise<void> } {
  const [fullScreen, setFullScreen] = useState(false);
  useEffect(() => {
    const onChange = (): void => setFullScreen(document.fullscreenElement !== null);
    document.addEventListener('fullscreenchange', onChange);
    return () => document.removeEventListener('fullscreenchange', onChange);
  }, []);
  const toggle = async (): Promise<void> => {
    try {
      if (document.fullscreenElement) await document.exitFullscreen();
      else await document.documentElement.requestFullscreen();
    } catch {
      onRefused();
    }
  };
  return { fullScreen, toggle };
}
