/**
 * A web-shell display viewer's messages over one long-lived HTTP response instead of its
 * WebSocket (`/display/<machine>?transport=stream`; the socket then carries only input,
 * acknowledgements and refusals). The body is the engine display socket's framing
 * (src/shared/protocol/display-stream.ts): a 4-byte little-endian length, then one encoded
 * message (or compressed envelope), repeated.
 *
 * Why: Chromium gives every WebSocket message a fresh ArrayBuffer, so a 3 MiB 1024×768 frame costs
 * the browser an allocation, first-touch page faults and a collection on top of its copies. A
 * fetch body read with a BYOB reader lands in buffers the page reuses: measured on the 2-core
 * reference machine (bench/README.md), 18–20 ms of browser CPU per frame against 21–25 ms, and
 * 30 frames/s delivered where the WebSocket managed 24.
 *
 * The socket asks for a stream; main answers with a text frame `{stream: "<id>"}` naming a
 * one-time, unguessable id; the page fetches `/display-stream/<id>` (through the same guard as
 * every request) within `claimTimeoutMs`, and only then is the viewer attached to the feed. A
 * browser keeps at most six HTTP/1.1 connections per server and each stream holds one, so at
 * most `maxDisplayStreams` are open or offered at once; further viewers stay on their WebSocket.
 * Either end closing ends the other: the viewer is one socket plus one stream.
 */
import { randomBytes } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { displayFramePrefix } from '../../shared/protocol/display-stream.js';
import type { ViewerLink } from '../display/display-feed.js';
import type { EnvelopeOutput } from './display-deflate.js';

/** Streams open or offered at once (a browser allows six HTTP/1.1 connections per server; the page needs the rest). */
export const maxDisplayStreams = 4;
/** How long an offered stream waits for the page to fetch it. */
export const claimTimeoutMs = 10_000;
/** The path prefix of stream requests; the rest of the path is the id. */
export const displayStreamPath = '/display-stream/';

/** A stream offered to one viewer, not yet fetched. */
export interface DisplayStreamOffer {
  /** What the page puts after `displayStreamPath`. */
  readonly id: string;
  /** Withdraws the offer (the socket closed first); a stream already claimed is the caller's to end. */
  cancel(): void;
}

interface PendingOffer {
  readonly claimed: (response: ServerResponse) => void;
  readonly timer: NodeJS.Timeout;
}

/** The web shell's offered and open display streams. Call `dispose` when the shell closes. */
export class DisplayHttpStreams {
  private readonly offers = new Map<string, PendingOffer>();
  private open = 0;
  private disposed = false;

  constructor(
    private readonly limit = maxDisplayStreams,
    private readonly timeoutMs = claimTimeoutMs,
  ) {}

  /** Streams being served now. */
  get active(): number {
    return this.open;
  }

  /**
   * Offers a stream: `claimed` gets the response once the page fetches it (headers sent, nothing
   * written yet), `expired` runs when it was not fetched in time. Undefined when the limit is
   * reached: the viewer then gets its messages on its WebSocket.
   */
  offer(claimed: (response: ServerResponse) => void, expired: () => void): DisplayStreamOffer | undefined {
    if (this.disposed || this.open + this.offers.size >= this.limit) return undefined;
    const id = randomBytes(16).toString('hex');
    const timer = setTimeout(() => {
      if (this.offers.delete(id)) expired();
    }, this.timeoutMs);
    timer.unref();
    this.offers.set(id, { claimed, timer });
    return {
      id,
      cancel: () => {
        const pending = this.offers.get(id);
        if (!pending) return;
        clearTimeout(pending.timer);
        this.offers.delete(id);
      },
    };
  }

  /**
   * Answers a GET for `displayStreamPath + id`: a 404 when nothing is offered under `id` (expired,
   * taken, or never offered), otherwise the stream's headers, then hands the response over.
   */
  claim(id: string, response: ServerResponse): void {
    const pending = this.offers.get(id);
    if (!pending) {
      response.writeHead(404, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' }).end('No such display stream: it expired or was already opened. Reopen the display.\n');
      return;
    }
    clearTimeout(pending.timer);
    this.offers.delete(id);
    this.open++;
    response.once('close', () => this.open--);
    response.writeHead(200, { 'content-type': 'application/octet-stream', 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' });
    response.flushHeaders();
    pending.claimed(response);
  }

  /** Withdraws every offer (open streams end with their connections). */
  dispose(): void {
    this.disposed = true;
    for (const pending of this.offers.values()) clearTimeout(pending.timer);
    this.offers.clear();
  }
}

/**
 * A viewer link writing framed messages to a claimed stream. Pixels are written as they are
 * (never joined into one buffer) and released once the response has handed them to the kernel
 * (or failed); `closed` runs when the link is closed from the feed's side (the engine stopped).
 */
export function httpStreamLink(response: ServerResponse, closed: () => void): ViewerLink & EnvelopeOutput {
  const writable = (): boolean => !response.destroyed && !response.writableEnded;
  // One writev per message: the prefix, header and pixels go out as one chunk of the body.
  const corked = (write: () => void): void => {
    response.cork();
    try {
      write();
    } finally {
      response.uncork();
    }
  };
  return {
    send(encoded) {
      if (!writable()) throw new Error('The display stream is closed.');
      corked(() => {
        response.write(displayFramePrefix(encoded.byteLength));
        response.write(encoded);
      });
    },
    sendParts(header, payload, release) {
      if (!writable()) {
        release();
        throw new Error('The display stream is closed.');
      }
      corked(() => {
        response.write(displayFramePrefix(header.byteLength + payload.byteLength));
        response.write(header);
        response.write(payload, () => release());
      });
    },
    queued: () => response.writableLength,
    close() {
      if (writable()) response.end();
      closed();
    },
  };
}
