/**
 * The manager details' accelerator: what a running machine uses and why it is not KVM, or for a
 * stopped QEMU machine what its next start will use (a KVM failure this host remembers, a
 * missing /dev/kvm), with "Try KVM again" where the host, not the settings, decides.
 */
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import CircularProgress from '@mui/material/CircularProgress';
import { useState } from 'react';
import type { EngineKind } from '../../platform/models.js';
import { acceleratorLabel, kvmRecheckHelps } from '../vm-window/accelerator-text.js';

/** What the manager knows about a machine's accelerator. */
export interface AcceleratorInfo {
  /** From the running engine (query-engine). */
  readonly running?: { readonly accelerator: string; readonly reason?: string };
  /** This host's KVM state (qemu.host), for QEMU machines. */
  readonly host?: { readonly kvmDevice: boolean; readonly kvmUnusable?: { readonly reason: string; readonly at: string } };
}

/** Props of the accelerator row. */
export interface AcceleratorRowProps {
  readonly engine: EngineKind;
  readonly forceTcg: boolean;
  readonly info?: AcceleratorInfo;
  /** "Try KVM again"; resolves with the sentence to show. */
  readonly onRecheck?: () => Promise<string>;
}

/** The sentence for the row and whether "Try KVM again" can help. */
function describe({ engine, forceTcg, info }: AcceleratorRowProps): { text: string; recheck: boolean } {
  if (engine === 'v86') return { text: 'v86 · JIT (WebAssembly, no KVM needed)', recheck: false };
  const running = info?.running;
  if (running) {
    if (running.accelerator !== 'tcg' || running.reason === undefined) return { text: acceleratorLabel('qemu', running.accelerator), recheck: false };
    return { text: `QEMU · TCG — ${running.reason}`, recheck: kvmRecheckHelps(running.reason) };
  }
  if (forceTcg) return { text: 'TCG (forced in the machine settings)', recheck: false };
  const host = info?.host;
  if (!host) return { text: 'KVM when it works, TCG otherwise (decided at start)', recheck: false };
  if (!host.kvmDevice) return { text: 'TCG at the next start — /dev/kvm is missing or not accessible to this user (add it to the kvm group)', recheck: false };
  if (host.kvmUnusable) return { text: `TCG at the next start — KVM was found unusable on this host: ${host.kvmUnusable.reason}`, recheck: true };
  return { text: 'KVM at the next start (TCG if a short probe fails)', recheck: false };
}

/** The accelerator row's value. */
export function AcceleratorRow(props: AcceleratorRowProps) {
  const [busy, setBusy] = useState(false);
  const [outcome, setOutcome] = useState<string | undefined>(undefined);
  const { text, recheck } = describe(props);
  const run = async (): Promise<void> => {
    if (!props.onRecheck) return;
    setBusy(true);
    setOutcome(await props.onRecheck().catch((error: unknown) => (error instanceof Error ? error.message : String(error))));
    setBusy(false);
  };
  return (
    <Box component="span" sx={{ display: 'flex', flexDirection: 'column', alignItems: 'flex-start', gap: 0.5 }} data-testid="details-accelerator">
      <span>{text}</span>
      {recheck && props.onRecheck && (
        <Box component="span" sx={{ display: 'flex', alignItems: 'center', gap: 1 }}>
          <Button size="small" variant="outlined" onClick={() => void run()} disabled={busy}>
            Try KVM again
          </Button>
          {busy && <CircularProgress size={16} aria-label="Checking KVM" />}
        </Box>
      )}
      {outcome && (
        <span role="status" data-testid="details-kvm-outcome">
          {outcome}
        </span>
      )}
    </Box>
  );
}
