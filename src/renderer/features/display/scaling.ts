/**
 * Where and how large the guest screen is drawn. The canvas backing store is always the guest
 * size; only its CSS size changes, snapped to whole device pixels so `image-rendering:
 * pixelated` stays crisp at fractional device-pixel ratios.
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

/** CSS size of the drawn screen and the device pixels per guest pixel. */
export interface Layout {
  readonly cssWidth: number;
  readonly cssHeight: number;
  readonly scale: number;
}

/**
 * Computes the layout. `native` is one guest pixel per device pixel; `integer` is the largest
 * whole multiple of that which fits (at least 1); `fit` fills the box keeping the aspect ratio.
 */
export function computeLayout(input: LayoutInput): Layout {
  const { guestWidth: gw, guestHeight: gh, devicePixelRatio } = input;
  const dpr = devicePixelRatio > 0 ? devicePixelRatio : 1;
  if (gw <= 0 || gh <= 0) return { cssWidth: 0, cssHeight: 0, scale: 1 };
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
  return { cssWidth: deviceW / dpr, cssHeight: deviceH / dpr, scale };
}
