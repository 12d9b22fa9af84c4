/**
 * DOM `KeyboardEvent.code` values (physical key positions) → QKeyCode names, so a viewer can
 * send what the user pressed as QMP `input-send-event` key events.
 */

const named: Readonly<Record<string, string>> = {
  Escape: 'esc', Minus: 'minus', Equal: 'equal', Backspace: 'backspace', Tab: 'tab',
  BracketLeft: 'bracket_left', BracketRight: 'bracket_right', Enter: 'ret', ControlLeft: 'ctrl',
  ControlRight: 'ctrl_r', Semicolon: 'semicolon', Quote: 'apostrophe', Backquote: 'grave_accent',
  ShiftLeft: 'shift', ShiftRight: 'shift_r', Backslash: 'backslash', Comma: 'comma', Period: 'dot',
  Slash: 'slash', AltLeft: 'alt', AltRight: 'alt_r', Space: 'spc', CapsLock: 'caps_lock',
  NumLock: 'num_lock', ScrollLock: 'scroll_lock', NumpadMultiply: 'kp_multiply', NumpadSubtract: 'kp_subtract',
  NumpadAdd: 'kp_add', NumpadDecimal: 'kp_decimal', NumpadEnter: 'kp_enter', NumpadDivide: 'kp_divide',
  NumpadEqual: 'kp_equals', NumpadComma: 'kp_comma', IntlBackslash: 'less', IntlRo: 'ro', IntlYen: 'yen',
  PrintScreen: 'print', Pause: 'pause', Home: 'home', End: 'end', PageUp: 'pgup', PageDown: 'pgdn',
  ArrowUp: 'up', ArrowDown: 'down', ArrowLeft: 'left', ArrowRight: 'right', Insert: 'insert', Delete: 'delete',
  MetaLeft: 'meta_l', MetaRight: 'meta_r', OSLeft: 'meta_l', OSRight: 'meta_r', ContextMenu: 'menu',
  Power: 'power', Sleep: 'sleep', WakeUp: 'wake', AudioVolumeMute: 'audiomute', AudioVolumeDown: 'volumedown',
  AudioVolumeUp: 'volumeup', MediaTrackNext: 'audionext', MediaTrackPrevious: 'audioprev', MediaStop: 'audiostop',
  MediaPlayPause: 'audioplay', LaunchMail: 'mail', LaunchApp2: 'calculator', LaunchApp1: 'computer',
  BrowserHome: 'ac_home', BrowserBack: 'ac_back', BrowserForward: 'ac_forward', BrowserRefresh: 'ac_refresh',
  BrowserFavorites: 'ac_bookmarks', BrowserStop: 'stop', Lang1: 'lang1', Lang2: 'lang2', KanaMode: 'hiragana',
  Convert: 'henkan', NonConvert: 'muhenkan',
};

/** KeyboardEvent.code → QKeyCode name. */
export const keyboardCodeToQKeyCode: ReadonlyMap<string, string> = (() => {
  const map = new Map(Object.entries(named));
  for (let c = 0; c < 26; c++) {
    const letter = String.fromCharCode(0x61 + c);
    map.set(`Key${letter.toUpperCase()}`, letter);
  }
  for (let d = 0; d <= 9; d++) {
    map.set(`Digit${d}`, String(d));
    map.set(`Numpad${d}`, `kp_${d}`);
  }
  // F17 has no set-1 scan code (QEMU's 0x83 is a set-2 value), so it is left unmapped.
  for (let f = 1; f <= 24; f++) if (f !== 17) map.set(`F${f}`, `f${f}`);
  return map;
})();

/** The QKeyCode for a KeyboardEvent.code, or undefined for keys with no PC equivalent. */
export function qkeycodeForKeyboardCode(code: string): string | undefined {
  return keyboardCodeToQKeyCode.get(code);
}
