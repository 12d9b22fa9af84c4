/**
 * The status bar's engine and accelerator. When QEMU runs on TCG the label is marked and opens
 * the reason (KVM missing, found unusable, a speed limit, or chosen) with "Try KVM again".
 */
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import CircularProgress from '@mui/material/CircularProgress';
import Popover from '@mui/material/Popover';
import Typography from '@mui/material/Typography';
import { useState } from 'react';
import { WarningIcon } from '../../components/icons.js';
import { acceleratorLabel, kvmRecheckHelps } from './accelerator-text.js';

/** Props of the accelerator status. */
export interface AcceleratorStatusProps {
  readonly engine: 'v86' | 'qemu';
  readonly accelerator?: string;
  /** Why QEMU runs on TCG rather than KVM (query-engine's accelerator-reason). */
  readonly reason?: string;
  /** "Try KVM again": forgets the host's remembered failure and probes; resolves with the sentence to show. */
  readonly onRecheck?: () => Promise<string>;
}

/** The engine label, and for a TCG fallback its reason and "Try KVM again". */
export function AcceleratorStatus({ engine, accelerator, reason, onRecheck }: AcceleratorStatusProps) {
  const [anchor, setAnchor] = useState<HTMLElement | null>(null);
  const [busy, setBusy] = useState(false);
  const [outcome, setOutcome] = useState<string | undefined>(undefined);
  const label = acceleratorLabel(engine, accelerator);
  if (reason === undefined || accelerator !== 'tcg') {
    return (
      <Typography variant="caption" data-testid="accelerator">
        {label}
      </Typography>
    );
  }
  const recheck = async (): Promise<void> => {
    if (!onRecheck) return;
    setBusy(true);
    setOutcome(await onRecheck().catch((error: unknown) => (error instanceof Error ? error.message : String(error))));
    setBusy(false);
  };
  return (
    <>
      <Button
        size="small"
        color="warning"
        startIcon={<WarningIcon sx={{ fontSize: '14px !important' }} />}
        onClick={(event) => setAnchor(event.currentTarget)}
        data-testid="accelerator"
        aria-label={`${label}: not using KVM. Show why`}
        sx={{ py: 0, minHeight: 0, textTransform: 'none', fontSize: 12, flex: 'none' }}
      >
        {label}
      </Button>
      <Popover open={anchor !== null} anchorEl={anchor} onClose={() => setAnchor(null)} anchorOrigin={{ vertical: 'top', horizontal: 'left' }} transformOrigin={{ vertical: 'bottom', horizontal: 'left' }}>
        <Box sx={{ p: 2, maxWidth: 440, display: 'flex', flexDirection: 'column', gap: 1 }} data-testid="accelerator-details">
          <Typography variant="subtitle2">QEMU runs on TCG, not KVM</Typography>
          <Typography variant="body2">{reason.charAt(0).toUpperCase() + reason.slice(1)}.</Typography>
          <Typography variant="body2" sx={{ color: 'text.secondary' }}>
            TCG emulates the processor in software: every guest works, but much slower than with KVM.
          </Typography>
          {kvmRecheckHelps(reason) ? (
            onRecheck && (
              <Box sx={{ display: 'flex', alignItems: 'center', gap: 1 }}>
                <Button variant="outlined" size="small" onClick={() => void recheck()} disabled={busy}>
                  Try KVM again
                </Button>
                {busy && <CircularProgress size={16} aria-label="Checking KVM" />}
              </Box>
            )
          ) : (
            <Typography variant="body2" sx={{ color: 'text.secondary' }}>
              The machine&apos;s settings decide this (System page).
            </Typography>
          )}
          {outcome && (
            <Typography variant="body2" role="status" data-testid="kvm-recheck-outcome">
              {outcome}
            </Typography>
          )}
        </Box>
      </Popover>
    </>
  );
}
