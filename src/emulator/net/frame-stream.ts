/**
 * Ethernet frames over a byte stream the way QEMU's `stream` netdev carries them: each frame is
 * a 4-byte big-endian length followed by the frame. The reader keeps partial frames across
 * chunks and refuses a length no Ethernet frame can have (a desynchronised or hostile peer), so
 * a bad stream ends with an error instead of an allocation of gigabytes.
 */

/** The largest frame accepted (QEMU's own limit for a packet: 69632 bytes, NET_BUFSIZE). */
export const maxFrameBytes = 69_632;

/** The bytes that carry `frame` on the stream. */
export function encodeFrame(frame: Uint8Array): Buffer {
  if (frame.length > maxFrameBytes) throw new RangeError(`an Ethernet frame of ${frame.length} bytes is over the ${maxFrameBytes}-byte limit`);
  const out = Buffer.allocUnsafe(4 + frame.length);
  out.writeUInt32BE(frame.length, 0);
  out.set(frame, 4);
  return out;
}

/** Splits a stream into frames; `push` each chunk as it arrives. */
export class FrameReader {
  private pending: Buffer = Buffer.alloc(0);
  private failed: string | undefined;

  constructor(
    private readonly onFrame: (frame: Uint8Array) => void,
    private readonly onError: (reason: string) => void,
  ) {}

  /** Takes the next chunk; calls onFrame for every complete frame in order. */
  push(chunk: Uint8Array): void {
    if (this.failed !== undefined) return;
    this.pending = this.pending.length === 0 ? Buffer.from(chunk) : Buffer.concat([this.pending, chunk]);
    let offset = 0;
    while (this.pending.length - offset >= 4) {
      const length = this.pending.readUInt32BE(offset);
      if (length > maxFrameBytes) {
        this.failed = `the network stream announced a frame of ${length} bytes (at most ${maxFrameBytes}); it is out of step`;
        this.pending = Buffer.alloc(0);
        this.onError(this.failed);
        return;
      }
      if (this.pending.length - offset - 4 < length) break;
      // A copy: the frame outlives this chunk (the guest's NIC keeps it).
      this.onFrame(Uint8Array.prototype.slice.call(this.pending, offset + 4, offset + 4 + length));
      offset += 4 + length;
    }
    this.pending = offset === 0 ? this.pending : this.pending.subarray(offset);
  }
}
