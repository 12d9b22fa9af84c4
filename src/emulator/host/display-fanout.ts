/**
 * Sends display messages to every attached viewer without ever waiting for one. Each viewer
 * reports how much it has queued; one that falls too far behind is skipped (its queue is left
 * to drain) and, once drained, gets the whole screen again through the backend's replay.
 */
import type { DisplayMessage } from '../../shared/protocol/display.js';
import type { Rect } from '../display/rect.js';
import { extractRect } from '../display/rect.js';
import type { SharedFrame } from '../display/shared-frame.js';

/** A display consumer (MessagePort, parent channel, socket…). */
export interface DisplayViewer {
  /**
   * Queues one message; never blocks. Must copy (serialize) the message before returning: a
   * rectangle's pixels may be a view of the engine's live frame buffer (BackendHost.displayCopiesPixels).
   */
  post(message: DisplayMessage): void;
  /** Bytes (or messages) still queued; 0 when the transport cannot tell. */
  backlog(): number;
  /**
   * Takes a changed rectangle of a shared frame without copying it on the caller's thread (the
   * display socket's worker reads it); viewers without it get a rect message instead.
   */
  postFrame?(frame: SharedFrame, rect: Rect): void;
  /** True while the viewer still reads the shared frame (the backend must not write it meanwhile). */
  busy?(): boolean;
}

/** Default backlog above which a viewer is considered stalled. */
export const defaultMaxBacklog = 32 * 1024 * 1024;

interface Attached {
  readonly viewer: DisplayViewer;
  stalled: boolean;
}

/** The set of viewers of one engine. */
export class DisplayFanout {
  private readonly viewers = new Set<Attached>();

  constructor(
    private readonly replay: (send: (message: DisplayMessage) => void) => void,
    private readonly maxBacklog = defaultMaxBacklog,
  ) {}

  /** Attaches a viewer and sends it the full current screen; returns a detach function. */
  attach(viewer: DisplayViewer): () => void {
    const attached: Attached = { viewer, stalled: false };
    this.viewers.add(attached);
    this.resend(attached);
    return () => {
      this.viewers.delete(attached);
    };
  }

  /** Delivers one message to every viewer that keeps up. */
  post(message: DisplayMessage): void {
    for (const attached of this.viewers) if (this.keepsUp(attached)) this.safePost(attached, message);
  }

  /** False for a viewer that fell behind (from then on until it drained and got the screen again). */
  private keepsUp(attached: Attached): boolean {
    const backlog = attached.viewer.backlog();
    if (attached.stalled) {
      if (backlog === 0) this.resend(attached);
      return false;
    }
    if (backlog > this.maxBacklog) {
      attached.stalled = true;
      return false;
    }
    return true;
  }

  /**
   * Delivers a changed rectangle of a shared frame: as it is to viewers that read shared frames,
   * as a rect message to the others (the whole frame itself when the rectangle is the whole
   * screen: every such viewer serializes inside `post`, so one copy is enough).
   */
  postFrame(frame: SharedFrame, rect: Rect): void {
    let message: DisplayMessage | undefined;
    for (const attached of this.viewers) {
      if (!this.keepsUp(attached)) continue;
      if (attached.viewer.postFrame) {
        try {
          attached.viewer.postFrame(frame, rect);
        } catch {
          this.viewers.delete(attached);
        }
        continue;
      }
      const whole = rect.x === 0 && rect.y === 0 && rect.width === frame.width && rect.height === frame.height;
      message ??= { type: 'rect', ...rect, pixels: whole ? frame.pixels : extractRect(frame.pixels, frame.width, rect) };
      this.safePost(attached, message);
    }
  }

  /**
   * True while viewers are attached and every one has more than `bytes` queued: new frames
   * would only be skipped, so a backend that can hold off producing them (QEMU's RFB client) does.
   */
  backlogged(bytes: number): boolean {
    if (this.viewers.size === 0) return false;
    for (const attached of this.viewers) if (attached.viewer.backlog() <= bytes) return false;
    return true;
  }

  /** True while some viewer still reads a shared frame posted earlier. */
  busy(): boolean {
    for (const attached of this.viewers) if (attached.viewer.busy?.()) return true;
    return false;
  }

  get size(): number {
    return this.viewers.size;
  }

  private resend(attached: Attached): void {
    attached.stalled = false;
    try {
      this.replay((message) => this.safePost(attached, message));
    } catch {
      // The backend has no screen yet; the next messages will draw it.
    }
  }

  private safePost(attached: Attached, message: DisplayMessage): void {
    try {
      attached.viewer.post(message);
    } catch {
      this.viewers.delete(attached);
    }
  }
}
