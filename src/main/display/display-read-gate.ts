/**
 * When main reads an engine's display socket. Every display feed with viewers says whether any
 * of them keeps up; while none does (each is skipped, far behind), main stops reading the
 * socket after the message it is on. The engine then coalesces at the source: v86 leaves its
 * shared frame alone and keeps the changes pending, QEMU's RFB client holds its next update
 * request (so QEMU does not encode frames nobody paints). Main still reads one message every
 * `sampleMs`, so its own copy of the screen (thumbnails, catch-ups) never falls far behind,
 * also when a viewer hangs. With no feed asking, main reads everything (thumbnails need it).
 */

/** One feed's say in whether the display is read. */
export interface DisplayDemand {
  /** `wanted`: some viewer of the feed keeps up and should be sent new frames. */
  set(wanted: boolean): void;
  /** The feed has no viewers any more (or is gone): it no longer has a say. */
  release(): void;
}

/** Pausing and resuming the byte stream the display arrives on. */
export interface PausableStream {
  pause(): void;
  resume(): void;
}

/** How often main reads a message while no viewer keeps up. */
export const defaultSampleMs = 250;

/** Decides when main reads one engine's display stream. */
export class DisplayReadGate {
  private readonly demands = new Set<{ wanted: boolean }>();
  private stream: PausableStream | undefined;
  private paused = false;
  private sampleTimer: NodeJS.Timeout | undefined;
  private disposed = false;

  constructor(private readonly sampleMs = defaultSampleMs) {}

  /** Takes a feed's demand (it starts wanting the display). */
  demand(): DisplayDemand {
    const entry = { wanted: true };
    this.demands.add(entry);
    this.update();
    return {
      set: (wanted) => {
        if (entry.wanted === wanted || !this.demands.has(entry)) return;
        entry.wanted = wanted;
        this.update();
      },
      release: () => {
        if (this.demands.delete(entry)) this.update();
      },
    };
  }

  /** The stream the display arrives on now (undefined: none, e.g. the parent channel, which cannot pause). */
  attach(stream: PausableStream | undefined): void {
    if (this.paused) this.stream?.resume();
    this.paused = false;
    this.stream = stream;
  }

  /** Whether main should be reading now. */
  get wanted(): boolean {
    if (this.demands.size === 0) return true;
    for (const entry of this.demands) if (entry.wanted) return true;
    return false;
  }

  /** Whether the stream is paused by the gate now. */
  get isPaused(): boolean {
    return this.paused;
  }

  /** Called after whole messages were taken from the stream: pauses it there while nobody wants more. */
  messagesTaken(): void {
    if (this.disposed || this.wanted || this.paused || !this.stream) return;
    this.paused = true;
    this.stream.pause();
  }

  /** Stops the sampling timer and leaves the stream flowing. */
  dispose(): void {
    this.disposed = true;
    this.stopSampling();
    this.attach(undefined);
  }

  private update(): void {
    if (this.disposed) return;
    if (this.wanted) {
      this.stopSampling();
      this.resume();
      return;
    }
    if (this.sampleTimer) return;
    // One message per sample: resumed here, paused again by messagesTaken.
    this.sampleTimer = setInterval(() => this.resume(), this.sampleMs);
    this.sampleTimer.unref();
  }

  private resume(): void {
    if (!this.paused) return;
    this.paused = false;
    this.stream?.resume();
  }

  private stopSampling(): void {
    clearInterval(this.sampleTimer);
    this.sampleTimer = undefined;
  }
}
