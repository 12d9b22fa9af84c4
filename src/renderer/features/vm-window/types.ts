/** What a VM window asks its owner to do, and what the owner's typing function gets. */
import type { DriveSlot } from '../../platform/models.js';

/** What the window asks its owner to do. */
export type VmCommand =
  | { readonly kind: 'pause' | 'resume' | 'reset' | 'powerdown' | 'poweroff' | 'start' | 'snapshot' | 'snapshots' }
  | { readonly kind: 'settings'; readonly page?: 'Serial' | 'Clipboard' }
  | { readonly kind: 'insert'; readonly slot: DriveSlot; readonly path: string }
  | { readonly kind: 'eject'; readonly slot: DriveSlot }
  /** Connects (up) or disconnects the network cable. */
  | { readonly kind: 'cable'; readonly up: boolean }
  /** Opens the port forwarding dialog. */
  | { readonly kind: 'forwarding' }
  /** Opens "Send files…". */
  | { readonly kind: 'send-files' };

/** Options the owner's typing function gets. */
export interface TypingControl {
  readonly onProgress: (typed: number, total: number) => void;
  readonly signal: AbortSignal;
}

/** The window's two views. */
export type VmView = 'display' | 'serial' | 'logs';
