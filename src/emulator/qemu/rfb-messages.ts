/**
 * The RFB (VNC) wire format as the client in rfb.ts speaks it: encoding numbers, extended
 * clipboard flags, the client messages it sends, and decoders for what servers send in
 * self-contained pieces (cursor shapes, extended clipboard text). No I/O here.
 */
import { deflateSync, inflateSync } from 'node:zlib';

export const ENCODING_RAW = 0;
export const ENCODING_COPY_RECT = 1;
export const ENCODING_DESKTOP_SIZE = -223;
export const ENCODING_CURSOR = -239;
export const ENCODING_POINTER_TYPE_CHANGE = -257;
export const ENCODING_QEMU_EXTENDED_KEY = -258;
export const ENCODING_EXTENDED_DESKTOP_SIZE = -308;
export const ENCODING_ALPHA_CURSOR = -314;
export const ENCODING_EXTENDED_CLIPBOARD = 0xc0a1e5ce | 0;

export const CLIPBOARD_TEXT = 1 << 0;
export const CLIPBOARD_CAPS = 1 << 24;
export const CLIPBOARD_REQUEST = 1 << 25;
export const CLIPBOARD_PEEK = 1 << 26;
export const CLIPBOARD_NOTIFY = 1 << 27;
export const CLIPBOARD_PROVIDE = 1 << 28;

/** Encodings this client asks for, most preferred first. */
export const clientEncodings = [
  ENCODING_COPY_RECT,
  ENCODING_RAW,
  ENCODING_EXTENDED_DESKTOP_SIZE,
  ENCODING_DESKTOP_SIZE,
  ENCODING_ALPHA_CURSOR,
  ENCODING_CURSOR,
  ENCODING_POINTER_TYPE_CHANGE,
  ENCODING_QEMU_EXTENDED_KEY,
  ENCODING_EXTENDED_CLIPBOARD,
] as const;

/** A cursor shape: RGBA pixels with straight alpha. */
export interface RfbCursor {
  readonly width: number;
  readonly height: number;
  readonly hotX: number;
  readonly hotY: number;
  readonly pixels: Uint8Array;
}

/** SetPixelFormat: 32 bpp, depth 24, little-endian, true colour, R/G/B at shifts 0/8/16: bytes R,G,B,x. */
export function setPixelFormatMessage(): Buffer {
  return Buffer.from([0, 0, 0, 0, 32, 24, 0, 1, 0, 255, 0, 255, 0, 255, 0, 8, 16, 0, 0, 0]);
}

/** SetEncodings with `clientEncodings`. */
export function setEncodingsMessage(): Buffer {
  const encodings = Buffer.alloc(4 + clientEncodings.length * 4);
  encodings.writeUInt8(2, 0);
  encodings.writeUInt16BE(clientEncodings.length, 2);
  clientEncodings.forEach((encoding, index) => encodings.writeInt32BE(encoding, 4 + index * 4));
  return encodings;
}

/** FramebufferUpdateRequest for the whole `width` × `height` framebuffer. */
export function updateRequestMessage(incremental: boolean, width: number, height: number): Buffer {
  const message = Buffer.alloc(10);
  message.writeUInt8(3, 0);
  message.writeUInt8(incremental ? 1 : 0, 1);
  message.writeUInt16BE(width, 6);
  message.writeUInt16BE(height, 8);
  return message;
}

/** QEMU extended key event (XT scancode; 0xE0-prefixed keys as 0xE0xx). */
export function extendedKeyMessage(down: boolean, scancode: number, keysym: number): Buffer {
  const message = Buffer.alloc(12);
  message.writeUInt8(255, 0);
  message.writeUInt8(0, 1);
  message.writeUInt16BE(down ? 1 : 0, 2);
  message.writeUInt32BE(keysym, 4);
  // QEMU numbers E0-prefixed keys as 0x80 | code.
  message.writeUInt32BE(scancode >= 0xe000 ? 0x80 | (scancode & 0x7f) : scancode, 8);
  return message;
}

/**
 * A QEMU extended key event that changes nothing: the release of key number 0 (no key), which
 * QEMU drops because that key is not down (qkbd_state_key_event filters releases of keys that
 * are not pressed). Like every input message (client message type > 3), it sets QEMU's VNC
 * refresh timer back to its base interval (30 ms), which QEMU lengthens while nothing changes.
 */
export const refreshNudgeMessage: Buffer = extendedKeyMessage(false, 0, 0);

/** PointerEvent: x/y clamped to 16 bits. */
export function pointerMessage(x: number, y: number, buttonMask: number): Buffer {
  const message = Buffer.alloc(6);
  message.writeUInt8(5, 0);
  message.writeUInt8(buttonMask, 1);
  message.writeUInt16BE(Math.max(0, Math.min(0xffff, x)), 2);
  message.writeUInt16BE(Math.max(0, Math.min(0xffff, y)), 4);
  return message;
}

/** Extended clipboard ClientCutText: negative length, flags, payload. */
export function extendedClipboardMessage(flags: number, payload: Buffer): Buffer {
  const header = Buffer.alloc(8);
  header.writeUInt8(6, 0);
  header.writeInt32BE(-(4 + payload.length), 4);
  const flagBytes = Buffer.alloc(4);
  flagBytes.writeUInt32BE(flags >>> 0, 0);
  return Buffer.concat([header, flagBytes, payload]);
}

/** The zlib payload of an extended clipboard "provide" carrying `text`. */
export function clipboardTextPayload(text: string): Buffer {
  const utf8 = Buffer.from(`${text}\0`, 'utf8');
  const length = Buffer.alloc(4);
  length.writeUInt32BE(utf8.length, 0);
  return deflateSync(Buffer.concat([length, utf8]));
}

/** The text of an extended clipboard "provide" payload. */
export function clipboardTextFromPayload(payload: Buffer): string {
  const inflated = inflateSync(payload);
  const size = inflated.readUInt32BE(0);
  return inflated.subarray(4, 4 + size).toString('utf8').replace(/\0$/, '');
}

/** Rich cursor (-239): pixels in our format (R,G,B,x) plus a 1-bit mask, MSB leftmost. */
export function richCursorToRgba(width: number, height: number, pixels: Buffer, mask: Buffer): Uint8Array {
  const out = new Uint8Array(width * height * 4);
  const stride = Math.ceil(width / 8);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const index = (y * width + x) * 4;
      const visible = (mask[y * stride + (x >> 3)]! >> (7 - (x & 7))) & 1;
      out[index] = pixels[index]!;
      out[index + 1] = pixels[index + 1]!;
      out[index + 2] = pixels[index + 2]!;
      out[index + 3] = visible ? 255 : 0;
    }
  }
  return out;
}

/**
 * Alpha cursor (-314) as QEMU 7.2 sends it: QEMUCursor words 0xAARRGGBB in host (little-endian)
 * order — bytes B,G,R,A — with straight alpha.
 */
export function alphaCursorToRgba(data: Buffer): Uint8Array {
  const out = new Uint8Array(data.length);
  for (let index = 0; index < data.length; index += 4) {
    out[index] = data[index + 2]!;
    out[index + 1] = data[index + 1]!;
    out[index + 2] = data[index]!;
    out[index + 3] = data[index + 3]!;
  }
  return out;
}
