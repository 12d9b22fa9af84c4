/**
 * Display views over Electron message ports (docs/architecture.md §4): each port gets the
 * engine's display messages encoded with display-codec, the whole current screen first, and
 * sends input (`input-send-event` arguments) and acknowledgements (`{ack: N}`) back. A message
 * with a payload goes as `[header, payload]` (no join; DisplayReceiver decodes the pair). Several
 * ports may watch one engine. Closing a port only detaches that view: the guest keeps running.
 * Flow control is the one rule every viewer follows (src/main/display/display-feed.ts).
 */
import { DisplayFeeds, defaultMaxBehindBytes, viewerRequest } from '../display/display-feed.js';
import type { EngineSession } from '../supervisor/index.js';

/** The part of Electron's MessagePortMain a view uses. */
export interface DisplayPortLike {
  postMessage(message: unknown): void;
  on(event: 'message', listener: (event: { data: unknown }) => void): unknown;
  on(event: 'close', listener: () => void): unknown;
  start(): void;
  close(): void;
}

/** Unacknowledged bytes a view may have before it is skipped. */
export const defaultMaxInFlightBytes = defaultMaxBehindBytes;

/** The display views of every engine. */
export class DisplayBroker {
  private readonly feeds = new DisplayFeeds<EngineSession>();

  /** Unacknowledged bytes a view may have before it is skipped. */
  get maxInFlightBytes(): number {
    return this.feeds.maxBehindBytes;
  }

  set maxInFlightBytes(bytes: number) {
    this.feeds.maxBehindBytes = bytes;
  }

  /** Attaches a view; returns its detach function (also run when the port closes). */
  attach(session: EngineSession, port: DisplayPortLike): () => void {
    const view = this.feeds.feed(session).attach({
      send: (encoded) => port.postMessage(encoded),
      // Header and pixels as they are, unjoined: the port's structured clone is the one copy
      // (the renderer's DisplayReceiver takes the pair), made before postMessage returns.
      sendParts: (header, payload, release) => {
        try {
          port.postMessage([header, payload]);
        } finally {
          release();
        }
      },
      queued: () => 0,
      close: () => port.close(),
    });
    let attached = true;
    const detach = (): void => {
      if (!attached) return;
      attached = false;
      view.detach();
    };
    const refuse = (errorClass: string, desc: string): void => {
      if (!attached) return;
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
      viewerRequest(request as Record<string, unknown>, view, session, refuse);
    });
    port.start();
    return detach;
  }

  /** Number of views attached to an engine. */
  viewCount(session: EngineSession): number {
    return this.feeds.viewerCount(session);
  }

  /** Closes every view (app shutdown). */
  dispose(): void {
    this.feeds.dispose();
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
