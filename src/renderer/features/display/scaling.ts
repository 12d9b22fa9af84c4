/**
 * Where and how large the guest screen is drawn. The canvas backing store is always the guest
 * size; only its CSS size changes, snapped to whole device pixels. A whole number of device
 * pixels per guest pixel is drawn pixel-exact (`image-rendering: pixelated`); any other scale is
 * smoothly filtered, since nearest-neighbour at a fractional scale drops or doubles pixel
 * columns and makes shrunk text unreadable.
 */
import type { ScalingMode } from './types.js';

/** The inputs of a layout: guest pixels, the box it must fit in (CSS px) and devicePixelRatio. */
export interface LayoutInput {
  readonly mode: ScalingMode;
  readonly guestWidth: number;
  readonly guestHeight: number;
  readonly boxWidth: number;
  readonly boxHeight: number;
  readonly devicePixelRatio: number;
}

/** CSS size of the drawn screen, the device pixels per guest pixel, and how it is filtered. */
export interface Layout {
  readonly cssWidth: number;
  readonly cssHeight: number;
  readonly scale: number;
  /** True when a guest pixel is not a whole number of device pixels: draw filtered, not pixelated. */
  readonly smooth: boolean;
}

/** The CSS `image-rendering` for a layout. */
export function imageRendering(layout: Layout): 'pixelated' | 'auto' {
  return layout.smooth ? 'auto' : 'pixelated';
}

/**
 * Computes the layout. `native` is one guest pixel per device pixel; `integer` is the largest
 * whole multiple of that which fits (at least 1); `fit` fills the box keeping the aspect ratio.
 */
export function computeLayout(input: LayoutInput): Layout {
  const { guestWidth: gw, guestHeight: gh, devicePixelRatio } = input;
  const dpr = devicePixelRatio > 0 ? devicePixelRatio : 1;
  if (gw <= 0 || gh <= 0) return { cssWidth: 0, cssHeight: 0, scale: 1, smooth: false };
  const boxW = Math.max(0, input.boxWidth) * dpr;
  const boxH = Math.max(0, input.boxHeight) * dpr;
  let scale: number;
  switch (input.mode) {
    case 'native':
      scale = 1;
      break;
    case 'integer':
      scale = Math.max(1, Math.floor(Math.min(boxW / gw, boxH / gh)));
      break;
    case 'fit':
      scale = Math.min(boxW / gw, boxH / gh);
      if (!Number.isFinite(scale) || scale <= 0) scale = 1;
      break;
  }
  // Fit rounds down so the screen never overflows its box (which would show scroll bars).
  const snap = input.mode === 'fit' ? (v: number): number => Math.floor(v + 1e-6) : Math.round;
  const deviceW = Math.max(1, snap(gw * scale));
  const deviceH = Math.max(1, snap(gh * scale));
  // Judged on the snapped size: that is what the browser scales the backing store to.
  const whole = (device: number, guest: number): boolean => device % guest === 0;
  return { cssWidth: deviceW / dpr, cssHeight: deviceH / dpr, scale, smooth: !(whole(deviceW, gw) && whole(deviceH, gh)) };
}
