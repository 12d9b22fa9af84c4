/**
 * The shares a machine was started with and whether each is served: what `query-shares`
 * answers on both engines. A backend marks a share failed (with a sentence) when it cannot serve
 * it, and the reason goes to the engine log too, so a share is never off silently.
 */
import type { CommandHandlers } from '../backend.js';
import { planShares, type PlannedShare } from './share-plan.js';

/** One share's protocol view. */
export interface ShareStatus {
  name: string;
  tag: string;
  'host-path': string;
  'read-only': boolean;
  status: 'active' | 'failed';
  error?: string;
}

/** The planned shares and their failures. */
export class ShareControl {
  readonly shares: readonly PlannedShare[];
  private readonly failures = new Map<number, string>();

  /** Plans the `shares` option; folders that cannot be served are failed now and logged. */
  constructor(
    option: unknown,
    private readonly log: (line: string) => void,
  ) {
    this.shares = planShares(option);
    this.shares.forEach((share, index) => {
      if (share.problem !== undefined) this.fail(index, share.problem);
    });
  }

  /** The shares nobody has failed yet, with their index in the list. */
  get servable(): { share: PlannedShare; index: number }[] {
    return this.shares.map((share, index) => ({ share, index })).filter(({ index }) => !this.failures.has(index));
  }

  /** Marks share `index` as not served, with why and what to do (also logged). */
  fail(index: number, reason: string): void {
    if (this.failures.has(index)) return;
    this.failures.set(index, reason);
    const share = this.shares[index];
    this.log(`share ${share?.name ?? index} (${share?.hostPath ?? '?'}) off: ${reason}`);
  }

  /** What query-shares answers. */
  list(): ShareStatus[] {
    return this.shares.map((share, index) => {
      const error = this.failures.get(index);
      return {
        name: share.name,
        tag: share.tag,
        'host-path': share.hostPath,
        'read-only': share.readOnly,
        status: error === undefined ? 'active' : 'failed',
        ...(error !== undefined ? { error } : {}),
      };
    });
  }

  /** The `query-shares` handler. */
  handlers(): CommandHandlers {
    return { 'query-shares': () => this.list() };
  }
}
