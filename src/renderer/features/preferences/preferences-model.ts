/**
 * App-wide preferences as the Preferences dialog edits them: the setting keys the core and the
 * windows read, their defaults, reading stored values (anything unknown gives the default) and
 * saving only what changed.
 */
import type { ApiResult } from '../../platform/transport.js';
import { DEFAULT_HOST_KEY } from '../display/keyboard.js';
import { THEME_SETTING, parseThemePreference } from './theme-preference.js';
import type { ThemePreference } from './theme-preference.js';

/** The part of HangarClient the preferences use. */
export interface SettingsAccess {
  readSetting(key: string): Promise<ApiResult<unknown>>;
  setSetting(key: string, value: unknown): Promise<ApiResult<unknown>>;
}

/** What happens to running machines when Hangar quits (src/main/electron/quit.ts). */
export type QuitAction = 'powerdown' | 'poweroff' | 'save';

/**
 * The setting keys, as src/main/electron/quit.ts (quitActionKey, quitTimeoutKey), the VM window
 * (VmPage's HOST_KEY_SETTING) and the app theme read them. Written out here so this module stays
 * free of components (the rules tests import it in Node).
 */
export const preferenceKeys = {
  quitAction: 'app.quitAction',
  quitTimeoutSeconds: 'app.quitTimeoutSeconds',
  hostKey: 'ui.hostKey',
  theme: THEME_SETTING,
} as const;

/** Everything the dialog edits. */
export interface AppPreferences {
  readonly quitAction: QuitAction;
  readonly quitTimeoutSeconds: number;
  /** A KeyboardEvent.code. */
  readonly hostKey: string;
  readonly theme: ThemePreference;
}

/** The quit path's limits on the timeout (readQuitPlan ignores values outside them). */
export const QUIT_TIMEOUT_RANGE = { min: 0, max: 600 } as const;

/** What the app does when nothing is stored. */
export const defaultPreferences: AppPreferences = { quitAction: 'powerdown', quitTimeoutSeconds: 20, hostKey: DEFAULT_HOST_KEY, theme: 'system' };

/** Quit actions and what a person reads for them (the timeout is shown with the first). */
export const quitActionChoices: readonly (readonly [QuitAction, string])[] = [
  ['powerdown', 'shut down (ACPI power button), then powered off after the timeout'],
  ['poweroff', 'powered off at once'],
  ['save', 'saved, and resumed the next time they start'],
];

/** Theme choices. */
export const themeChoices: readonly (readonly [ThemePreference, string])[] = [
  ['system', 'Follow the system'],
  ['light', 'Light'],
  ['dark', 'Dark'],
];

/** Turns stored values (unknown shapes) into preferences; anything not understood gives the default. */
export function parsePreferences(stored: { readonly [K in keyof AppPreferences]?: unknown }): AppPreferences {
  const { quitAction, quitTimeoutSeconds, hostKey, theme } = stored;
  return {
    quitAction: quitAction === 'powerdown' || quitAction === 'poweroff' || quitAction === 'save' ? quitAction : defaultPreferences.quitAction,
    quitTimeoutSeconds:
      typeof quitTimeoutSeconds === 'number' && Number.isInteger(quitTimeoutSeconds) && quitTimeoutSeconds >= QUIT_TIMEOUT_RANGE.min && quitTimeoutSeconds <= QUIT_TIMEOUT_RANGE.max
        ? quitTimeoutSeconds
        : defaultPreferences.quitTimeoutSeconds,
    hostKey: typeof hostKey === 'string' && hostKey.length > 0 ? hostKey : defaultPreferences.hostKey,
    theme: parseThemePreference(theme),
  };
}

/** Why the timeout text is not acceptable, or undefined when it is. */
export function timeoutProblem(text: string): string | undefined {
  const value = Number(text.trim());
  if (text.trim() === '' || !Number.isInteger(value) || value < QUIT_TIMEOUT_RANGE.min || value > QUIT_TIMEOUT_RANGE.max) {
    return `Enter whole seconds from ${QUIT_TIMEOUT_RANGE.min} to ${QUIT_TIMEOUT_RANGE.max}.`;
  }
  return undefined;
}

/** Reads every preference; the first API error is returned as is (the dialog shows it). */
export async function loadPreferences(client: SettingsAccess): Promise<ApiResult<AppPreferences>> {
  const fields = Object.keys(preferenceKeys) as (keyof AppPreferences)[];
  const results = await Promise.all(fields.map((field) => client.readSetting(preferenceKeys[field])));
  const stored: { -readonly [K in keyof AppPreferences]?: unknown } = {};
  for (const [index, result] of results.entries()) {
    if (!result.ok) return result;
    const field = fields[index];
    if (field) stored[field] = result.value;
  }
  return { ok: true, value: parsePreferences(stored) };
}

/** Writes the preferences that differ from `before`, in a fixed order; stops at the first error. Returns the keys written. */
export async function savePreferences(client: SettingsAccess, before: AppPreferences, after: AppPreferences): Promise<ApiResult<string[]>> {
  const written: string[] = [];
  for (const field of Object.keys(preferenceKeys) as (keyof AppPreferences)[]) {
    if (before[field] === after[field]) continue;
    const result = await client.setSetting(preferenceKeys[field], after[field]);
    if (!result.ok) return result;
    written.push(preferenceKeys[field]);
  }
  return { ok: true, value: written };
}
