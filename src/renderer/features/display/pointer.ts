/** Pointer input: absolute positions (axes 0..0x7fff), relative motion, buttons and wheel. */
import type { GuestInputEvent } from './types.js';

/** The largest absolute axis value (QEMU's INPUT_EVENT_ABS_MAX). */
export const ABS_MAX = 0x7fff;

/**
 * The absolute axis value for a point `offset` CSS px into a drawn extent of `drawn` CSS px
 * showing `guest` guest pixels: the guest pixel under the point, mapped so pixel 0 → 0 and the
 * last pixel → ABS_MAX.
 */
export function absoluteAxis(offset: number, drawn: number, guest: number): number {
  if (drawn <= 0 || guest <= 1) return 0;
  const pixel = Math.min(guest - 1, Math.max(0, Math.floor((offset * guest) / drawn)));
  return Math.round((pixel * ABS_MAX) / (guest - 1));
}

/** Absolute motion events for a point inside the drawn screen. */
export function absoluteMoveEvents(x: number, y: number, drawnW: number, drawnH: number, guestW: number, guestH: number): GuestInputEvent[] {
  return [
    { type: 'abs', data: { axis: 'x', value: absoluteAxis(x, drawnW, guestW) } },
    { type: 'abs', data: { axis: 'y', value: absoluteAxis(y, drawnH, guestH) } },
  ];
}

/** Relative motion events (clamped to the protocol's range); none for no motion. */
export function relativeMoveEvents(dx: number, dy: number): GuestInputEvent[] {
  const clamp = (v: number): number => Math.max(-ABS_MAX, Math.min(ABS_MAX, Math.round(v)));
  const events: GuestInputEvent[] = [];
  if (dx !== 0) events.push({ type: 'rel', data: { axis: 'x', value: clamp(dx) } });
  if (dy !== 0) events.push({ type: 'rel', data: { axis: 'y', value: clamp(dy) } });
  return events;
}

const buttons = ['left', 'middle', 'right', 'side', 'extra'] as const;

/** A button event for a DOM `MouseEvent.button`, or undefined for buttons the guest has no name for. */
export function buttonEvent(domButton: number, down: boolean): GuestInputEvent | undefined {
  const button = buttons[domButton];
  return button === undefined ? undefined : { type: 'btn', data: { down, button } };
}

/** Press-and-release events for one wheel notch per `deltaY` sign (and deltaX for horizontal). */
export function wheelEvents(deltaX: number, deltaY: number): GuestInputEvent[] {
  const events: GuestInputEvent[] = [];
  const notch = (button: 'wheel-up' | 'wheel-down' | 'wheel-left' | 'wheel-right'): void => {
    events.push({ type: 'btn', data: { down: true, button } }, { type: 'btn', data: { down: false, button } });
  };
  if (deltaY < 0) notch('wheel-up');
  else if (deltaY > 0) notch('wheel-down');
  if (deltaX < 0) notch('wheel-left');
  else if (deltaX > 0) notch('wheel-right');
  return events;
}
