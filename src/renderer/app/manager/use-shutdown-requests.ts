/**
 * Feedback for the manager's ACPI shutdown requests, one per machine: the same phases as the VM
 * window's (features/vm-window/use-shutdown-request.ts), so the manager can show the same
 * ShutdownNotice for each machine whose guest was asked to turn itself off. A guest that ignores
 * the power button (GRUB, a BIOS screen) would otherwise leave the manager saying nothing.
 */
import { useCallback, useEffect, useMemo, useState } from 'react';
import type { MachineSummary } from '../../platform/models.js';
import { SHUTDOWN_WAIT_MS } from '../../features/vm-window/use-shutdown-request.js';
import type { ShutdownRequest } from '../../features/vm-window/use-shutdown-request.js';

/** One machine's pending request: first asked at `since`, the current wait began at `armedAt`. */
interface Pending {
  readonly since: number;
  readonly armedAt: number;
  readonly overdue: boolean;
}

/** The manager's pending shutdown requests. */
export interface ShutdownRequests {
  /** Call when the shutdown request for machine `id` was sent. */
  requested(id: string): void;
  /** The machines with a pending request, with their request (for ShutdownNotice), in list order. */
  readonly pending: readonly { readonly machine: MachineSummary; readonly request: ShutdownRequest }[];
}

const running = (machine: MachineSummary | undefined): boolean => machine?.state === 'running' || machine?.state === 'paused';

/** Tracks each machine's shutdown request until the machine stops running (then it is forgotten). */
export function useShutdownRequests(machines: readonly MachineSummary[], waitMs = SHUTDOWN_WAIT_MS): ShutdownRequests {
  const [requests, setRequests] = useState<Readonly<Record<string, Pending>>>({});

  // A machine that stopped (or went away) has answered its request.
  useEffect(() => {
    setRequests((old) => {
      const kept = Object.entries(old).filter(([id]) => running(machines.find((machine) => machine.id === id)));
      return kept.length === Object.keys(old).length ? old : Object.fromEntries(kept);
    });
  }, [machines]);
  // Each waiting request turns overdue after its wait.
  useEffect(() => {
    const timers = Object.entries(requests)
      .filter(([, pending]) => !pending.overdue)
      .map(([id, pending]) =>
        setTimeout(
          () => setRequests((old) => (old[id]?.armedAt === pending.armedAt ? { ...old, [id]: { ...pending, overdue: true } } : old)),
          Math.max(0, pending.armedAt + waitMs - Date.now()),
        ),
      );
    return () => timers.forEach(clearTimeout);
  }, [requests, waitMs]);

  const requested = useCallback((id: string) => {
    const now = Date.now();
    setRequests((old) => ({ ...old, [id]: { since: old[id]?.since ?? now, armedAt: now, overdue: false } }));
  }, []);
  const pending = useMemo(
    () =>
      machines.flatMap((machine) => {
        const entry = requests[machine.id];
        if (!entry || !running(machine)) return [];
        const request: ShutdownRequest = {
          phase: entry.overdue ? 'overdue' : 'waiting',
          waitedSeconds: Math.round((entry.armedAt + waitMs - entry.since) / 1000),
          requested: () => requested(machine.id),
          keepWaiting: () => setRequests((old) => (old[machine.id] ? { ...old, [machine.id]: { ...entry, armedAt: Date.now(), overdue: false } } : old)),
          dismiss: () => setRequests((old) => Object.fromEntries(Object.entries(old).filter(([id]) => id !== machine.id))),
        };
        return [{ machine, request }];
      }),
    [machines, requests, requested, waitMs],
  );
  return { requested, pending };
}
