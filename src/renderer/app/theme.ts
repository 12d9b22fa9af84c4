/**
 * The MUI theme: light or dark as the user chose (the app setting `ui.theme`), or following the
 * system (prefers-color-scheme), updating live.
 */
import { createTheme } from '@mui/material/styles';
import type { Theme } from '@mui/material/styles';
import { useEffect, useMemo, useState } from 'react';
import type { ThemePreference } from '../features/preferences/theme-preference.js';

export { parseThemePreference, THEME_SETTING } from '../features/preferences/theme-preference.js';
export type { ThemePreference } from '../features/preferences/theme-preference.js';


/** The colour scheme the system asks for right now. */
export function systemColourScheme(): 'light' | 'dark' {
  return window.matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light';
}

/** A theme for `mode`: dense desktop controls, visible focus rings. */
export function hangarTheme(mode: 'light' | 'dark'): Theme {
  return createTheme({
    palette: { mode, primary: { main: mode === 'dark' ? '#7aa7ff' : '#2357c6' } },
    shape: { borderRadius: 6 },
    typography: { fontSize: 13 },
    components: {
      MuiButtonBase: { defaultProps: { disableRipple: true } },
      MuiButton: { styleOverrides: { root: { textTransform: 'none' } } },
      MuiTab: { styleOverrides: { root: { textTransform: 'none' } } },
      MuiCssBaseline: {
        styleOverrides: {
          // A visible focus ring for keyboard users on every focusable element.
          ':focus-visible': { outline: `2px solid ${mode === 'dark' ? '#7aa7ff' : '#2357c6'}`, outlineOffset: 2 },
        },
      },
    },
  });
}

/** The theme following the system colour scheme. */
export function useSystemTheme(): Theme {
  return useAppTheme('system');
}

/** The theme for `preference`; with 'system' it follows the system colour scheme live. */
export function useAppTheme(preference: ThemePreference): Theme {
  const [mode, setMode] = useState<'light' | 'dark'>(systemColourScheme);
  useEffect(() => {
    const query = window.matchMedia('(prefers-color-scheme: dark)');
    const onChange = (): void => setMode(query.matches ? 'dark' : 'light');
    query.addEventListener('change', onChange);
    return () => query.removeEventListener('change', onChange);
  }, []);
  return useMemo(() => hangarTheme(preference === 'system' ? mode : preference), [mode, preference]);
}
