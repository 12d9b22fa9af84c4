/**
 * The page's side of compressed display frames (`encoding=deflate` on the web shell's display
 * socket): inflates each compressed envelope (display-codec.ts) with the browser's own
 * DecompressionStream and hands the plain messages on in the order they arrived.
 *
 * Bounded: an envelope declaring more than `maxInflatedBytes` is refused before inflating; the
 * compressed data is fed in small slices and the output counted as it comes, so data that
 * inflates past its declared size (a decompression bomb) is cut off after at most about a
 * thousand times one slice (DEFLATE's largest ratio), then refused. A refused or malformed
 * envelope is handed on as an empty message, which the receiver counts as malformed: it still
 * counts as received, so acknowledgements stay in step with what main sent.
 */
import { displayHeaderLength, readDeflateEnvelope, undoDeltaFilter, type DeflateEnvelope } from '../../shared/protocol/display-codec.js';

/** Compressed bytes fed to the decompressor at a time (bounds what one write can expand to). */
const sliceBytes = 16 << 10;

/**
 * Inflates one envelope's body into exactly `inflatedLength` bytes, undoing the delta filter;
 * rejects with an Error saying what was wrong (more or less data than declared, corrupt data).
 */
export async function inflateEnvelope(envelope: DeflateEnvelope): Promise<Uint8Array> {
  const { inflatedLength, body } = envelope;
  const out = new Uint8Array(inflatedLength);
  const stream = new DecompressionStream('deflate-raw');
  const writer = stream.writable.getWriter();
  const reader = stream.readable.getReader();
  let filled = 0;
  let overflow = false;
  const reading = (async () => {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      if (filled + value.byteLength > inflatedLength) {
        overflow = true;
        // Cancelling errors the stream, so the writes below stop too.
        await reader.cancel();
        return;
      }
      out.set(value, filled);
      filled += value.byteLength;
    }
  })();
  const writing = (async () => {
    // Bytes received from a socket are never in a SharedArrayBuffer.
    const bytes = body as Uint8Array<ArrayBuffer>;
    for (let at = 0; at < bytes.byteLength && !overflow; at += sliceBytes) await writer.write(bytes.subarray(at, at + sliceBytes));
    await writer.close();
  })();
  const [read, written] = await Promise.allSettled([reading, writing]);
  if (overflow) throw new Error(`compressed display message inflates past its declared ${inflatedLength} bytes`);
  if (read.status === 'rejected' || written.status === 'rejected') {
    const reason = (read.status === 'rejected' ? read.reason : (written as PromiseRejectedResult).reason) as Error;
    throw new Error(`compressed display message is corrupt (${reason.message})`);
  }
  if (filled !== inflatedLength) throw new Error(`compressed display message inflates to ${filled} bytes, not the declared ${inflatedLength}`);
  if (envelope.filtered) undoDeltaFilter(out.subarray(displayHeaderLength(out)));
  return out;
}

/**
 * Takes a display socket's binary messages in arrival order and delivers them in the same
 * order, inflating compressed envelopes on the way (plain messages wait behind one that is being
 * inflated). Main's flow control bounds what can wait here: the page acknowledges only what it
 * has been delivered.
 */
export class DisplayInflater {
  private readonly waiting: { data: ArrayBuffer | Uint8Array; release?: () => void }[] = [];
  private busy = false;
  private closed = false;
  /** Envelopes refused (malformed, oversized, or inflating to other than they declare). */
  refused = 0;
  /** Why the last envelope was refused. */
  lastError = '';

  /** @param deliver takes each message, inflated, in arrival order (an empty array for a refused envelope). */
  constructor(private readonly deliver: (message: ArrayBuffer | Uint8Array) => void) {}

  /**
   * Takes one binary message from the socket or stream; `release` is called once `data` is no
   * longer read here (delivered, inflated, or dropped).
   */
  push(data: ArrayBuffer | Uint8Array, release?: () => void): void {
    if (this.closed) {
      release?.();
      return;
    }
    this.waiting.push(release ? { data, release } : { data });
    if (!this.busy) void this.drain();
  }

  /** Drops what waits; nothing more is delivered. */
  close(): void {
    this.closed = true;
    for (const entry of this.waiting.splice(0)) entry.release?.();
  }

  private async drain(): Promise<void> {
    this.busy = true;
    try {
      for (let entry = this.waiting.shift(); entry !== undefined; entry = this.waiting.shift()) {
        const { data, release } = entry;
        let envelope: DeflateEnvelope | undefined;
        let message: ArrayBuffer | Uint8Array = data;
        try {
          envelope = readDeflateEnvelope(data);
          if (envelope) message = await inflateEnvelope(envelope);
        } catch (error) {
          this.refused++;
          this.lastError = (error as Error).message;
          message = new Uint8Array(0);
        }
        try {
          if (!this.closed) this.deliver(message);
        } finally {
          release?.();
        }
        if (this.closed) break;
      }
    } finally {
      this.busy = false;
    }
  }
}
