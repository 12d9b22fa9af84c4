/**
 * Typing text on a US-layout keyboard: which key (QKeyCode) and whether Shift is held for each
 * character. Used for paste-as-typing by both engines.
 */

/** One key press that produces a character. */
export interface KeyStroke {
  readonly key: string;
  readonly shift: boolean;
}

const unshifted = "`1234567890-=qwertyuiop[]\\asdfghjkl;'zxcvbnm,./";
const shifted = '~!@#$%^&*()_+QWERTYUIOP{}|ASDFGHJKL:"ZXCVBNM<>?';
const keys = [
  'grave_accent', '1', '2', '3', '4', '5', '6', '7', '8', '9', '0', 'minus', 'equal',
  'q', 'w', 'e', 'r', 't', 'y', 'u', 'i', 'o', 'p', 'bracket_left', 'bracket_right', 'backslash',
  'a', 's', 'd', 'f', 'g', 'h', 'j', 'k', 'l', 'semicolon', 'apostrophe',
  'z', 'x', 'c', 'v', 'b', 'n', 'm', 'comma', 'dot', 'slash',
];

/** Character → key stroke on a US keyboard (printable ASCII, space, newline, tab). */
export const usLayout: ReadonlyMap<string, KeyStroke> = (() => {
  const map = new Map<string, KeyStroke>();
  keys.forEach((key, i) => {
    map.set(unshifted.charAt(i), { key, shift: false });
    map.set(shifted.charAt(i), { key, shift: true });
  });
  map.set(' ', { key: 'spc', shift: false });
  map.set('\n', { key: 'ret', shift: false });
  map.set('\r', { key: 'ret', shift: false });
  map.set('\t', { key: 'tab', shift: false });
  return map;
})();

/** The key stroke that types `char` on a US keyboard, or undefined when it cannot be typed. */
export function keyStrokeFor(char: string): KeyStroke | undefined {
  return usLayout.get(char);
}
