/**
 * Reads the VGA text screen of a QEMU guest: the BIOS data area (mode, columns, rows,
 * cursor) and the text buffer at 0xB8000, fetched with the monitor's `xp` command. Unlike
 * `pmemsave` (which writes a file) this needs no disk space, so the screen stays readable when
 * the disk holding the runtime folder is full.
 */
import type { QmpClient } from './qmp.js';

/** The text screen, or undefined when the guest is not in a BIOS text mode. */
export interface TextScreen {
  readonly cols: number;
  readonly rows: number;
  readonly lines: string[];
  readonly cursor: { readonly row: number; readonly col: number; readonly visible: boolean };
}

// Code page 437 upper half, so box-drawing characters read as text.
const cp437High =
  'ÇüéâäàåçêëèïîìÄÅÉæÆôöòûùÿÖÜ¢£¥₧ƒáíóúñÑªº¿⌐¬½¼¡«»░▒▓│┤╡╢╖╕╣║╗╝╜╛┐└┴┬├─┼╞╟╚╔╩╦╠═╬╧╨╤╥╙╘╒╓╫╪┘┌█▄▌▐▀αßΓπΣσµτΦΘΩδ∞φε∩≡±≥≤⌠⌡÷≈°∙·√ⁿ²■ ';

/** The Unicode character of a code page 437 byte (control range shown as spaces, NUL as space). */
export function cp437Character(byte: number): string {
  if (byte >= 0x80) return cp437High[byte - 0x80] ?? ' ';
  if (byte < 0x20 || byte === 0x7f) return ' ';
  return String.fromCharCode(byte);
}

/**
 * The `size` bytes at physical `address` from the output of HMP `xp /<size>xb <address>`
 * (lines like `00000000000b8000: 0x20 0x07 …`). Throws saying what is missing when QEMU
 * printed fewer bytes, or an error, instead of the dump.
 */
export function parsePhysicalDump(output: string, address: number, size: number): Buffer {
  const bytes = Buffer.alloc(size);
  let count = 0;
  for (const line of output.split(/\r?\n/)) {
    const match = /^([0-9a-f]+):(.*)$/i.exec(line.trim());
    if (match === null) continue;
    const offset = Number.parseInt(match[1]!, 16) - address;
    const values = [...match[2]!.matchAll(/0x([0-9a-f]{1,2})\b/gi)].map((value) => Number.parseInt(value[1]!, 16));
    if (values.length === 0 || offset < 0 || offset + values.length > size) {
      throw new Error(`cannot read the text screen: QEMU answered "${line.trim()}" for ${size} bytes at 0x${address.toString(16)}`);
    }
    bytes.set(values, offset);
    count += values.length;
  }
  if (count !== size) {
    const said = output.trim().split(/\r?\n/).at(-1) ?? '';
    throw new Error(`cannot read the text screen: QEMU returned ${count} of ${size} bytes at 0x${address.toString(16)}${said ? ` ("${said}")` : ''}`);
  }
  return bytes;
}

async function readPhysical(qmp: QmpClient, address: number, size: number): Promise<Buffer> {
  const output = await qmp.execute<string>('human-monitor-command', { 'command-line': `xp /${size}xb 0x${address.toString(16)}` }, 10_000);
  return parsePhysicalDump(output, address, size);
}

/**
 * Reads the text screen. `pixelWidth` (the VNC framebuffer width) guards against a stale BIOS
 * mode byte after a VBE/driver mode switch: text modes are 8 or 9 pixels per column.
 */
export async function readTextScreen(qmp: QmpClient, pixelWidth: number): Promise<TextScreen | undefined> {
  const bda = await readPhysical(qmp, 0x400, 0x100);
  const mode = bda.readUInt8(0x49) & 0x7f;
  if (![0, 1, 2, 3, 7].includes(mode)) return undefined;
  const cols = bda.readUInt16LE(0x4a);
  // Zero columns: the BIOS has not set a video mode yet.
  if (cols === 0) return undefined;
  const rows = (bda.readUInt8(0x84) || 24) + 1;
  if (pixelWidth !== cols * 9 && pixelWidth !== cols * 8) return undefined;
  const page = bda.readUInt8(0x62);
  const pageStart = bda.readUInt16LE(0x4e);
  const base = mode === 7 ? 0xb0000 : 0xb8000;
  const buffer = await readPhysical(qmp, base + pageStart, cols * rows * 2);
  const lines: string[] = [];
  for (let row = 0; row < rows; row++) {
    let line = '';
    for (let col = 0; col < cols; col++) line += cp437Character(buffer[(row * cols + col) * 2] ?? 0x20);
    lines.push(line.trimEnd());
  }
  const position = bda.readUInt16LE(0x50 + (page & 7) * 2);
  const shapeStart = bda.readUInt8(0x61);
  return { cols, rows, lines, cursor: { col: position & 0xff, row: position >> 8, visible: (shapeStart & 0x20) === 0 } };
}
