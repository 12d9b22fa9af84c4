/**
 * How both engines turn the bytes a guest writes to its serial port into SERIAL_OUTPUT events:
 * a byte waits at most SERIAL_BATCH_MS for others to join it, and no event carries more than
 * SERIAL_BATCH_BYTES, so a burst becomes a bounded number of bounded events, in order.
 */
import { consoleSerialPort } from '../../shared/protocol/enums.js';
import type { EngineEventData } from '../../shared/protocol/engine/index.js';

/** Longest a byte waits before its batch is sent. */
export const SERIAL_BATCH_MS = 10;
/** Largest batch in one event. */
export const SERIAL_BATCH_BYTES = 4096;

/** Collects serial output and hands it on in batches. */
export class SerialBatcher {
  private pending = new Uint8Array(SERIAL_BATCH_BYTES);
  private length = 0;
  private timer: NodeJS.Timeout | undefined;

  /** `send` gets each batch (a copy the caller may keep). */
  constructor(private readonly send: (bytes: Uint8Array) => void) {}

  /** Adds one byte. */
  pushByte(byte: number): void {
    this.pending[this.length++] = byte & 0xff;
    if (this.length === SERIAL_BATCH_BYTES) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), SERIAL_BATCH_MS);
  }

  /** Adds bytes; full batches go out at once, the rest waits for the window. */
  push(bytes: Uint8Array): void {
    let offset = 0;
    while (offset < bytes.length) {
      const taken = Math.min(bytes.length - offset, SERIAL_BATCH_BYTES - this.length);
      this.pending.set(bytes.subarray(offset, offset + taken), this.length);
      this.length += taken;
      offset += taken;
      if (this.length === SERIAL_BATCH_BYTES) this.flush();
    }
    if (this.length > 0) this.timer ??= setTimeout(() => this.flush(), SERIAL_BATCH_MS);
  }

  /** Sends what is pending now. */
  flush(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.length === 0) return;
    const batch = this.pending.slice(0, this.length);
    this.length = 0;
    this.send(batch);
  }

  /** Sends what is pending and stops the timer. */
  dispose(): void {
    this.flush();
  }
}

/** The SERIAL_OUTPUT event for a batch of the console port's output. */
export function serialOutputEvent(bytes: Uint8Array): EngineEventData<'SERIAL_OUTPUT'> {
  return { port: consoleSerialPort, data: Buffer.from(bytes).toString('base64') };
}
