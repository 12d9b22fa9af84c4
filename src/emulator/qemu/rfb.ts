/**
 * A small RFB (VNC) client for QEMU's VNC server on a UNIX socket: protocol 3.8, no
 * authentication, Raw and CopyRect rectangles, desktop resize (plain and extended), rich and
 * alpha cursors, pointer-type changes, QEMU extended key events and the extended clipboard.
 * It keeps a copy of the framebuffer (RGBA) and reports what changed. This file is the
 * connection (handshake, reading and applying updates); message layouts are in rfb-messages.ts.
 */
import { connect, type Socket } from 'node:net';
import {
  CLIPBOARD_CAPS,
  CLIPBOARD_NOTIFY,
  CLIPBOARD_PEEK,
  CLIPBOARD_PROVIDE,
  CLIPBOARD_REQUEST,
  CLIPBOARD_TEXT,
  ENCODING_ALPHA_CURSOR,
  ENCODING_COPY_RECT,
  ENCODING_CURSOR,
  ENCODING_DESKTOP_SIZE,
  ENCODING_EXTENDED_CLIPBOARD,
  ENCODING_EXTENDED_DESKTOP_SIZE,
  ENCODING_POINTER_TYPE_CHANGE,
  ENCODING_QEMU_EXTENDED_KEY,
  ENCODING_RAW,
  alphaCursorToRgba,
  clipboardTextFromPayload,
  clipboardTextPayload,
  extendedClipboardMessage,
  extendedKeyMessage,
  pointerMessage,
  refreshNudgeMessage,
  richCursorToRgba,
  setEncodingsMessage,
  setPixelFormatMessage,
  updateRequestMessage,
  type RfbCursor,
} from './rfb-messages.js';

export { clientEncodings, type RfbCursor } from './rfb-messages.js';

/**
 * After input, how often QEMU's VNC refresh timer is set back to its base interval, and for how
 * long after the last input. QEMU refreshes every 30 ms while the screen changes and backs off
 * by 50 ms per idle tick (up to 3 s); an input message sets it back to 30 ms, but the tick that
 * follows comes at once, before the guest has reacted, finds nothing and backs off to 80 ms. A
 * key-up or pointer event arriving within 30 ms undoes that (noVNC's keyup usually does); a
 * nudge shortly after each input does it whatever the input's timing, so the guest's reaction is
 * sent at the next 30 ms tick rather than up to 80 ms later. Nothing is sent when idle.
 */
export const REFRESH_NUDGE_INTERVAL_MS = 15;
export const REFRESH_NUDGE_WINDOW_MS = 250;
/** While the listener holds updates, how often the held request is checked again. */
export const HELD_REQUEST_CHECK_MS = 10;

/** What the client reports to its owner. */
export interface RfbListener {
  /** The framebuffer changed size (including the first size after the handshake). */
  resize?(width: number, height: number): void;
  /** A rectangle of the framebuffer changed; read it with `copyRect`. */
  rect?(x: number, y: number, width: number, height: number): void;
  /** One framebuffer update (all its rectangles) was applied. */
  frame?(): void;
  /**
   * True while nobody can take new frames (every display viewer is far behind): the next update
   * request waits until it is false, and the server keeps collecting the changes meanwhile.
   */
  holdUpdates?(): boolean;
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
  /** The framebuffer as 32-bit words (one per pixel). */
  private words = new Uint32Array(0);
  /** True once the server acknowledged QEMU extended key events. */
  extendedKeys = false;
  absolutePointer = false;
  /** Number of framebuffer updates applied. */
  frames = 0;
  /** Whether input is followed by refresh nudges (REFRESH_NUDGE_INTERVAL_MS); benchmarks compare both. */
  refreshNudges = true;
  /** Received bytes not consumed yet, kept as chunks so big rectangles are not re-copied per chunk. */
  private chunks: Buffer[] = [];
  private buffered = 0;
  /** A pending read of `size` bytes, or (`peek`) a wait for any data without consuming it. */
  private waiter: { readonly size: number; readonly peek?: boolean; readonly resolve: (data: Buffer) => void; readonly reject: (error: Error) => void } | undefined;
  private closedReason: string | undefined;
  private requestTimer: NodeJS.Timeout | undefined;
  /** How many update requests were held back because nobody could take frames (tests, benchmarks). */
  heldRequests = 0;
  /** How many times followInput was called (tests). */
  inputsFollowed = 0;
  /** Refresh nudges after input (REFRESH_NUDGE_INTERVAL_MS): the timer, and until when (performance.now()). */
  private nudgeTimer: NodeJS.Timeout | undefined;
  private nudgeUntil = 0;
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
   * updates. By default an update request is always outstanding: the next one is sent as soon
   * as an update starts arriving, so the server's refresh tick (QEMU: every 30 ms or more) always
   * finds one waiting and no frame is lost to a round trip; the server still sends nothing until
   * something changed, and never more than the socket drains. `minFrameIntervalMs` > 0 instead
   * waits that long after each update before asking again (frame pacing).
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
    const client = new RfbClient(socket, listener, options.minFrameIntervalMs ?? 0);
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

  /** Whether refresh nudges are still being sent after the last input (REFRESH_NUDGE_WINDOW_MS). */
  get refreshing(): boolean {
    return this.nudgeTimer !== undefined;
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
    this.write(extendedKeyMessage(down, scancode, keysym));
    this.keepRefreshing();
  }

  /** Sends a pointer event: absolute x/y in pixels (or 0x7fff + delta for a relative guest). */
  sendPointer(x: number, y: number, buttonMask: number): void {
    this.write(pointerMessage(x, y, buttonMask));
    this.keepRefreshing();
  }

  /** Offers host clipboard text to the guest (extended clipboard "provide", zlib-compressed). */
  sendClipboardText(text: string): void {
    this.writeExtendedClipboard(CLIPBOARD_PROVIDE | CLIPBOARD_TEXT, clipboardTextPayload(text));
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

  /**
   * Input reached QEMU another way (QMP): keep its refresh at the base interval as after VNC
   * input, so the guest's reaction goes out at the next tick.
   */
  followInput(): void {
    this.inputsFollowed++;
    // At once, as a VNC input message would have: the first timed nudge comes only after an interval.
    if (this.refreshNudges && this.closedReason === undefined) this.write(refreshNudgeMessage);
    this.keepRefreshing();
  }

  /** Keeps QEMU's refresh at its base interval until REFRESH_NUDGE_WINDOW_MS after this input. */
  private keepRefreshing(): void {
    if (!this.refreshNudges) return;
    this.nudgeUntil = performance.now() + REFRESH_NUDGE_WINDOW_MS;
    if (this.nudgeTimer !== undefined || this.closedReason !== undefined) return;
    const nudge = (): void => {
      if (this.closedReason !== undefined || performance.now() >= this.nudgeUntil) {
        this.nudgeTimer = undefined;
        return;
      }
      this.write(refreshNudgeMessage);
      this.nudgeTimer = setTimeout(nudge, REFRESH_NUDGE_INTERVAL_MS).unref();
    };
    this.nudgeTimer = setTimeout(nudge, REFRESH_NUDGE_INTERVAL_MS).unref();
  }

  private writeExtendedClipboard(flags: number, payload: Buffer): void {
    this.write(extendedClipboardMessage(flags, payload));
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

    this.write(setPixelFormatMessage());
    this.write(setEncodingsMessage());
    this.listener.resize?.(this.width, this.height);
    this.requestUpdate(false);
  }

  private setSize(width: number, height: number): void {
    this.width = width;
    this.height = height;
    this.framebuffer = new Uint8Array(width * height * 4);
    this.words = new Uint32Array(this.framebuffer.buffer);
    this.words.fill(0xff000000);
  }

  private requestUpdate(incremental: boolean): void {
    this.write(updateRequestMessage(incremental, this.width, this.height));
  }

  private scheduleRequest(): void {
    if (this.requestTimer !== undefined || this.closedReason !== undefined) return;
    this.requestTimer = setTimeout(() => {
      this.requestTimer = undefined;
      this.requestNext();
    }, this.minFrameIntervalMs);
  }

  /** Sends the next incremental request now, or as soon as the listener stops holding updates. */
  private requestNext(): void {
    if (this.closedReason !== undefined) return;
    if (this.listener.holdUpdates?.() === true) {
      if (this.requestTimer === undefined) this.heldRequests++;
      this.requestTimer ??= setTimeout(() => {
        this.requestTimer = undefined;
        this.requestNext();
      }, HELD_REQUEST_CHECK_MS);
      return;
    }
    this.requestUpdate(true);
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
    // Ask for the next update before reading this one's pixels (see `open`).
    const pipelined = this.minFrameIntervalMs <= 0;
    if (pipelined) this.requestNext();
    const size = { width: this.width, height: this.height };
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
          await this.readRaw(x, y, width, height);
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
    if (!pipelined) this.scheduleRequest();
    // The outstanding request named the old size; a server that honours the region needs the new one.
    // (A held request reads the size when it goes.)
    else if ((this.width !== size.width || this.height !== size.height) && this.requestTimer === undefined) this.requestUpdate(true);
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
      const text = clipboardTextFromPayload(payload);
      this.guestClipboardText = text;
      this.listener.clipboard?.(text);
    }
  }

  /**
   * Copies a Raw rectangle into the framebuffer straight from the received chunks as they
   * arrive (no buffer of the rectangle's size is assembled: a full screen is megabytes a frame),
   * then forces alpha with one 32-bit OR per pixel.
   */
  private async readRaw(x: number, y: number, width: number, height: number): Promise<void> {
    const rowBytes = width * 4;
    const total = rowBytes * height;
    if (x + width > this.width || y + height > this.height) {
      // Outside the screen (a server racing a resize): read past it, draw nothing.
      await this.read(total);
      return;
    }
    let done = 0;
    while (done < total) {
      if (this.buffered === 0) await this.dataArrived();
      const chunk = this.chunks[0]!;
      let used = 0;
      while (used < chunk.length && done < total) {
        const row = Math.floor(done / rowBytes);
        const column = done - row * rowBytes;
        const take = Math.min(rowBytes - column, chunk.length - used);
        this.framebuffer.set(chunk.subarray(used, used + take), ((y + row) * this.width + x) * 4 + column);
        used += take;
        done += take;
      }
      this.buffered -= used;
      if (used === chunk.length) this.chunks.shift();
      else this.chunks[0] = chunk.subarray(used);
    }
    const words = this.words;
    for (let row = 0; row < height; row++) {
      // Little-endian (every platform Node runs Hangar on): alpha is a word's top byte.
      const start = (y + row) * this.width + x;
      for (let word = start, end = start + width; word < end; word++) words[word] = words[word]! | 0xff000000;
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

  /** Resolves once some received data is buffered (nothing is consumed). */
  private dataArrived(): Promise<void> {
    if (this.closedReason !== undefined) return Promise.reject(new Error(this.closedReason));
    return new Promise((resolve, reject) => {
      this.waiter = { size: 1, peek: true, resolve: () => resolve(), reject };
      this.wake();
    });
  }

  private wake(): void {
    const waiter = this.waiter;
    if (waiter === undefined || this.buffered < waiter.size) return;
    this.waiter = undefined;
    if (waiter.peek) {
      waiter.resolve(Buffer.alloc(0));
      return;
    }
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
    clearTimeout(this.nudgeTimer);
    this.nudgeTimer = undefined;
    this.waiter?.reject(new Error(reason));
    this.waiter = undefined;
    this.listener.close?.(reason);
  }
}
