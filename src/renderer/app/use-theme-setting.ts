/** The stored theme preference (light, dark or system), read from the app settings. */
import { useEffect, useState } from 'react';
import type { HangarClient } from '../platform/client.js';
import { parseThemePreference, THEME_SETTING } from './theme.js';
import type { ThemePreference } from './theme.js';

/**
 * The stored theme and a setter for previews, read again when the route changes. In a VM
 * window (`machineId` set) it is also read whenever the window gets the focus, since the
 * manager's Preferences change it.
 */
export function useThemeSetting(client: HangarClient, machineId: string | undefined): readonly [ThemePreference, (theme: ThemePreference) => void] {
  const [preference, setPreference] = useState<ThemePreference>('system');
  useEffect(() => {
    let live = true;
    const read = (): void => void client.getSetting(THEME_SETTING).then((value) => live && setPreference(parseThemePreference(value)));
    read();
    if (!machineId) return () => void (live = false);
    window.addEventListener('focus', read);
    return () => {
      live = false;
      window.removeEventListener('focus', read);
    };
  }, [client, machineId]);
  return [preference, setPreference];
}
