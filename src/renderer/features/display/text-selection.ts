/** Reading text-mode cells as text: a rectangular selection or the whole screen (CP437 → Unicode). */
import { cp437ToChar } from '../../../shared/text/cp437.js';

/** A rectangular block of cells, corners inclusive, in any order. */
export interface CellRegion {
  readonly row0: number;
  readonly col0: number;
  readonly row1: number;
  readonly col1: number;
}

/**
 * The text of `region` from `cells` (three numbers per cell: glyph|flags<<8, fg, bg), one line
 * per row with trailing blanks trimmed.
 */
export function regionText(cells: Uint32Array, cols: number, rows: number, region: CellRegion): string {
  const top = Math.max(0, Math.min(region.row0, region.row1));
  const bottom = Math.min(rows - 1, Math.max(region.row0, region.row1));
  const left = Math.max(0, Math.min(region.col0, region.col1));
  const right = Math.min(cols - 1, Math.max(region.col0, region.col1));
  const lines: string[] = [];
  for (let row = top; row <= bottom; row++) {
    let line = '';
    for (let col = left; col <= right; col++) {
      const glyph = (cells[(row * cols + col) * 3] ?? 0) & 0xff;
      line += glyph === 0 ? ' ' : cp437ToChar(glyph);
    }
    lines.push(line.replace(/[\s\u00a0]+$/u, ''));
  }
  return lines.join('\n');
}

/** The whole screen as text, trailing blank lines removed. */
export function screenText(cells: Uint32Array, cols: number, rows: number): string {
  if (cols <= 0 || rows <= 0) return '';
  return regionText(cells, cols, rows, { row0: 0, col0: 0, row1: rows - 1, col1: cols - 1 }).replace(/\n+$/u, '');
}
