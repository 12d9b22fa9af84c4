/**
 * Feedback for an ACPI shutdown request. The request only presses the guest's power button: a
 * guest that ignores it (GRUB, a BIOS screen, an OS without ACPI support) keeps running and the
 * window would otherwise show nothing. While the machine still runs, the window says the
 * shutdown was requested; after a while it offers to power the machine off.
 */
import { useCallback, useEffect, useState } from 'react';
import type { MachineState } from '../../platform/models.js';

/** How long a guest gets to shut down before the window offers to power it off. */
export const SHUTDOWN_WAIT_MS = 15_000;

/** A pending shutdown request as the window tracks it. */
export interface ShutdownRequest {
  /** 'waiting' after the request; 'overdue' once the guest has had `waitMs` and still runs. */
  readonly phase: 'none' | 'waiting' | 'overdue';
  /** Seconds the guest has had so far when it became overdue. */
  readonly waitedSeconds: number;
  /** Call when the shutdown request was sent. */
  requested(): void;
  /** Gives the guest another `waitMs`. */
  keepWaiting(): void;
  /** Forgets the request (the user closed the notice, or powered off). */
  dismiss(): void;
}

/** Tracks a shutdown request until the machine stops running (then it is forgotten by itself). */
export function useShutdownRequest(state: MachineState, waitMs = SHUTDOWN_WAIT_MS): ShutdownRequest {
  const [since, setSince] = useState<number | undefined>(undefined);
  const [armedAt, setArmedAt] = useState<number | undefined>(undefined);
  const [overdue, setOverdue] = useState(false);
  const running = state === 'running' || state === 'paused';

  useEffect(() => {
    if (!running) {
      setSince(undefined);
      setArmedAt(undefined);
      setOverdue(false);
    }
  }, [running]);
  useEffect(() => {
    if (armedAt === undefined) return undefined;
    const timer = setTimeout(() => setOverdue(true), Math.max(0, armedAt + waitMs - Date.now()));
    return () => clearTimeout(timer);
  }, [armedAt, waitMs]);

  const requested = useCallback(() => {
    const now = Date.now();
    setSince((old) => old ?? now);
    setArmedAt(now);
    setOverdue(false);
  }, []);
  const keepWaiting = useCallback(() => {
    setArmedAt(Date.now());
    setOverdue(false);
  }, []);
  const dismiss = useCallback(() => {
    setSince(undefined);
    setArmedAt(undefined);
    setOverdue(false);
  }, []);
  const phase = since === undefined || !running ? 'none' : overdue ? 'overdue' : 'waiting';
  return { phase, waitedSeconds: since === undefined ? 0 : Math.round((Date.now() - since) / 1000), requested, keepWaiting, dismiss };
}
