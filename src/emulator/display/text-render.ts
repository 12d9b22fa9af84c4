/** The text-mode renderer lives in src/shared/display (main draws thumbnails with it too). */
export { renderTextScreen } from '../../shared/display/text-render.js';
export type { BitmapFont, RenderedImage, TextScreen } from '../../shared/display/text-render.js';
