/**
 * Binary encoding of display messages (display.ts) for MessagePorts and WebSockets.
 *
 * Layout of one message: byte 0 type code, byte 1 flags (booleans, mode kind), bytes 2..3
 * the number N of 32-bit header fields, then N little-endian uint32 fields, then the payload
 * (pixels, font bitmap, or text cells as little-endian uint32). The payload starts 4-aligned.
 */
import type { DisplayMessage } from './display.js';

const typeCodes = { mode: 1, text: 2, 'text-cursor': 3, font: 4, rect: 5, 'cursor-sprite': 6, 'pointer-mode': 7 } as const;
const modeKinds = ['off', 'text', 'graphics'] as const;

/** One message as its header and its payload, unjoined (joined, they are the encoded message). */
export interface DisplayMessageParts {
  readonly header: Uint8Array;
  readonly payload?: Uint8Array;
}

function pack(type: keyof typeof typeCodes, flags: number, fields: readonly number[], payload?: Uint8Array): DisplayMessageParts {
  const header = new Uint8Array(4 + fields.length * 4);
  const view = new DataView(header.buffer);
  view.setUint8(0, typeCodes[type]);
  view.setUint8(1, flags);
  view.setUint16(2, fields.length, true);
  fields.forEach((value, index) => view.setUint32(4 + index * 4, value >>> 0, true));
  return payload && payload.byteLength > 0 ? { header, payload } : { header };
}

function uint32Bytes(values: Uint32Array): Uint8Array {
  const bytes = new Uint8Array(values.length * 4);
  const view = new DataView(bytes.buffer);
  for (let index = 0; index < values.length; index++) view.setUint32(index * 4, values[index] as number, true);
  return bytes;
}

/** Encodes one display message. */
export function encodeDisplayMessage(message: DisplayMessage): Uint8Array {
  const { header, payload } = encodeDisplayParts(message);
  if (!payload) return header;
  const out = new Uint8Array(header.byteLength + payload.byteLength);
  out.set(header);
  out.set(payload, header.byteLength);
  return out;
}

/**
 * Encodes one display message as header and payload without joining them: a transport that can
 * send a message in fragments (a WebSocket) sends megabytes of pixels without copying them. The
 * payload is the message's own array (text cells: a little-endian copy).
 */
export function encodeDisplayParts(message: DisplayMessage): DisplayMessageParts {
  switch (message.type) {
    case 'mode':
      if (message.mode === 'text') return pack('mode', 1, [message.cols, message.rows, message.width, message.height]);
      if (message.mode === 'graphics') return pack('mode', 2, [message.width, message.height]);
      return pack('mode', 0, []);
    case 'text':
      return pack('text', 0, [message.row, message.rowCount, message.cols], uint32Bytes(message.cells));
    case 'text-cursor':
      return pack('text-cursor', message.visible ? 1 : 0, [message.row, message.col, message.start, message.end]);
    case 'font':
      return pack('font', 0, [message.width, message.height, message.glyphCount], message.bitmap);
    case 'rect':
      return pack('rect', 0, [message.x, message.y, message.width, message.height], message.pixels);
    case 'cursor-sprite':
      return pack('cursor-sprite', message.visible ? 1 : 0, [message.width, message.height, message.hotX, message.hotY], message.pixels);
    case 'pointer-mode':
      return pack('pointer-mode', message.absolute ? 1 : 0, []);
  }
}

/**
 * Decodes one display message; throws an Error saying what is wrong with malformed input.
 * Pixel, cursor and font payloads are views into `input` (no copy). With `separatePayload`,
 * `input` is the header alone and the payload comes apart (encodeDisplayParts's two halves,
 * as a MessagePort carries them unjoined).
 */
export function decodeDisplayMessage(input: Uint8Array | ArrayBuffer, separatePayload?: Uint8Array): DisplayMessage {
  const bytes = input instanceof Uint8Array ? input : new Uint8Array(input);
  if (bytes.byteLength < 4) throw new Error(`display message too short (${bytes.byteLength} bytes)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const code = view.getUint8(0);
  const flags = view.getUint8(1);
  const count = view.getUint16(2, true);
  const headerLength = 4 + count * 4;
  if (bytes.byteLength < headerLength) throw new Error('display message header truncated');
  const field = (index: number): number => {
    if (index >= count) throw new Error(`display message type ${code} lacks header field ${index}`);
    return view.getUint32(4 + index * 4, true);
  };
  // A view, not a copy: a full-screen rectangle is megabytes per frame, and each received
  // message has its own buffer. Callers must not reuse `input` while the message is in use.
  if (separatePayload && bytes.byteLength !== headerLength) throw new Error(`display message header is ${bytes.byteLength} bytes, expected ${headerLength}`);
  const payload = (): Uint8Array => separatePayload ?? bytes.subarray(headerLength);
  const expect = (length: number, what: string): Uint8Array => {
    const data = payload();
    if (data.byteLength !== length) throw new Error(`display ${what} payload is ${data.byteLength} bytes, expected ${length}`);
    return data;
  };
  switch (code) {
    case typeCodes.mode: {
      const kind = modeKinds[flags];
      if (kind === 'text') return { type: 'mode', mode: 'text', cols: field(0), rows: field(1), width: field(2), height: field(3) };
      if (kind === 'graphics') return { type: 'mode', mode: 'graphics', width: field(0), height: field(1) };
      if (kind === 'off') return { type: 'mode', mode: 'off' };
      throw new Error(`unknown display mode kind ${flags}`);
    }
    case typeCodes.text: {
      const rowCount = field(1);
      const cols = field(2);
      const data = expect(rowCount * cols * 12, 'text');
      const cells = new Uint32Array(rowCount * cols * 3);
      const cellView = new DataView(data.buffer, data.byteOffset, data.byteLength);
      for (let index = 0; index < cells.length; index++) cells[index] = cellView.getUint32(index * 4, true);
      return { type: 'text', row: field(0), rowCount, cols, cells };
    }
    case typeCodes['text-cursor']:
      return { type: 'text-cursor', row: field(0), col: field(1), start: field(2), end: field(3), visible: (flags & 1) === 1 };
    case typeCodes.font: {
      const width = field(0);
      const height = field(1);
      const glyphCount = field(2);
      return { type: 'font', width, height, glyphCount, bitmap: expect(Math.ceil(width / 8) * height * glyphCount, 'font') };
    }
    case typeCodes.rect: {
      const width = field(2);
      const height = field(3);
      return { type: 'rect', x: field(0), y: field(1), width, height, pixels: expect(width * height * 4, 'rectangle') };
    }
    case typeCodes['cursor-sprite']: {
      const width = field(0);
      const height = field(1);
      return { type: 'cursor-sprite', visible: (flags & 1) === 1, width, height, hotX: field(2), hotY: field(3), pixels: expect(width * height * 4, 'cursor') };
    }
    case typeCodes['pointer-mode']:
      return { type: 'pointer-mode', absolute: (flags & 1) === 1 };
    default:
      throw new Error(`unknown display message type ${code}`);
  }
}

// ---------------------------------------------------------------- compressed envelopes

/**
 * Type code of a compressed envelope: a transport wrapper around one encoded display message,
 * for viewers on a network (the web shell's `/display` socket with `encoding=deflate`). Layout:
 * the usual header (flags bit 0: the inner payload is delta-filtered; one field: the inner
 * message's length in bytes), then the inner message (header and payload) as raw DEFLATE
 * (RFC 1951). Delta filter: the inner payload read as little-endian 32-bit words, each replaced
 * by its difference from the previous word (the first from 0), modulo 2^32 — flat areas and
 * gradients become runs DEFLATE shrinks to almost nothing, as Tight's gradient filter does.
 */
export const deflateEnvelopeCode = 8;
/** Largest inner message an envelope may declare (a 4096×4096 32-bit rectangle and its header); larger is refused before inflating. */
export const maxInflatedBytes = (64 << 20) + 64;

/** One compressed envelope, read (its body is a view of the input). */
export interface DeflateEnvelope {
  /** Length of the inner message once inflated. */
  readonly inflatedLength: number;
  /** Whether the inner payload is delta-filtered (undo with undoDeltaFilter after inflating). */
  readonly filtered: boolean;
  /** Raw DEFLATE data. */
  readonly body: Uint8Array;
}

/** The envelope header for `compressed` data inflating to `inflatedLength` bytes; the compressed data is the payload. */
export function encodeDeflateEnvelope(compressed: Uint8Array, inflatedLength: number, filtered: boolean): DisplayMessageParts {
  const header = new Uint8Array(8);
  const view = new DataView(header.buffer);
  view.setUint8(0, deflateEnvelopeCode);
  view.setUint8(1, filtered ? 1 : 0);
  view.setUint16(2, 1, true);
  view.setUint32(4, inflatedLength >>> 0, true);
  return { header, payload: compressed };
}

/**
 * Reads a compressed envelope; undefined when `input` is a plain display message. Throws when
 * the envelope is malformed or declares more than `maxInflatedBytes` (checked before any
 * inflating, so a decompression bomb costs nothing).
 */
export function readDeflateEnvelope(input: Uint8Array | ArrayBuffer): DeflateEnvelope | undefined {
  const bytes = input instanceof Uint8Array ? input : new Uint8Array(input);
  if (bytes.byteLength < 1 || bytes[0] !== deflateEnvelopeCode) return undefined;
  if (bytes.byteLength < 8) throw new Error(`compressed display message too short (${bytes.byteLength} bytes)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const count = view.getUint16(2, true);
  if (count < 1 || bytes.byteLength < 4 + count * 4) throw new Error('compressed display message header truncated');
  const inflatedLength = view.getUint32(4, true);
  if (inflatedLength < 4) throw new Error(`compressed display message declares ${inflatedLength} bytes, too few for a message`);
  if (inflatedLength > maxInflatedBytes) throw new Error(`compressed display message declares ${inflatedLength} bytes, more than the ${maxInflatedBytes} allowed`);
  return { inflatedLength, filtered: (view.getUint8(1) & 1) === 1, body: bytes.subarray(4 + count * 4) };
}

/** Byte length of an encoded message's header (where its payload starts); throws when truncated. */
export function displayHeaderLength(message: Uint8Array): number {
  if (message.byteLength < 4) throw new Error(`display message too short (${message.byteLength} bytes)`);
  const length = 4 + (message[2]! | (message[3]! << 8)) * 4;
  if (message.byteLength < length) throw new Error('display message header truncated');
  return length;
}

function words(bytes: Uint8Array): Int32Array {
  if (bytes.byteOffset % 4 !== 0 || bytes.byteLength % 4 !== 0) throw new Error('delta-filtered display payloads are whole 32-bit words at a 4-aligned offset');
  return new Int32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
}

/**
 * Writes `source` delta-filtered into `target` (same length; both 4-aligned whole words).
 * Words are read in host byte order, which is little-endian on every platform Hangar runs on.
 */
export function applyDeltaFilter(source: Uint8Array, target: Uint8Array): void {
  const from = words(source);
  const to = words(target);
  if (from.length !== to.length) throw new Error('delta filter source and target differ in length');
  let previous = 0;
  for (let index = 0; index < from.length; index++) {
    const value = from[index] as number;
    to[index] = (value - previous) | 0;
    previous = value;
  }
}

/** Undoes applyDeltaFilter in place. */
export function undoDeltaFilter(data: Uint8Array): void {
  const values = words(data);
  let previous = 0;
  for (let index = 0; index < values.length; index++) {
    previous = (previous + (values[index] as number)) | 0;
    values[index] = previous;
  }
}
