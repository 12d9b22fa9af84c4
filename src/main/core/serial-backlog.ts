/**
 * The recent serial output of each machine, so a console opened later shows what the guest
 * wrote before it (a bounded tail per machine; older bytes fall off).
 */

/** Bytes kept per machine by default. */
export const defaultSerialBacklogBytes = 64 * 1024;

export class SerialBacklog {
  private readonly tails = new Map<string, Buffer>();

  constructor(private readonly limitBytes = defaultSerialBacklogBytes) {}

  /** Appends bytes the machine's guest wrote. */
  append(machineId: string, bytes: Uint8Array): void {
    if (bytes.byteLength === 0) return;
    const previous = this.tails.get(machineId);
    const joined = previous ? Buffer.concat([previous, bytes]) : Buffer.from(bytes);
    // A copy, so the kept tail does not pin a larger buffer.
    this.tails.set(machineId, joined.byteLength > this.limitBytes ? Buffer.from(joined.subarray(joined.byteLength - this.limitBytes)) : joined);
  }

  /** The kept tail (empty when the machine wrote nothing since it was cleared). */
  get(machineId: string): Buffer {
    return this.tails.get(machineId) ?? Buffer.alloc(0);
  }

  /** Forgets a machine's output (a fresh start, or the machine is gone). */
  clear(machineId: string): void {
    this.tails.delete(machineId);
  }
}
