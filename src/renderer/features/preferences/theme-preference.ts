/** The theme choice as the app setting `ui.theme` stores it (no DOM here, so Node tests can use it). */

/** The app setting holding the theme choice. */
export const THEME_SETTING = 'ui.theme';

/** The user's theme choice: a fixed scheme or whatever the system asks for. */
export type ThemePreference = 'system' | 'light' | 'dark';

/** A stored value as a theme choice; anything else follows the system. */
export function parseThemePreference(value: unknown): ThemePreference {
  return value === 'light' || value === 'dark' ? value : 'system';
}
