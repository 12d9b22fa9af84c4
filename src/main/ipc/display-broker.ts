/**
 * Display views over message ports (DESIGN.md §4, issue 7 §3): each port gets the engine's
 * display messages encoded with display-codec, the whole current screen first, and sends input
 * (`input-send-event` arguments) back. Several ports may watch one engine. Closing a port only
 * detaches that view: the guest keeps running.
 *
 * A slow view never holds anything up. A view that acknowledges what it has drawn
 * (`{ack: N}`, N = messages received so far) gets flow control: past `maxInFlightBytes`
 * unacknowledged bytes it receives nothing more, and once it has caught up it gets the whole
 * current screen from main's copy (intermediate frames dropped, the latest kept). A view that
 * never acknowledges gets every message.
 */
import type { DisplayMessage } from '../../shared/protocol/display.js';
import { encodeDisplayMessage } from '../../shared/protocol/display-codec.js';
import type { EngineSession } from '../supervisor/index.js';

/** The part of Electron's MessagePortMain a view uses. */
export interface DisplayPortLike {
  postMessage(message: unknown): void;
  on(event: 'message', listener: (event: { data: unknown }) => void): unknown;
  on(event: 'close', listener: () => void): unknown;
  start(): void;
  close(): void;
}

/** Unacknowledged bytes a flow-controlled view may have before it is skipped. */
export const defaultMaxInFlightBytes = 16 << 20;

/** One attached view. */
class View {
  /** Whether the view acknowledges (flow control on). */
  acking = false;
  /** Messages posted so far. */
  sent = 0;
  /** Messages the view said it received. */
  acked = 0;
  /** Sizes of the posted, unacknowledged messages, oldest first. */
  private readonly unacked: number[] = [];
  private unackedBytes = 0;
  stalled = false;

  constructor(readonly port: DisplayPortLike) {}

  post(encoded: Uint8Array): void {
    try {
      this.port.postMessage(encoded);
    } catch {
      // A port whose other end went away; its close handler detaches it.
      return;
    }
    this.sent++;
    if (this.acking) {
      this.unacked.push(encoded.byteLength);
      this.unackedBytes += encoded.byteLength;
    }
  }

  /** Takes an acknowledgement; returns true when a stalled view has caught up. */
  acknowledge(received: number): boolean {
    this.acking = true;
    this.acked = Math.max(this.acked, Math.min(received, this.sent));
    // unacked[0] is message number sent - unacked.length.
    while (this.unacked.length > 0 && this.sent - this.unacked.length < this.acked) this.unackedBytes -= this.unacked.shift() ?? 0;
    return this.stalled && this.acked >= this.sent;
  }

  inFlight(): number {
    return this.unackedBytes;
  }
}

/** One engine's display, shared by its views. */
class DisplayFeed {
  readonly views = new Set<View>();
  private readonly unsubscribe: () => void;

  constructor(
    readonly session: EngineSession,
    private readonly maxInFlightBytes: () => number,
  ) {
    // Held for the engine's lifetime; the session keeps the copy of the screen views replay from.
    this.unsubscribe = session.onDisplay((message) => this.receive(message));
  }

  /** Sends a view the whole current screen. */
  replay(view: View): void {
    view.stalled = false;
    for (const message of this.session.screen()) view.post(encodeDisplayMessage(message));
  }

  private receive(message: DisplayMessage): void {
    if (this.views.size === 0) return;
    const encoded = encodeDisplayMessage(message);
    for (const view of this.views) {
      if (view.stalled) continue;
      if (view.acking && view.inFlight() > this.maxInFlightBytes()) {
        view.stalled = true;
        continue;
      }
      view.post(encoded);
    }
  }

  dispose(): void {
    this.unsubscribe();
    for (const view of this.views) view.port.close();
    this.views.clear();
  }
}

/**
 * The display views of every engine. The engine session replays its whole current screen to
 * each new display subscriber, so the broker's feed starts complete whenever it subscribes.
 */
export class DisplayBroker {
  private readonly feeds = new Map<EngineSession, DisplayFeed>();

  /** Unacknowledged bytes a flow-controlled view may have before it is skipped. */
  maxInFlightBytes = defaultMaxInFlightBytes;

  /** Attaches a view; returns its detach function (also run when the port closes). */
  attach(session: EngineSession, port: DisplayPortLike): () => void {
    const feed = this.feed(session);
    const view = new View(port);
    feed.views.add(view);
    let attached = true;
    const detach = (): void => {
      if (!attached) return;
      attached = false;
      feed.views.delete(view);
    };
    const refuse = (errorClass: string, desc: string): void => {
      try {
        port.postMessage({ error: { class: errorClass, desc } });
      } catch {
        // The view is gone.
      }
    };
    port.on('close', detach);
    port.on('message', ({ data }) => {
      if (!attached) return;
      const request = typeof data === 'string' ? parseJson(data) : data;
      if (typeof request !== 'object' || request === null || Array.isArray(request)) {
        refuse('InvalidArgument', 'Display input must be input-send-event arguments ({events: [...]}) or an acknowledgement ({ack: N}).');
        return;
      }
      if ('ack' in request) {
        const received = (request as { ack: unknown }).ack;
        if (typeof received !== 'number' || !Number.isSafeInteger(received) || received < 0) refuse('InvalidArgument', 'ack must be the number of display messages received.');
        else if (view.acknowledge(received)) feed.replay(view);
        return;
      }
      // Fire-and-forget for speed; a refusal goes back on the port so the view can say why.
      session.execute('input-send-event', request as Record<string, unknown>).catch((error: Error & { errorClass?: string }) => {
        if (attached) refuse(error.errorClass ?? 'EngineFailed', error.message);
      });
    });
    port.start();
    feed.replay(view);
    return detach;
  }

  /** Number of views attached to an engine. */
  viewCount(session: EngineSession): number {
    return this.feeds.get(session)?.views.size ?? 0;
  }

  /** Closes every view (app shutdown). */
  dispose(): void {
    for (const feed of this.feeds.values()) feed.dispose();
    this.feeds.clear();
  }

  private feed(session: EngineSession): DisplayFeed {
    let feed = this.feeds.get(session);
    if (!feed) {
      const created = new DisplayFeed(session, () => this.maxInFlightBytes);
      feed = created;
      this.feeds.set(session, created);
      session.channel.onExit(() => {
        created.dispose();
        this.feeds.delete(session);
      });
    }
    return feed;
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
