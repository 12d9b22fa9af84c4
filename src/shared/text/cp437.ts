/**
 * Code page 437 (the IBM PC text-mode character set): glyph byte → Unicode character, for
 * reading a text-mode screen as text (query-screen-text, copy from screen).
 */

// Bytes 0x01–0x1F and 0x7F are pictures in CP437, not control characters; byte 0 is blank.
const low = ' ☺☻♥♦♣♠•◘○◙♂♀♪♫☼►◄↕‼¶§▬↨↑↓→←∟↔▲▼';
const high =
  'ÇüéâäàåçêëèïîìÄÅÉæÆôöòûùÿÖÜ¢£¥₧ƒáíóúñÑªº¿⌐¬½¼¡«»░▒▓│┤╡╢╖╕╣║╗╝╜╛┐' +
  '└┴┬├─┼╞╟╚╔╩╦╠═╬╧╨╤╥╙╘╒╓╫╪┘┌█▄▌▐▀αßΓπΣσµτΦΘΩδ∞φε∩≡±≥≤⌠⌡÷≈°∙·√ⁿ²■\u00a0';

/** The 256 characters of code page 437, indexed by glyph byte. */
export const cp437: readonly string[] = (() => {
  const table: string[] = [];
  for (const ch of low) table.push(ch);
  for (let code = 0x20; code < 0x7f; code++) table.push(String.fromCharCode(code));
  table.push('⌂');
  for (const ch of high) table.push(ch);
  return table;
})();

/** The Unicode character a CP437 glyph byte shows (only the low 8 bits are used). */
export function cp437ToChar(glyph: number): string {
  return cp437[glyph & 0xff] ?? ' ';
}

/** Decodes CP437 glyph bytes into a string. */
export function decodeCp437(glyphs: ArrayLike<number>): string {
  let text = '';
  for (let i = 0; i < glyphs.length; i++) text += cp437ToChar(glyphs[i] ?? 0);
  return text;
}
