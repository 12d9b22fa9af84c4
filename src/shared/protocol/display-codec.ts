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
 * Pixel, cursor and font payloads are views into `input` (no copy).
 */
export function decodeDisplayMessage(input: Uint8Array | ArrayBuffer): DisplayMessage {
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
  const payload = (): Uint8Array => bytes.subarray(headerLength);
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
