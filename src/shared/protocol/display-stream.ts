/**
 * Display messages over a byte stream (the engine's display socket): each message is a 4-byte
 * little-endian length, then the message in the display codec's binary encoding
 * (display-codec.ts). The reader refuses a length above its limit before buffering anything,
 * so a bad or hostile stream cannot make it allocate without bound.
 */
import type { DisplayMessage } from './display.js';
import { decodeDisplayMessage } from './display-codec.js';

/** Bytes of the length prefix before each message. */
export const displayFramePrefixBytes = 4;

/**
 * Default largest message the reader accepts: a 4096×4096 RGBA rectangle and its header. Larger
 * screens than v86's and QEMU's largest VBE modes are not produced by either engine.
 */
export const defaultMaxDisplayFrame = 4096 * 4096 * 4 + 64;

/** The 4-byte length prefix of a message of `length` bytes. */
export function displayFramePrefix(length: number): Uint8Array {
  const prefix = new Uint8Array(displayFramePrefixBytes);
  new DataView(prefix.buffer).setUint32(0, length, true);
  return prefix;
}

/** A stream that broke the framing or the codec; the stream cannot be trusted after it. */
export class DisplayStreamError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DisplayStreamError';
  }
}

/** Gives the buffer one message of `length` bytes is read into. */
export type DisplayBodyAllocator = (length: number) => Uint8Array;

/**
 * Splits a byte stream into the encoded messages it frames, without decoding them (a page hands
 * them to its inflater and receiver as they would come from a WebSocket). Each message gets its
 * own buffer from `allocate` (by default a fresh one, owned by the caller). After an error every
 * later `push` throws too.
 */
export class DisplayFrameSplitter {
  private prefix = new Uint8Array(displayFramePrefixBytes);
  private prefixFilled = 0;
  private body: Uint8Array | undefined;
  private bodyFilled = 0;
  private failure: DisplayStreamError | undefined;

  constructor(
    private readonly maxFrame = defaultMaxDisplayFrame,
    private readonly allocate: DisplayBodyAllocator = (length) => new Uint8Array(length),
  ) {}

  /** Takes the next chunk of the stream and appends each message it completes to `bodies` (throws DisplayStreamError). */
  push(chunk: Uint8Array, bodies: Uint8Array[]): void {
    if (this.failure) throw this.failure;
    let at = 0;
    while (at < chunk.byteLength) {
      if (!this.body) {
        const take = Math.min(displayFramePrefixBytes - this.prefixFilled, chunk.byteLength - at);
        this.prefix.set(chunk.subarray(at, at + take), this.prefixFilled);
        this.prefixFilled += take;
        at += take;
        if (this.prefixFilled < displayFramePrefixBytes) break;
        const length = new DataView(this.prefix.buffer).getUint32(0, true);
        this.prefixFilled = 0;
        if (length > this.maxFrame) this.fail(`a display message of ${length} bytes is over the limit of ${this.maxFrame}`);
        if (length < 4) this.fail(`a display message of ${length} bytes is too short to hold a header`);
        this.body = this.allocate(length);
        this.bodyFilled = 0;
      }
      const take = Math.min(this.body.byteLength - this.bodyFilled, chunk.byteLength - at);
      this.body.set(chunk.subarray(at, at + take), this.bodyFilled);
      this.bodyFilled += take;
      at += take;
      if (this.bodyFilled < this.body.byteLength) break;
      bodies.push(this.body);
      this.body = undefined;
    }
  }

  /** Bytes of a partly received message (0 between messages). */
  get partial(): number {
    return this.body ? this.bodyFilled : this.prefixFilled;
  }

  /** Marks the stream broken (a message that does not decode, say) and throws. */
  fail(reason: string): never {
    this.failure = new DisplayStreamError(reason);
    this.body = undefined;
    throw this.failure;
  }
}

/**
 * Splits a byte stream into display messages and decodes them. Each message gets its own buffer
 * from `allocate` (decoded pixels are views into it, so the caller may keep them as long as it
 * owns that buffer; by default a fresh one, owned by the caller). After an error every later
 * `push` throws too.
 */
export class DisplayStreamReader {
  private readonly splitter: DisplayFrameSplitter;

  constructor(maxFrame = defaultMaxDisplayFrame, allocate?: DisplayBodyAllocator) {
    this.splitter = new DisplayFrameSplitter(maxFrame, allocate);
  }

  /**
   * Takes the next chunk of the stream; returns the messages it completed (throws
   * DisplayStreamError). With `bodies`, the buffer of each completed message (from the
   * allocator; malformed ones too) is appended to it, so an allocator's owner can take them back.
   */
  push(chunk: Uint8Array, bodies?: Uint8Array[]): DisplayMessage[] {
    const completed: Uint8Array[] = [];
    try {
      this.splitter.push(chunk, completed);
    } finally {
      // Bodies completed before a framing error still go back to their owner.
      bodies?.push(...completed);
    }
    const out: DisplayMessage[] = [];
    for (const body of completed) {
      try {
        out.push(decodeDisplayMessage(body));
      } catch (error) {
        return this.splitter.fail(`a display message is malformed: ${(error as Error).message}`);
      }
    }
    return out;
  }

  /** Bytes of a partly received message (0 between messages). */
  get partial(): number {
    return this.splitter.partial;
  }
}
