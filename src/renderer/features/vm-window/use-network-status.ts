/**
 * The running machine's network for the VM window (`vm.network`), polled gently and only while
 * the window is visible: the status bar's indicator blinks when the engine's frame counters
 * moved since the last look, and the Devices menu knows the cable and the forwards.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import type { ApiResult } from '../../platform/transport.js';
import type { NetworkStatus } from '../../platform/models.js';
import { counterMoved } from './network-activity.js';

/** How often a visible window asks; the answer is small, but engines are shared by many windows. */
export const NETWORK_POLL_MS = 2000;

/** What the status bar shows: the engine's network and whether frames went in or out lately. */
export interface NetworkActivity {
  readonly status: NetworkStatus;
  /** Frames reached the guest since the previous poll. */
  readonly receiving: boolean;
  /** The guest sent frames since the previous poll. */
  readonly sending: boolean;
}


/** Polls `load` every NETWORK_POLL_MS while `active` and the page is visible; `refresh` asks at once. */
export function useNetworkStatus(load: () => Promise<ApiResult<NetworkStatus>>, active: boolean): { network: NetworkActivity | undefined; refresh: () => void } {
  const [network, setNetwork] = useState<NetworkActivity | undefined>(undefined);
  const previous = useRef<NetworkStatus | undefined>(undefined);
  const [tick, setTick] = useState(0);
  const refresh = useCallback(() => setTick((n) => n + 1), []);

  useEffect(() => {
    if (!active) {
      previous.current = undefined;
      setNetwork(undefined);
      return undefined;
    }
    let live = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let asking = false;
    const poll = async (): Promise<void> => {
      clearTimeout(timer);
      timer = undefined;
      if (asking || document.visibilityState !== 'visible') return; // a hidden window resumes on visibilitychange
      asking = true;
      const result = await load();
      asking = false;
      if (!live) return;
      if (result.ok) {
        const before = previous.current;
        previous.current = result.value;
        setNetwork({ status: result.value, receiving: counterMoved(before?.rxFrames, result.value.rxFrames), sending: counterMoved(before?.txFrames, result.value.txFrames) });
      }
      timer = setTimeout(() => void poll(), NETWORK_POLL_MS);
    };
    const onVisibility = (): void => {
      if (document.visibilityState === 'visible' && timer === undefined && !asking) void poll();
    };
    void poll();
    document.addEventListener('visibilitychange', onVisibility);
    return () => {
      live = false;
      clearTimeout(timer);
      document.removeEventListener('visibilitychange', onVisibility);
    };
  }, [active, load, tick]);

  return { network, refresh };
}
