/**
 * The one flow-control rule for every display viewer (Electron MessagePorts and web-shell
 * WebSockets alike; docs/architecture.md §4): a viewer is sent each display message, encoded
 * once per message, until it is more than `maxBehindBytes` behind; then it is skipped, and once
 * it has caught up it is sent the whole current screen from main's copy (the engine session's
 * ScreenCache) instead of the frames it missed. A slow viewer never holds up the guest, main or
 * the other viewers, and never makes anything queue without bound.
 *
 * "Behind" is what the viewer has not acknowledged (`{ack: N}`, N = display messages it has
 * received, sent by the renderer once per painted frame). A viewer that never acknowledges
 * (a script, an older page) is behind by what its transport still holds (a WebSocket's
 * bufferedAmount; a MessagePort cannot tell, so such a viewer gets every message).
 */
import type { DisplayMessage } from '../../shared/protocol/display.js';
import { encodeDisplayParts, type DisplayMessageParts } from '../../shared/protocol/display-codec.js';
import type { Release } from '../../shared/display/display-buffers.js';
import type { DisplayDemand } from './display-read-gate.js';

/** Bytes a viewer may be behind before it is skipped. */
export const defaultMaxBehindBytes = 16 << 20;
const noRelease: Release = () => undefined;
/** How often a skipped viewer without acknowledgements is checked for having drained. */
const drainCheckMs = 50;

/** What a feed needs from an engine session. */
export interface DisplaySource {
  /** Live display messages (a later subscriber first gets the whole current screen). */
  onDisplay(listener: (message: DisplayMessage) => void): () => void;
  /** The messages that draw the whole current screen. */
  screen(): DisplayMessage[];
  /** Calls `listener` once when the source has ended for good (the engine exited); returns an unsubscribe. */
  onEnd?(listener: () => void): () => void;
  /** A feed's say in whether the source reads new frames while its viewers are all behind (display-read-gate.ts). */
  displayDemand?(): DisplayDemand;
  /**
   * Holds the buffer a message's payload lives in while a transport still needs it (the source
   * may reuse it for later messages once nothing holds it; display-buffers.ts); returns the release.
   */
  retainDisplay?(message: DisplayMessage): Release;
}

/** One viewer's transport, as the feed uses it. */
export interface ViewerLink {
  /** Sends one encoded display message; throws when the transport is gone. */
  send(encoded: Uint8Array): void;
  /**
   * Sends one display message as header then payload (the pixels themselves, not a copy), as one
   * transport message (e.g. two WebSocket fragments); throws when the transport is gone. Links
   * without it get the joined bytes through `send`. `payload` may be reused for later messages
   * once `release` has been called: the link calls it (once) when it no longer reads `payload`
   * (written to the kernel, copied, or dropped); a link that never calls it only costs the reuse.
   */
  sendParts?(header: Uint8Array, payload: Uint8Array, release: () => void): void;
  /** Bytes the transport still holds for the viewer; 0 when it cannot tell. */
  queued(): number;
  /** Closes the transport (the engine is gone or the shell shuts down). */
  close(): void;
}

/** A viewer attached to a feed. */
export interface FeedViewer {
  /** Takes `{ack: received}`: the viewer has received `received` display messages so far. */
  acknowledge(received: number): void;
  /** Stops sending to this viewer. */
  detach(): void;
}

/** One message encoded once for every viewer; joined into one array only for a link that needs it. */
class EncodedMessage {
  readonly byteLength: number;
  readonly parts: DisplayMessageParts;
  private joinedBytes: Uint8Array | undefined;

  constructor(readonly message: DisplayMessage) {
    const parts = encodeDisplayParts(message);
    this.parts = parts;
    this.byteLength = parts.header.byteLength + (parts.payload?.byteLength ?? 0);
  }

  joined(): Uint8Array {
    const { header, payload } = this.parts;
    if (!payload) return header;
    if (!this.joinedBytes) {
      this.joinedBytes = new Uint8Array(this.byteLength);
      this.joinedBytes.set(header);
      this.joinedBytes.set(payload, header.byteLength);
    }
    return this.joinedBytes;
  }
}

class Viewer implements FeedViewer {
  /** Whether the viewer acknowledges (then "behind" is counted from its acknowledgements). */
  private acking = false;
  private sent = 0;
  private acked = 0;
  /** Sizes of the sent, unacknowledged messages, oldest first (only while acknowledging). */
  private readonly unacked: number[] = [];
  private unackedBytes = 0;
  /** Skipped until it has caught up. */
  skipped = false;
  private detached = false;

  constructor(
    readonly link: ViewerLink,
    private readonly feed: DisplayFeed,
  ) {}

  send(message: EncodedMessage): void {
    try {
      const { header, payload } = message.parts;
      if (payload && this.link.sendParts) {
        const release = this.feed.retain(message.message);
        try {
          this.link.sendParts(header, payload, release);
        } catch (error) {
          release();
          throw error;
        }
      } else this.link.send(message.joined());
    } catch {
      // A transport whose other end went away; its close handler detaches the viewer.
      return;
    }
    this.sent++;
    if (this.acking) {
      this.unacked.push(message.byteLength);
      this.unackedBytes += message.byteLength;
    }
  }

  behind(): number {
    return this.acking ? this.unackedBytes : this.link.queued();
  }

  acknowledge(received: number): void {
    if (this.detached) return;
    this.acking = true;
    this.acked = Math.max(this.acked, Math.min(received, this.sent));
    // unacked[0] is message number sent - unacked.length (0-based).
    while (this.unacked.length > 0 && this.sent - this.unacked.length < this.acked) this.unackedBytes -= this.unacked.shift() ?? 0;
    if (this.skipped && this.behind() === 0) this.feed.catchUp(this);
  }

  /** Whether it acknowledges (a skipped viewer that does not is polled for draining). */
  get acknowledges(): boolean {
    return this.acking;
  }

  detach(): void {
    this.detached = true;
    this.feed.remove(this);
  }
}

/** One engine's display and its viewers. */
export class DisplayFeed {
  private readonly viewers = new Set<Viewer>();
  private readonly unsubscribe: () => void;
  private drainTimer: NodeJS.Timeout | undefined;
  /** While the feed has viewers: whether any keeps up (the source may stop reading when none does). */
  private demand: DisplayDemand | undefined;
  private disposed = false;

  constructor(
    private readonly source: DisplaySource,
    private readonly maxBehindBytes: () => number = () => defaultMaxBehindBytes,
  ) {
    // Held for the feed's lifetime: the source keeps the screen copy catch-ups are drawn from.
    this.unsubscribe = source.onDisplay((message) => this.receive(message));
  }

  /** Holds `message`'s payload for a transport that still reads it (the source's retainDisplay). */
  retain(message: DisplayMessage): Release {
    return this.source.retainDisplay?.(message) ?? noRelease;
  }

  /**
   * Attaches a viewer and sends it the whole current screen. A feed that has ended (its engine
   * exited while the viewer was still being set up) closes the link at once instead.
   */
  attach(link: ViewerLink): FeedViewer {
    const viewer = new Viewer(link, this);
    if (this.disposed) {
      link.close();
      return viewer;
    }
    this.viewers.add(viewer);
    this.catchUp(viewer);
    return viewer;
  }

  /** Number of attached viewers. */
  get size(): number {
    return this.viewers.size;
  }

  /** Sends a viewer the whole current screen (it is no longer skipped). */
  catchUp(viewer: Viewer): void {
    viewer.skipped = false;
    for (const message of this.source.screen()) viewer.send(new EncodedMessage(message));
    this.updateDemand();
  }

  remove(viewer: Viewer): void {
    this.viewers.delete(viewer);
    this.updateDemand();
  }

  /** Closes every viewer's transport and detaches the feed itself. */
  dispose(): void {
    this.disposed = true;
    this.demand?.release();
    this.demand = undefined;
    this.unsubscribe();
    clearInterval(this.drainTimer);
    this.drainTimer = undefined;
    const viewers = [...this.viewers];
    this.viewers.clear();
    for (const viewer of viewers) {
      try {
        viewer.link.close();
      } catch {
        // Already closed.
      }
    }
  }

  private receive(message: DisplayMessage): void {
    if (this.viewers.size === 0) return;
    let encoded: EncodedMessage | undefined;
    let skippedNow = false;
    for (const viewer of this.viewers) {
      if (viewer.skipped) continue;
      if (viewer.behind() > this.maxBehindBytes()) {
        viewer.skipped = true;
        if (!viewer.acknowledges) this.watchDrain();
        skippedNow = true;
        continue;
      }
      encoded ??= new EncodedMessage(message);
      viewer.send(encoded);
    }
    if (skippedNow) this.updateDemand();
  }

  /** Tells the source whether any viewer keeps up; a feed without viewers has no say. */
  private updateDemand(): void {
    if (this.viewers.size === 0) {
      this.demand?.release();
      this.demand = undefined;
      return;
    }
    this.demand ??= this.source.displayDemand?.();
    let wanted = false;
    for (const viewer of this.viewers) if (!viewer.skipped) wanted = true;
    this.demand?.set(wanted);
  }

  /** Polls skipped viewers that do not acknowledge until their transports have drained. */
  private watchDrain(): void {
    if (this.drainTimer) return;
    this.drainTimer = setInterval(() => {
      let waiting = false;
      for (const viewer of this.viewers) {
        if (!viewer.skipped || viewer.acknowledges) continue;
        if (viewer.behind() === 0) this.catchUp(viewer);
        else waiting = true;
      }
      if (!waiting) {
        clearInterval(this.drainTimer);
        this.drainTimer = undefined;
      }
    }, drainCheckMs);
    this.drainTimer.unref();
  }
}

/** Parses a viewer's `{ack: N}`; undefined when it is not a valid acknowledgement. */
export function acknowledgement(request: { ack?: unknown }): number | undefined {
  const received = request.ack;
  return typeof received === 'number' && Number.isSafeInteger(received) && received >= 0 ? received : undefined;
}

/** What a viewer's input needs from the engine session. */
export interface InputTarget {
  execute(name: string, args: Record<string, unknown>): Promise<unknown>;
}

/**
 * Handles one parsed message from a viewer: an acknowledgement, or `input-send-event`
 * arguments sent to the engine fire-and-forget (for speed); a refusal goes to `refuse` so the
 * viewer can say why.
 */
export function viewerRequest(request: Record<string, unknown>, viewer: FeedViewer, session: InputTarget, refuse: (errorClass: string, desc: string) => void): void {
  if ('ack' in request) {
    const received = acknowledgement(request);
    if (received === undefined) refuse('InvalidArgument', 'ack must be the number of display messages received.');
    else viewer.acknowledge(received);
    return;
  }
  session.execute('input-send-event', request).catch((error: Error & { errorClass?: string }) => refuse(error.errorClass ?? 'EngineFailed', error.message));
}

/** The display feeds of every running engine, held by one shell. */
export class DisplayFeeds<Session extends DisplaySource & { readonly channel: { onExit(listener: () => void): void } }> {
  private readonly feeds = new Map<Session, DisplayFeed>();

  /** Bytes a viewer may be behind before it is skipped (tests lower it). */
  maxBehindBytes = defaultMaxBehindBytes;

  /** The feed of a session, created on first use and disposed when the engine exits. */
  feed(session: Session): DisplayFeed {
    let feed = this.feeds.get(session);
    if (!feed) {
      const created = new DisplayFeed(session, () => this.maxBehindBytes);
      feed = created;
      this.feeds.set(session, created);
      session.channel.onExit(() => {
        created.dispose();
        this.feeds.delete(session);
      });
    }
    return feed;
  }

  /** Viewers attached to a session's feed. */
  viewerCount(session: Session): number {
    return this.feeds.get(session)?.size ?? 0;
  }

  /** Disposes every feed (shell shutdown). */
  dispose(): void {
    for (const feed of this.feeds.values()) feed.dispose();
    this.feeds.clear();
  }
}
