/** The host key: the key that releases the keyboard and mouse the display has captured. */

/** The host key when none is chosen. */
export const DEFAULT_HOST_KEY = 'ControlRight';

/** Keys offered as the host key (KeyboardEvent.code → what a person reads). */
export const hostKeyChoices: readonly (readonly [string, string])[] = [
  ['ControlRight', 'Right Ctrl'],
  ['AltRight', 'Right Alt'],
  ['MetaRight', 'Right Super'],
  ['ScrollLock', 'Scroll Lock'],
];

/** What a person reads for a host key code. */
export function hostKeyName(code: string): string {
  return hostKeyChoices.find(([value]) => value === code)?.[1] ?? code;
}
