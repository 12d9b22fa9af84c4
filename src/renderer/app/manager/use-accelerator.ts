/** The selected machine's accelerator for the manager's details: the running engine's, and this host's KVM state for QEMU. */
import { useCallback, useEffect, useState } from 'react';
import type { HangarClient } from '../../platform/client.js';
import type { MachineSummary } from '../../platform/models.js';
import type { AcceleratorInfo } from '../../features/manager/AcceleratorRow.js';
import { recheckOutcome } from '../../features/vm-window/accelerator-text.js';

/** The info (read again when the selection or its state changes) and "Try KVM again". */
export function useAccelerator(client: HangarClient, selected: MachineSummary | undefined): { info: AcceleratorInfo | undefined; recheck: () => Promise<string> } {
  const [info, setInfo] = useState<{ key: string; value: AcceleratorInfo } | undefined>(undefined);
  const [round, setRound] = useState(0);
  const key = selected ? `${selected.id}:${selected.state}:${selected.config.engine}` : '';
  useEffect(() => {
    if (!selected || selected.config.engine !== 'qemu') return;
    let live = true;
    const runs = selected.state === 'running' || selected.state === 'paused';
    void Promise.all([runs ? client.execute(selected.id, 'query-engine') : Promise.resolve(undefined), client.qemuHost()]).then(([engine, host]) => {
      if (!live) return;
      const described = engine?.ok ? (engine.value as { accelerator?: string; 'accelerator-reason'?: string }) : undefined;
      setInfo({
        key,
        value: {
          ...(described?.accelerator ? { running: { accelerator: described.accelerator, ...(described['accelerator-reason'] ? { reason: described['accelerator-reason'] } : {}) } } : {}),
          ...(host.ok ? { host: { kvmDevice: host.value.kvmDevice, ...(host.value.kvmUnusable ? { kvmUnusable: host.value.kvmUnusable } : {}) } } : {}),
        },
      });
    });
    return () => {
      live = false;
    };
    // The key captures what matters about `selected`; `round` reads again after a recheck.
  }, [client, key, round]);
  const recheck = useCallback(async (): Promise<string> => {
    const result = await client.recheckKvm();
    setRound((n) => n + 1);
    return result.ok ? recheckOutcome(result.value) : result.error.desc;
  }, [client]);
  return { info: info && info.key === key ? info.value : undefined, recheck };
}
