/**
 * A small RFB (VNC) client for QEMU's VNC server on a UNIX socket: protocol 3.8, no
 * authentication, Raw and CopyRect rectangles, desktop resize (plain and extended), rich and
 * alpha cursors, pointer-type changes, QEMU extended key events and the extended clipboard.
 * It keeps a copy of the framebuffer (RGBA) and reports what changed.
 */
import { connect, type Socket } from 'node:net';
import { deflateSync, inflateSync } from 'node:zlib';

const ENCODING_RAW = 0;
const ENCODING_COPY_RECT = 1;
const ENCODING_DESKTOP_SIZE = -223;
const ENCODING_CURSOR = -239;
const ENCODING_POINTER_TYPE_CHANGE = -257;
const ENCODING_QEMU_EXTENDED_KEY = -258;
const ENCODING_EXTENDED_DESKTOP_SIZE = -308;
const ENCODING_ALPHA_CURSOR = -314;
const ENCODING_EXTENDED_CLIPBOARD = 0xc0a1e5ce | 0;

const CLIPBOARD_TEXT = 1 << 0;
const CLIPBOARD_CAPS = 1 << 24;
const CLIPBOARD_REQUEST = 1 << 25;
const CLIPBOARD_PEEK = 1 << 26;
const CLIPBOARD_NOTIFY = 1 << 27;
const CLIPBOARD_PROVIDE = 1 << 28;

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

/** What the client reports to its owner. */
export interface RfbListener {
  /** The framebuffer changed size (including the first size after the handshake). */
  resize?(width: number, height: number): void;
  /** A rectangle of the framebuffer changed; read it with `copyRect`. */
  rect?(x: number, y: number, width: number, height: number): void;
  /** One framebuffer update (all its rectangles) was applied. */
  frame?(): void;
  cursor?(cursor: RfbCursor): void;
  /** The guest pointer became absolute (tablet) or relative. */
  pointerType?(absolute: boolean): void;
  /** The server (guest) offered clipboard text. */
  clipboard?(text: string): void;
  /** The connection ended. */
  close?(reason: string): void;
}

/** An RFB session over a UNIX socket. Owner calls `close()`. */
export class RfbClient {
  width = 0;
  height = 0;
  name = '';
  /** RGBA, alpha forced to 255. */
  framebuffer = new Uint8Array(0);
  /** True once the server acknowledged QEMU extended key events. */
  extendedKeys = false;
  absolutePointer = false;
  /** Number of framebuffer updates applied. */
  frames = 0;
  /** Received bytes not consumed yet, kept as chunks so big rectangles are not re-copied per chunk. */
  private chunks: Buffer[] = [];
  private buffered = 0;
  private waiter: { readonly size: number; readonly resolve: (data: Buffer) => void; readonly reject: (error: Error) => void } | undefined;
  private closedReason: string | undefined;
  private requestTimer: NodeJS.Timeout | undefined;
  private guestClipboardText: string | undefined;

  private constructor(
    private readonly socket: Socket,
    private readonly listener: RfbListener,
    private readonly minFrameIntervalMs: number,
  ) {
    socket.on('data', (chunk: Buffer) => {
      this.chunks.push(chunk);
      this.buffered += chunk.length;
      this.wake();
    });
    socket.on('error', (error) => this.shutdown(`VNC socket error: ${error.message}`));
    socket.on('close', () => this.shutdown('VNC connection closed'));
  }

  /**
   * Connects to the VNC server at `path`, completes the handshake and starts receiving
   * updates. `minFrameIntervalMs` limits how often updates are requested (frame pacing).
   */
  static async open(path: string, listener: RfbListener, options: { timeoutMs?: number; minFrameIntervalMs?: number } = {}): Promise<RfbClient> {
    const socket = await new Promise<Socket>((resolve, reject) => {
      const candidate = connect(path);
      candidate.once('connect', () => {
        candidate.removeAllListeners('error');
        resolve(candidate);
      });
      candidate.once('error', reject);
    });
    const client = new RfbClient(socket, listener, options.minFrameIntervalMs ?? 15);
    const timer = setTimeout(() => client.shutdown('VNC handshake timed out'), options.timeoutMs ?? 10_000);
    try {
      await client.handshake();
    } catch (error) {
      client.close();
      throw error;
    } finally {
      clearTimeout(timer);
    }
    void client.run();
    return client;
  }

  get open(): boolean {
    return this.closedReason === undefined;
  }

  /** Copies a rectangle of the framebuffer (RGBA). */
  copyRect(x: number, y: number, width: number, height: number): Uint8Array {
    const out = new Uint8Array(width * height * 4);
    for (let row = 0; row < height; row++) {
      const from = ((y + row) * this.width + x) * 4;
      out.set(this.framebuffer.subarray(from, from + width * 4), row * width * 4);
    }
    return out;
  }

  /** Sends a QEMU extended key event (XT scancode; 0xE0-prefixed keys as 0xE0xx). */
  sendExtendedKey(down: boolean, scancode: number, keysym = 0): void {
    const message = Buffer.alloc(12);
    message.writeUInt8(255, 0);
    message.writeUInt8(0, 1);
    message.writeUInt16BE(down ? 1 : 0, 2);
    message.writeUInt32BE(keysym, 4);
    // QEMU numbers E0-prefixed keys as 0x80 | code.
    message.writeUInt32BE(scancode >= 0xe000 ? 0x80 | (scancode & 0x7f) : scancode, 8);
    this.write(message);
  }

  /** Sends a pointer event: absolute x/y in pixels (or 0x7fff + delta for a relative guest). */
  sendPointer(x: number, y: number, buttonMask: number): void {
    const message = Buffer.alloc(6);
    message.writeUInt8(5, 0);
    message.writeUInt8(buttonMask, 1);
    message.writeUInt16BE(Math.max(0, Math.min(0xffff, x)), 2);
    message.writeUInt16BE(Math.max(0, Math.min(0xffff, y)), 4);
    this.write(message);
  }

  /** Offers host clipboard text to the guest (extended clipboard "provide", zlib-compressed). */
  sendClipboardText(text: string): void {
    const utf8 = Buffer.from(`${text}\0`, 'utf8');
    const length = Buffer.alloc(4);
    length.writeUInt32BE(utf8.length, 0);
    const payload = deflateSync(Buffer.concat([length, utf8]));
    this.writeExtendedClipboard(CLIPBOARD_PROVIDE | CLIPBOARD_TEXT, payload);
  }

  /** Asks the server to send its clipboard text (answered through `listener.clipboard`). */
  requestClipboardText(): void {
    this.writeExtendedClipboard(CLIPBOARD_REQUEST | CLIPBOARD_TEXT, Buffer.alloc(0));
  }

  /** The last clipboard text the guest offered. */
  get guestClipboard(): string | undefined {
    return this.guestClipboardText;
  }

  /** Asks for a full (non-incremental) update, e.g. after a reconnect. */
  requestFullUpdate(): void {
    this.requestUpdate(false);
  }

  close(): void {
    this.socket.destroy();
    this.shutdown('VNC connection closed');
  }

  private writeExtendedClipboard(flags: number, payload: Buffer): void {
    const header = Buffer.alloc(8);
    header.writeUInt8(6, 0);
    header.writeInt32BE(-(4 + payload.length), 4);
    const flagBytes = Buffer.alloc(4);
    flagBytes.writeUInt32BE(flags >>> 0, 0);
    this.write(Buffer.concat([header, flagBytes, payload]));
  }

  private write(data: Buffer): void {
    if (this.closedReason === undefined) this.socket.write(data);
  }

  private async handshake(): Promise<void> {
    const version = (await this.read(12)).toString('latin1');
    if (!version.startsWith('RFB ')) throw new Error(`not a VNC server (greeting ${JSON.stringify(version)})`);
    this.write(Buffer.from('RFB 003.008\n', 'latin1'));
    const count = (await this.read(1)).readUInt8(0);
    if (count === 0) {
      const length = (await this.read(4)).readUInt32BE(0);
      throw new Error(`VNC server refused the connection: ${(await this.read(length)).toString('utf8')}`);
    }
    const types = [...(await this.read(count))];
    if (!types.includes(1)) throw new Error(`VNC server requires authentication (security types ${types.join(', ')})`);
    this.write(Buffer.from([1]));
    const result = (await this.read(4)).readUInt32BE(0);
    if (result !== 0) throw new Error('VNC security handshake failed');
    this.write(Buffer.from([1]));
    const init = await this.read(24);
    this.setSize(init.readUInt16BE(0), init.readUInt16BE(2));
    const nameLength = init.readUInt32BE(20);
    this.name = (await this.read(nameLength)).toString('utf8');

    // 32 bpp, depth 24, little-endian, true colour, R/G/B at shifts 0/8/16: bytes R,G,B,x.
    const pixelFormat = Buffer.from([0, 0, 0, 0, 32, 24, 0, 1, 0, 255, 0, 255, 0, 255, 0, 8, 16, 0, 0, 0]);
    this.write(pixelFormat);
    const encodings = Buffer.alloc(4 + clientEncodings.length * 4);
    encodings.writeUInt8(2, 0);
    encodings.writeUInt16BE(clientEncodings.length, 2);
    clientEncodings.forEach((encoding, index) => encodings.writeInt32BE(encoding, 4 + index * 4));
    this.write(encodings);
    this.listener.resize?.(this.width, this.height);
    this.requestUpdate(false);
  }

  private setSize(width: number, height: number): void {
    this.width = width;
    this.height = height;
    this.framebuffer = new Uint8Array(width * height * 4);
    for (let i = 3; i < this.framebuffer.length; i += 4) this.framebuffer[i] = 255;
  }

  private requestUpdate(incremental: boolean): void {
    const message = Buffer.alloc(10);
    message.writeUInt8(3, 0);
    message.writeUInt8(incremental ? 1 : 0, 1);
    message.writeUInt16BE(this.width, 6);
    message.writeUInt16BE(this.height, 8);
    this.write(message);
  }

  private scheduleRequest(): void {
    if (this.requestTimer !== undefined || this.closedReason !== undefined) return;
    this.requestTimer = setTimeout(() => {
      this.requestTimer = undefined;
      this.requestUpdate(true);
    }, this.minFrameIntervalMs);
  }

  private async run(): Promise<void> {
    try {
      for (;;) {
        const type = (await this.read(1)).readUInt8(0);
        switch (type) {
          case 0:
            await this.readFramebufferUpdate();
            break;
          case 1: {
            const header = await this.read(5);
            await this.read(header.readUInt16BE(3) * 6);
            break;
          }
          case 2:
            break;
          case 3:
            await this.readServerCutText();
            break;
          default:
            throw new Error(`unknown VNC server message type ${type}`);
        }
      }
    } catch (error) {
      this.socket.destroy();
      this.shutdown((error as Error).message);
    }
  }

  private async readFramebufferUpdate(): Promise<void> {
    const header = await this.read(3);
    const count = header.readUInt16BE(1);
    let pixelsChanged = false;
    for (let index = 0; index < count; index++) {
      const rect = await this.read(12);
      const x = rect.readUInt16BE(0);
      const y = rect.readUInt16BE(2);
      const width = rect.readUInt16BE(4);
      const height = rect.readUInt16BE(6);
      const encoding = rect.readInt32BE(8);
      switch (encoding) {
        case ENCODING_RAW: {
          const data = await this.read(width * height * 4);
          this.applyRaw(x, y, width, height, data);
          this.listener.rect?.(x, y, width, height);
          pixelsChanged = true;
          break;
        }
        case ENCODING_COPY_RECT: {
          const source = await this.read(4);
          this.applyCopy(source.readUInt16BE(0), source.readUInt16BE(2), x, y, width, height);
          this.listener.rect?.(x, y, width, height);
          pixelsChanged = true;
          break;
        }
        case ENCODING_DESKTOP_SIZE:
          this.setSize(width, height);
          this.listener.resize?.(width, height);
          break;
        case ENCODING_EXTENDED_DESKTOP_SIZE: {
          const screens = (await this.read(4)).readUInt8(0);
          await this.read(screens * 16);
          // y carries the status; a non-zero status answers a client resize request we never send.
          if (y === 0) {
            this.setSize(width, height);
            this.listener.resize?.(width, height);
          }
          break;
        }
        case ENCODING_CURSOR: {
          const pixels = await this.read(width * height * 4);
          const mask = await this.read(Math.ceil(width / 8) * height);
          this.listener.cursor?.({ width, height, hotX: x, hotY: y, pixels: richCursorToRgba(width, height, pixels, mask) });
          break;
        }
        case ENCODING_ALPHA_CURSOR: {
          const inner = (await this.read(4)).readInt32BE(0);
          if (inner !== ENCODING_RAW) throw new Error(`unsupported alpha cursor encoding ${inner}`);
          const data = await this.read(width * height * 4);
          this.listener.cursor?.({ width, height, hotX: x, hotY: y, pixels: alphaCursorToRgba(data) });
          break;
        }
        case ENCODING_POINTER_TYPE_CHANGE:
          this.absolutePointer = x !== 0;
          this.listener.pointerType?.(this.absolutePointer);
          break;
        case ENCODING_QEMU_EXTENDED_KEY:
          this.extendedKeys = true;
          break;
        default:
          if (encoding === ENCODING_EXTENDED_CLIPBOARD) break;
          throw new Error(`VNC server sent an encoding this client did not ask for (${encoding})`);
      }
    }
    this.frames++;
    if (pixelsChanged || count > 0) this.listener.frame?.();
    this.scheduleRequest();
  }

  private async readServerCutText(): Promise<void> {
    const header = await this.read(7);
    const length = header.readInt32BE(3);
    if (length >= 0) {
      this.guestClipboardText = (await this.read(length)).toString('latin1');
      this.listener.clipboard?.(this.guestClipboardText);
      return;
    }
    const data = await this.read(-length);
    const flags = data.readUInt32BE(0);
    const payload = data.subarray(4);
    if (flags & CLIPBOARD_CAPS) {
      // Announce text support and the actions we use.
      const caps = Buffer.alloc(4);
      caps.writeUInt32BE(1 << 20, 0);
      this.writeExtendedClipboard(
        CLIPBOARD_CAPS | CLIPBOARD_TEXT | CLIPBOARD_REQUEST | CLIPBOARD_PEEK | CLIPBOARD_NOTIFY | CLIPBOARD_PROVIDE,
        caps,
      );
    } else if (flags & CLIPBOARD_NOTIFY) {
      if (flags & CLIPBOARD_TEXT) this.requestClipboardText();
    } else if (flags & CLIPBOARD_PROVIDE && flags & CLIPBOARD_TEXT) {
      const inflated = inflateSync(payload);
      const size = inflated.readUInt32BE(0);
      const text = inflated.subarray(4, 4 + size).toString('utf8').replace(/\0$/, '');
      this.guestClipboardText = text;
      this.listener.clipboard?.(text);
    }
  }

  private applyRaw(x: number, y: number, width: number, height: number, data: Buffer): void {
    const framebuffer = this.framebuffer;
    for (let row = 0; row < height; row++) {
      let to = ((y + row) * this.width + x) * 4;
      let from = row * width * 4;
      for (let column = 0; column < width; column++) {
        framebuffer[to] = data[from]!;
        framebuffer[to + 1] = data[from + 1]!;
        framebuffer[to + 2] = data[from + 2]!;
        framebuffer[to + 3] = 255;
        to += 4;
        from += 4;
      }
    }
  }

  private applyCopy(sourceX: number, sourceY: number, x: number, y: number, width: number, height: number): void {
    const copy = this.copyRect(sourceX, sourceY, width, height);
    for (let row = 0; row < height; row++) {
      this.framebuffer.set(copy.subarray(row * width * 4, (row + 1) * width * 4), ((y + row) * this.width + x) * 4);
    }
  }

  private read(size: number): Promise<Buffer> {
    if (this.closedReason !== undefined) return Promise.reject(new Error(this.closedReason));
    return new Promise((resolve, reject) => {
      this.waiter = { size, resolve, reject };
      this.wake();
    });
  }

  private wake(): void {
    const waiter = this.waiter;
    if (waiter === undefined || this.buffered < waiter.size) return;
    this.waiter = undefined;
    const first = this.chunks[0]!;
    const all = this.chunks.length === 1 || first.length >= waiter.size ? first : Buffer.concat(this.chunks, this.buffered);
    const data = all.subarray(0, waiter.size);
    const rest = all.subarray(waiter.size);
    this.chunks = all === first ? [rest, ...this.chunks.slice(1)] : [rest];
    if (rest.length === 0) this.chunks.shift();
    this.buffered -= waiter.size;
    waiter.resolve(data);
  }

  private shutdown(reason: string): void {
    if (this.closedReason !== undefined) return;
    this.closedReason = reason;
    if (this.requestTimer !== undefined) clearTimeout(this.requestTimer);
    this.waiter?.reject(new Error(reason));
    this.waiter = undefined;
    this.listener.close?.(reason);
  }
}

/** Rich cursor (-239): pixels in our format (R,G,B,x) plus a 1-bit mask, MSB leftmost. */
function richCursorToRgba(width: number, height: number, pixels: Buffer, mask: Buffer): Uint8Array {
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
function alphaCursorToRgba(data: Buffer): Uint8Array {
  const out = new Uint8Array(data.length);
  for (let index = 0; index < data.length; index += 4) {
    out[index] = data[index + 2]!;
    out[index + 1] = data[index + 1]!;
    out[index + 2] = data[index]!;
    out[index + 3] = data[index + 3]!;
  }
  return out;
}
