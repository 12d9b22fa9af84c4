/**
 * The guest's text font on the display channel and in screendump: a boot sector (assembled with
 * nasm at test time) replaces the glyph of 'A' with a solid block after a key press.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import { PNG } from 'pngjs';
import type { TextFontMessage } from '../../shared/protocol/display.js';
import type { EngineBackend } from '../backend.js';
import { createV86Backend } from './index.js';
import { RecordingHost, waitFor } from './test-host.js';

let dir: string;
let host: RecordingHost;
let backend: EngineBackend;

type Handler = (args: unknown) => Promise<unknown>;
const call = async (name: string, args: unknown = {}): Promise<unknown> =>
  (backend.handlers as Record<string, Handler>)[name]?.(args);
const firstLine = async (): Promise<string> => ((await call('query-screen-text')) as { lines: string[] }).lines[0] ?? '';

/** Glyph `code` of a font message, one byte a row (8- or 9-pixel wide fonts: the first byte). */
function glyphRows(font: TextFontMessage, code: number): number[] {
  const rowBytes = Math.ceil(font.width / 8);
  const rows: number[] = [];
  for (let y = 0; y < font.height; y++) rows.push(font.bitmap[(code * font.height + y) * rowBytes] ?? 0);
  return rows;
}

/** How many of the first 8 pixel columns of the character cell at column `col`, row 0, are bright (light grey on black). */
function litPixels(png: PNG, col: number, cellWidth: number, cellHeight: number): number {
  let lit = 0;
  for (let y = 0; y < cellHeight; y++) {
    for (let x = 0; x < 8; x++) {
      const at = (y * png.width + col * cellWidth + x) * 4;
      if ((png.data[at] ?? 0) > 0x80) lit++;
    }
  }
  return lit;
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'hangar-v86-font-'));
  const image = join(dir, 'font.img');
  execFileSync('nasm', ['-f', 'bin', '-o', image, fileURLToPath(new URL('fixtures/font-change.asm', import.meta.url))]);
  truncateSync(image, 1474560);
  host = new RecordingHost();
  backend = await createV86Backend({ engine: 'v86', memoryMib: 32, floppy: image, bootOrder: ['floppy'], runtimeDir: dir }, host);
  await waitFor('the guest to print AB', async () => ((await firstLine()).startsWith('AB') ? true : undefined));
});

after(async () => {
  await backend?.dispose();
  rmSync(dir, { recursive: true, force: true });
});

test('a font the guest loads reaches viewers and screendump', async () => {
  const before = join(dir, 'before.png');
  await call('screendump', { filename: before });
  const first = PNG.sync.read(readFileSync(before));
  const cellWidth = first.width / 80;
  const cellHeight = first.height / 25;
  const litBefore = litPixels(first, 0, cellWidth, cellHeight);
  assert.ok(litBefore > 0 && litBefore < 8 * cellHeight, 'the BIOS font draws A as a letter');

  const from = host.messages.length;
  await call('send-key', { keys: [{ type: 'qcode', data: 'spc' }], 'hold-time': 20 });
  await waitFor('the guest to load its glyph', async () => ((await firstLine()).startsWith('ABF') ? true : undefined));
  const font = await waitFor('a font message with the new glyph', () =>
    host.messages.slice(from).filter((m): m is TextFontMessage => m.type === 'font').find((m) => glyphRows(m, 0x41).every((row) => row === 0xff)),
  5000);
  assert.equal(font.glyphCount, 256);
  assert.notDeepEqual(glyphRows(font, 0x42), glyphRows(font, 0x41), 'only A changed');

  const replayed: TextFontMessage[] = [];
  backend.replayDisplay((message) => {
    if (message.type === 'font') replayed.push(message);
  });
  assert.ok(replayed[0] && glyphRows(replayed[0], 0x41).every((row) => row === 0xff), 'replay carries the new font');

  const after = join(dir, 'after.png');
  await call('screendump', { filename: after });
  const second = PNG.sync.read(readFileSync(after));
  assert.equal(litPixels(second, 0, cellWidth, cellHeight), 8 * cellHeight, 'A is drawn as a solid block');
  assert.equal(litPixels(second, 1, cellWidth, cellHeight), litPixels(first, 1, cellWidth, cellHeight), 'B is unchanged');
});
