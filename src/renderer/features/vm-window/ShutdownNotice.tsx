/**
 * The banner of a pending ACPI shutdown request (use-shutdown-request.ts): "Shutdown
 * requested…" while the guest has its time, then the offer to power it off.
 */
import Alert from '@mui/material/Alert';
import Button from '@mui/material/Button';
import CircularProgress from '@mui/material/CircularProgress';
import type { ShutdownRequest } from './use-shutdown-request.js';

/** Props of the notice. */
export interface ShutdownNoticeProps {
  readonly name: string;
  readonly request: ShutdownRequest;
  readonly onPowerOff: () => void;
}

/** The banner: "Shutdown requested…", then the offer to power off. Nothing when no request is pending. */
export function ShutdownNotice({ name, request, onPowerOff }: ShutdownNoticeProps) {
  if (request.phase === 'none') return null;
  if (request.phase === 'waiting') {
    return (
      <Alert
        severity="info"
        data-testid="shutdown-notice"
        icon={<CircularProgress size={18} aria-label="Waiting for the guest" />}
        onClose={request.dismiss}
        sx={{ borderRadius: 0 }}
      >
        Shutdown requested… waiting for {name} to turn itself off.
      </Alert>
    );
  }
  return (
    <Alert
      severity="warning"
      data-testid="shutdown-notice"
      onClose={request.dismiss}
      sx={{ borderRadius: 0 }}
      action={
        <>
          <Button color="inherit" size="small" onClick={request.keepWaiting} sx={{ whiteSpace: 'nowrap' }}>
            Keep waiting
          </Button>
          <Button color="inherit" size="small" variant="outlined" onClick={onPowerOff} sx={{ ml: 1, whiteSpace: 'nowrap' }}>
            Power off
          </Button>
        </>
      }
    >
      {name} has not shut down after {request.waitedSeconds} s. The guest may ignore the ACPI power button (GRUB, a BIOS screen, an OS without ACPI support). Power off
      cuts the power: unsaved work in the guest is lost.
    </Alert>
  );
}
