/**
 * The page's end of a display stream (src/main/web/display-http-stream.ts): one long-lived
 * `fetch` whose body is framed display messages. The body is read with a BYOB reader into one
 * reused staging buffer and each large message is copied into a pooled buffer
 * (src/shared/display/display-buffers.ts) that is reused once nothing holds it, so a stream of
 * full-screen frames allocates nothing per frame (a fresh ArrayBuffer per 3 MiB frame is most of
 * what a WebSocket costs the browser). Where a browser has no BYOB reader for fetch bodies the
 * default reader's chunks are split the same way.
 *
 * Bounded: a message declaring more than `defaultMaxDisplayFrame` bytes ends the stream before
 * anything is buffered for it.
 */
import { DisplayBuffers } from '../../shared/display/display-buffers.js';
import { DisplayFrameSplitter, defaultMaxDisplayFrame } from '../../shared/protocol/display-stream.js';

/** Bytes read from the body at a time. */
const stagingBytes = 256 << 10;

/** What the stream tells its owner. */
export interface DisplayStreamListener {
  /** The response arrived: main has attached the viewer and messages follow. */
  opened(): void;
  /** One encoded message; `release` once nothing reads `body` any more (it is then reused). */
  message(body: Uint8Array, release: () => void): void;
  /** The stream ended or failed (not called after `close`). */
  ended(reason: string): void;
}

/** Reads one display stream. Owns its request; call `close` when done. */
export class HttpDisplayStream {
  private readonly abort = new AbortController();
  private closed = false;
  /** The pool large messages are read into (tests: reuse really happens). */
  readonly buffers = new DisplayBuffers();

  constructor(
    url: string,
    private readonly listener: DisplayStreamListener,
  ) {
    void this.run(url);
  }

  /** Aborts the request; nothing more is delivered. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.abort.abort();
    this.buffers.clear();
  }

  private async run(url: string): Promise<void> {
    let reason: string;
    try {
      reason = await this.read(url);
    } catch (error) {
      reason = `the display stream failed (${(error as Error).message})`;
    }
    if (this.closed) return;
    this.closed = true;
    this.listener.ended(reason);
  }

  /** Reads until the body ends; returns why it ended. */
  private async read(url: string): Promise<string> {
    const response = await fetch(url, { signal: this.abort.signal, credentials: 'same-origin' });
    if (!response.ok || !response.body) {
      const text = (await response.text().catch(() => '')).trim();
      return `the display stream was refused (HTTP ${response.status}${text ? `: ${text}` : ''})`;
    }
    if (this.closed) return 'closed';
    this.listener.opened();
    const splitter = new DisplayFrameSplitter(defaultMaxDisplayFrame, (length) => this.buffers.take(length));
    const bodies: Uint8Array[] = [];
    const deliver = (chunk: Uint8Array): string | undefined => {
      bodies.length = 0;
      let failure: string | undefined;
      try {
        splitter.push(chunk, bodies);
      } catch (error) {
        failure = `the display stream is corrupt (${(error as Error).message})`;
      }
      for (const body of bodies) {
        if (this.closed) this.buffers.release(body);
        else this.listener.message(body, () => this.buffers.release(body));
      }
      return failure;
    };
    // The next chunk of the body: read into the one staging buffer where the browser can (the
    // read takes the buffer over and gives back a view of the same memory), else whatever the
    // default reader hands out.
    let next: () => Promise<{ done: boolean; value?: Uint8Array | undefined }>;
    try {
      const byob = response.body.getReader({ mode: 'byob' });
      let staging = new ArrayBuffer(stagingBytes);
      next = async () => {
        const result = await byob.read(new Uint8Array(staging));
        if (result.value) staging = result.value.buffer as ArrayBuffer;
        return result;
      };
    } catch {
      const reader = response.body.getReader();
      next = () => reader.read();
    }
    for (;;) {
      const { value, done } = await next();
      if (done || !value) return 'the display stream ended';
      if (this.closed) return 'closed';
      const failure = deliver(value);
      if (failure) return this.fail(failure);
    }
  }

  private fail(reason: string): string {
    this.abort.abort();
    return reason;
  }
}
