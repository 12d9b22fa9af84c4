/**
 * Compressed display frames for a viewer on a network: which encoding a `/display` socket uses,
 * and the per-viewer sender that wraps each display message in a compressed envelope
 * (src/shared/protocol/display-codec.ts, `deflateEnvelopeCode`).
 *
 * Raw pixels are the cheapest path on loopback (no CPU spent either side), but a full 1024×768
 * frame is 3 MiB: over a 20 Mbit/s link that is more than a second per frame. Compressed, the
 * same frame is kilobytes for screens of flat areas, text and gradients (pixels delta-filtered,
 * then DEFLATE level 1). The DEFLATE runs on libuv's thread pool (node:zlib's asynchronous
 * calls), so main's event loop only pays the filter (about a millisecond per 3 MiB) and the
 * envelope; one message is compressed at a time per viewer, in order.
 */
import { deflateRaw } from 'node:zlib';
import { applyDeltaFilter, displayHeaderLength, encodeDeflateEnvelope } from '../../shared/protocol/display-codec.js';

/** How a `/display` socket sends frames. */
export type DisplayEncoding = 'raw' | 'deflate';

/** Messages smaller than this go out as they are: compressing them saves less than it costs. */
export const minCompressBytes = 1024;
/** DEFLATE level: 1 is several times faster than the default and, after the delta filter, nearly as small. */
const deflateLevel = 1;
/** Type codes whose payload is 32-bit pixels (rectangles, cursor sprites): these are delta-filtered. */
const pixelTypeCodes = new Set([5, 6]);

/** Whether `address` (a socket's remoteAddress) is this host's loopback (127.0.0.0/8, ::1, or either mapped). */
export function isLoopbackAddress(address: string | undefined): boolean {
  if (!address) return false;
  const v4 = address.startsWith('::ffff:') ? address.slice('::ffff:'.length) : address;
  return v4.startsWith('127.') || address === '::1';
}

/**
 * The encoding for a viewer: what the page asked for (`?encoding=` on the socket URL) and where
 * it is. `deflate` is used when asked for; `auto` (what the page sends when it can inflate)
 * means deflate for a viewer not on loopback and raw on loopback, where raw is cheapest;
 * anything else, or nothing (an older page, a script), is raw.
 */
export function chooseDisplayEncoding(requested: string | null | undefined, remoteAddress: string | undefined): DisplayEncoding {
  if (requested === 'deflate') return 'deflate';
  if (requested === 'auto') return isLoopbackAddress(remoteAddress) ? 'raw' : 'deflate';
  return 'raw';
}

/** Where a DeflateSender's output goes (one transport message per call). */
export interface EnvelopeOutput {
  /** Sends one message as it is. */
  send(bytes: Uint8Array): void;
  /** Sends one message as header then payload (two fragments of one transport message); `release` once `payload` is no longer read. */
  sendParts(header: Uint8Array, payload: Uint8Array, release: () => void): void;
}

interface Pending {
  readonly header: Uint8Array;
  readonly payload: Uint8Array | undefined;
  readonly byteLength: number;
  /** Lets go of the payload (the caller may reuse it): once it is copied, compressed or handed on. */
  readonly release: () => void;
}

const nothingToRelease = (): void => undefined;

/**
 * Sends display messages to one viewer, each as a compressed envelope (small ones, and those
 * compression would shrink by less than 1/16, as they are), in the order given. Nothing here drops or coalesces: the feed's flow control does, counting
 * `queuedBytes` for a viewer that does not acknowledge, and what is not acknowledged for one that
 * does — either way the queue stays bounded by the feed's limit.
 */
export class DeflateSender {
  private readonly queue: Pending[] = [];
  private pendingBytes = 0;
  private busy = false;
  private disposed = false;
  /** The buffer messages are filtered into, reused (one compression runs at a time). */
  private scratch = new Uint8Array(0);

  constructor(private readonly output: EnvelopeOutput) {}

  /**
   * Queues one encoded message (header, and its payload unjoined when it has one). `release` is
   * called once the payload is no longer read here or by the output.
   */
  send(header: Uint8Array, payload?: Uint8Array, release: () => void = nothingToRelease): void {
    if (this.disposed) {
      release();
      return;
    }
    const byteLength = header.byteLength + (payload?.byteLength ?? 0);
    this.queue.push({ header, payload, byteLength, release });
    this.pendingBytes += byteLength;
    this.pump();
  }

  /** Uncompressed bytes queued and not yet handed to the output. */
  get queuedBytes(): number {
    return this.pendingBytes;
  }

  /** Drops what is queued; a compression under way is discarded when it finishes. */
  dispose(): void {
    this.disposed = true;
    // The one being compressed (queue[0] while busy) is released when its compression ends.
    for (const pending of this.busy ? this.queue.slice(1) : this.queue) pending.release();
    this.queue.length = 0;
    this.pendingBytes = 0;
    this.scratch = new Uint8Array(0);
  }

  private pump(): void {
    while (!this.busy && !this.disposed) {
      const next = this.queue[0];
      if (!next) return;
      if (next.byteLength < minCompressBytes) {
        this.done(next);
        this.output.send(next.payload ? join(next.header, next.payload) : next.header);
        next.release();
        continue;
      }
      this.compress(next);
    }
  }

  private compress(message: Pending): void {
    this.busy = true;
    const { header, payload, byteLength } = message;
    if (this.scratch.byteLength < byteLength) this.scratch = new Uint8Array(byteLength);
    const input = this.scratch.subarray(0, byteLength);
    input.set(header);
    let filtered = false;
    if (payload) {
      const body = input.subarray(header.byteLength);
      filtered = pixelTypeCodes.has(header[0] as number) && displayHeaderLength(header) === header.byteLength && payload.byteLength % 4 === 0;
      if (filtered) {
        // The filter reads whole words: an unaligned payload is copied into place and filtered there.
        if (payload.byteOffset % 4 === 0) applyDeltaFilter(payload, body);
        else {
          body.set(payload);
          applyDeltaFilter(body, body);
        }
      } else body.set(payload);
    }
    deflateRaw(input, { level: deflateLevel }, (error, compressed) => {
      this.busy = false;
      if (this.disposed) {
        message.release();
        return;
      }
      this.done(message);
      if (error || compressed.byteLength >= byteLength - byteLength / 16) {
        // Not expected from zlib, or pixels DEFLATE cannot shrink (noise, photos): the viewer
        // gets the message as it is, with nothing to inflate.
        if (payload) this.output.sendParts(header, payload, message.release);
        else {
          this.output.send(header);
          message.release();
        }
      } else {
        message.release();
        const envelope = encodeDeflateEnvelope(compressed, byteLength, filtered);
        this.output.sendParts(envelope.header, compressed, nothingToRelease);
      }
      this.pump();
    });
  }

  private done(message: Pending): void {
    this.queue.shift();
    this.pendingBytes -= message.byteLength;
  }
}

function join(header: Uint8Array, payload: Uint8Array | undefined): Uint8Array {
  if (!payload) return header;
  const out = new Uint8Array(header.byteLength + payload.byteLength);
  out.set(header);
  out.set(payload, header.byteLength);
  return out;
}
