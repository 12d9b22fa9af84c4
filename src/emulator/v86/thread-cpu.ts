/**
 * CPU time of the thread that created the clock. The v86 display budget must count only what a
 * flush costs the emulation thread: `process.cpuUsage()` also counts the display worker (which
 * copies and writes frames at the same time) and V8's helper threads. Linux tells a thread's own
 * CPU time in /proc/thread-self/schedstat (nanoseconds on the CPU); the file stays open, so a
 * reading is one pread (~25 µs). Elsewhere the process's CPU time stands in.
 */
import { closeSync, openSync, readSync } from 'node:fs';

/** Reads the creating thread's CPU time. */
export class ThreadCpuClock {
  private fd: number | undefined;
  private readonly buffer = Buffer.alloc(128);

  constructor() {
    try {
      this.fd = openSync('/proc/thread-self/schedstat', 'r');
    } catch {
      this.fd = undefined;
    }
  }

  /** True when readings are the thread's own time (else the process's). */
  get perThread(): boolean {
    return this.fd !== undefined;
  }

  /** CPU time so far, in ms (compare two readings of the same clock only). */
  nowMs(): number {
    if (this.fd !== undefined) {
      try {
        const length = readSync(this.fd, this.buffer, 0, this.buffer.byteLength, 0);
        const nanoseconds = Number(this.buffer.toString('latin1', 0, length).split(' ', 1)[0]);
        if (Number.isFinite(nanoseconds)) return nanoseconds / 1e6;
      } catch {
        // Fall through to the process's time from now on.
      }
      this.close();
    }
    const usage = process.cpuUsage();
    return (usage.user + usage.system) / 1000;
  }

  /** Closes the file; later readings are the process's time. */
  close(): void {
    if (this.fd === undefined) return;
    closeSync(this.fd);
    this.fd = undefined;
  }
}
