/**
 * QKeyCode names (QEMU's QAPI key names) → XT scan code set 1 make codes. E0-prefixed keys are
 * written as 0xE0xx. The same numbers serve v86 (PS/2 keyboard in set 1) and QEMU's `number`
 * key values, so one table serves both engines.
 */

const plain: Readonly<Record<string, number>> = {
  esc: 0x01, '1': 0x02, '2': 0x03, '3': 0x04, '4': 0x05, '5': 0x06, '6': 0x07, '7': 0x08, '8': 0x09, '9': 0x0a,
  '0': 0x0b, minus: 0x0c, equal: 0x0d, backspace: 0x0e, tab: 0x0f,
  q: 0x10, w: 0x11, e: 0x12, r: 0x13, t: 0x14, y: 0x15, u: 0x16, i: 0x17, o: 0x18, p: 0x19,
  bracket_left: 0x1a, bracket_right: 0x1b, ret: 0x1c, ctrl: 0x1d,
  a: 0x1e, s: 0x1f, d: 0x20, f: 0x21, g: 0x22, h: 0x23, j: 0x24, k: 0x25, l: 0x26,
  semicolon: 0x27, apostrophe: 0x28, grave_accent: 0x29, shift: 0x2a, backslash: 0x2b,
  z: 0x2c, x: 0x2d, c: 0x2e, v: 0x2f, b: 0x30, n: 0x31, m: 0x32,
  comma: 0x33, dot: 0x34, slash: 0x35, shift_r: 0x36, kp_multiply: 0x37, alt: 0x38, spc: 0x39, caps_lock: 0x3a,
  f1: 0x3b, f2: 0x3c, f3: 0x3d, f4: 0x3e, f5: 0x3f, f6: 0x40, f7: 0x41, f8: 0x42, f9: 0x43, f10: 0x44,
  num_lock: 0x45, scroll_lock: 0x46,
  kp_7: 0x47, kp_8: 0x48, kp_9: 0x49, kp_subtract: 0x4a, kp_4: 0x4b, kp_5: 0x4c, kp_6: 0x4d, kp_add: 0x4e,
  kp_1: 0x4f, kp_2: 0x50, kp_3: 0x51, kp_0: 0x52, kp_decimal: 0x53, sysrq: 0x54, less: 0x56, f11: 0x57, f12: 0x58,
  kp_equals: 0x59, f13: 0x5d, f14: 0x5e, f15: 0x5f, f16: 0x55, f18: 0x5b, f19: 0x5c, f20: 0x5a,
  f21: 0x74, f22: 0x6d, f23: 0x6f, f24: 0x76,
  hiragana: 0x70, katakanahiragana: 0x70, lang2: 0x71, lang1: 0x72, ro: 0x73, henkan: 0x79, muhenkan: 0x7b,
  yen: 0x7d, kp_comma: 0x7e,
};

const extended: Readonly<Record<string, number>> = {
  audioprev: 0x10, audionext: 0x19, kp_enter: 0x1c, ctrl_r: 0x1d, audiomute: 0x20, calculator: 0x21,
  audioplay: 0x22, audiostop: 0x24, volumedown: 0x2e, volumeup: 0x30, ac_home: 0x32, kp_divide: 0x35,
  print: 0x37, alt_r: 0x38, home: 0x47, up: 0x48, pgup: 0x49, left: 0x4b, right: 0x4d, end: 0x4f, down: 0x50,
  pgdn: 0x51, insert: 0x52, delete: 0x53, meta_l: 0x5b, meta_r: 0x5c, menu: 0x5d, compose: 0x5d, power: 0x5e,
  sleep: 0x5f, wake: 0x63, find: 0x65, ac_bookmarks: 0x66, ac_refresh: 0x67, stop: 0x68, ac_forward: 0x69,
  ac_back: 0x6a, computer: 0x6b, mail: 0x6c, mediaselect: 0x6d,
};

/** QKeyCode name → set-1 make code (0xE0xx for E0-prefixed keys). `pause` is handled separately. */
export const qkeycodeToXt: ReadonlyMap<string, number> = new Map([
  ...Object.entries(plain),
  ...Object.entries(extended).map(([name, code]): [string, number] => [name, 0xe000 | code]),
]);

/** Every QKeyCode name this table knows, including `pause`. */
export function knownQKeyCodes(): string[] {
  return [...qkeycodeToXt.keys(), 'pause'];
}

/** The Pause key has no break code: its press is this whole sequence and its release sends nothing. */
export const PAUSE_SEQUENCE: readonly number[] = [0xe1, 0x1d, 0x45, 0xe1, 0x9d, 0xc5];

/**
 * The scan code bytes for pressing (`down`) or releasing an XT key number (0xE0xx for
 * E0-prefixed keys), or undefined when the number is not a valid key.
 */
export function xtBytes(code: number, down: boolean): number[] | undefined {
  const prefix = code >> 8;
  const key = code & 0x7f;
  if ((prefix !== 0 && prefix !== 0xe0) || key === 0 || (code & 0x80) !== 0) return undefined;
  const byte = down ? key : key | 0x80;
  return prefix === 0xe0 ? [0xe0, byte] : [byte];
}

/**
 * The scan code bytes for pressing or releasing the key named by `name`, or undefined when the
 * name is not a QKeyCode this table knows.
 */
export function qkeycodeBytes(name: string, down: boolean): number[] | undefined {
  if (name === 'pause') return down ? [...PAUSE_SEQUENCE] : [];
  const code = qkeycodeToXt.get(name);
  return code === undefined ? undefined : xtBytes(code, down);
}
