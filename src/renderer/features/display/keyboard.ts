/**
 * Keyboard capture: physical key positions (KeyboardEvent.code) become QKeyCode key events.
 * The host key (Right Ctrl by default) is never sent to the guest; pressing it releases capture.
 */
import { qkeycodeForKeyboardCode } from '../../../shared/input/keyboard-code.js';
import type { GuestInputEvent } from './types.js';

/** The default host key, as a KeyboardEvent.code. */
export const DEFAULT_HOST_KEY = 'ControlRight';

/** A key event for the QKeyCode of `code`, or undefined for keys with no PC equivalent. */
export function keyInputEvent(code: string, down: boolean): GuestInputEvent | undefined {
  const key = qkeycodeForKeyboardCode(code);
  if (key === undefined) return undefined;
  return { type: 'key', data: { down, key: { type: 'qcode', data: key } } };
}

/**
 * Events that press `keys` (QKeyCode names) in order and release them in reverse, for combos
 * the host would otherwise take (Ctrl+Alt+Del, Ctrl+Alt+F1…).
 */
export function keyComboEvents(keys: readonly string[]): GuestInputEvent[] {
  const press = keys.map((key): GuestInputEvent => ({ type: 'key', data: { down: true, key: { type: 'qcode', data: key } } }));
  const release = [...keys].reverse().map((key): GuestInputEvent => ({ type: 'key', data: { down: false, key: { type: 'qcode', data: key } } }));
  return [...press, ...release];
}

/** Named combos offered by the Input menu. */
export const keyCombos: readonly { readonly label: string; readonly keys: readonly string[] }[] = [
  { label: 'Ctrl+Alt+Del', keys: ['ctrl', 'alt', 'delete'] },
  { label: 'Ctrl+Alt+Backspace', keys: ['ctrl', 'alt', 'backspace'] },
  ...Array.from({ length: 12 }, (_, i) => ({ label: `Ctrl+Alt+F${i + 1}`, keys: ['ctrl', 'alt', `f${i + 1}`] })),
  { label: 'Print Screen', keys: ['print'] },
  { label: 'Alt+Tab', keys: ['alt', 'tab'] },
];

/**
 * Tracks the keys held in the guest while captured, so releasing capture (host key, blur)
 * releases them in the guest too instead of leaving a stuck modifier.
 */
export class KeyboardCapture {
  private readonly held = new Set<string>();

  /**
   * @param send receives the events to forward
   * @param onHostKey called when the host key is pressed (the owner releases capture)
   */
  constructor(
    private readonly send: (events: GuestInputEvent[]) => void,
    private readonly onHostKey: () => void,
    public hostKey: string = DEFAULT_HOST_KEY,
  ) {}

  /** Handles a keydown/keyup; returns true when the browser's default action must be prevented. */
  handle(code: string, down: boolean, repeat = false): boolean {
    if (code === this.hostKey) {
      if (down && !repeat) {
        this.releaseAll();
        this.onHostKey();
      }
      return true;
    }
    const event = keyInputEvent(code, down);
    if (event === undefined) return false;
    if (down) this.held.add(code);
    else if (!this.held.delete(code)) return true; // a release whose press went to the host
    this.send([event]);
    return true;
  }

  /** Releases every key still held in the guest. */
  releaseAll(): void {
    const events: GuestInputEvent[] = [];
    for (const code of this.held) {
      const event = keyInputEvent(code, false);
      if (event) events.push(event);
    }
    this.held.clear();
    if (events.length > 0) this.send(events);
  }

  /** The KeyboardEvent.codes currently held in the guest. */
  heldKeys(): string[] {
    return [...this.held];
  }
}
