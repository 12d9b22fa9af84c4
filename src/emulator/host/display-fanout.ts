/**
 * Sends display messages to every attached viewer without ever waiting for one. Each viewer
 * reports how much it has queued; one that falls too far behind is skipped (its queue is left
 * to drain) and, once drained, gets the whole screen again through the backend's replay.
 */
import type { DisplayMessage } from '../../shared/protocol/display.js';

/** A display consumer (MessagePort, parent channel, socket…). */
export interface DisplayViewer {
  /**
   * Queues one message; never blocks. Must copy (serialize) the message before returning: a
   * rectangle's pixels may be a view of the engine's live frame buffer (BackendHost.displayCopiesPixels).
   */
  post(message: DisplayMessage): void;
  /** Bytes (or messages) still queued; 0 when the transport cannot tell. */
  backlog(): number;
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
    for (const attached of this.viewers) {
      const backlog = attached.viewer.backlog();
      if (attached.stalled) {
        if (backlog === 0) this.resend(attached);
        continue;
      }
      if (backlog > this.maxBacklog) {
        attached.stalled = true;
        continue;
      }
      this.safePost(attached, message);
    }
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
