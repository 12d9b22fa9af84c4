/**
 * The status bar's network indicator: the card's mode and cable, two lights that blink when
 * frames went to or came from the guest since the last look (engines that count frames), and a tooltip with the MAC address
 * and the forwards (failed ones counted, with why the network is off when it is).
 */
import Box from '@mui/material/Box';
import Tooltip from '@mui/material/Tooltip';
import Typography from '@mui/material/Typography';
import type { NetworkActivity } from './use-network-status.js';

const modeLabels = { nat: 'NAT', isolated: 'Isolated', none: 'No network' } as const;

function Light({ on, label, testId }: { on: boolean; label: string; testId: string }) {
  return (
    <Box
      component="span"
      aria-label={label}
      data-testid={testId}
      data-on={on ? 'true' : 'false'}
      sx={{ width: 7, height: 7, borderRadius: '50%', bgcolor: on ? 'success.main' : 'action.disabled', transition: 'background-color 0.3s' }}
    />
  );
}

/** What the indicator says in words (also its accessible name). */
export function networkSummary({ status }: NetworkActivity): string {
  if (status.mode === 'none') return 'No network card';
  if (!status.available) return `Network off: ${status.reason ?? 'the engine could not set it up'}`;
  const failed = status.forwards.filter((forward) => forward.status === 'failed').length;
  const forwards = status.forwards.length === 0 ? 'no port forwards' : `${status.forwards.length} port forward${status.forwards.length === 1 ? '' : 's'}${failed > 0 ? `, ${failed} failed` : ''}`;
  return `${modeLabels[status.mode]} · ${status.connected ? 'cable connected' : 'cable disconnected'} · ${forwards}`;
}

/** The indicator. */
export function NetworkIndicator({ network }: { network: NetworkActivity }) {
  const { status } = network;
  const problem = status.mode !== 'none' && (!status.available || !status.connected || status.forwards.some((forward) => forward.status === 'failed'));
  const counters = status.rxFrames !== undefined && status.txFrames !== undefined ? ` · ${status.rxFrames} frames in, ${status.txFrames} out` : '';
  return (
    <Tooltip title={`${networkSummary(network)} · MAC ${status.mac || '—'}${counters}`}>
      <Box sx={{ display: 'flex', alignItems: 'center', gap: 0.5 }} data-testid="network-status" data-connected={status.connected ? 'true' : 'false'} aria-label={networkSummary(network)}>
        <Box component="svg" viewBox="0 0 24 24" sx={{ width: 16, height: 16, fill: 'currentColor', color: problem ? 'warning.main' : status.mode === 'none' ? 'text.disabled' : 'text.primary' }} aria-hidden>
          <path d="M15 2H9v6h2v3H4v5H2v6h6v-6H6v-3h12v3h-2v6h6v-6h-2v-5h-7V8h2z" />
        </Box>
        <Typography variant="caption" sx={{ color: status.mode === 'none' ? 'text.disabled' : problem ? 'warning.main' : 'text.primary' }}>
          {status.mode === 'none' ? 'No network' : status.connected ? modeLabels[status.mode] : `${modeLabels[status.mode]} · unplugged`}
        </Typography>
        {/* Only engines that count frames (v86) light up; QEMU's user network has no counters. */}
        {status.mode !== 'none' && status.rxFrames !== undefined && (
          <>
            <Light on={network.receiving} label="Receiving" testId="network-rx" />
            <Light on={network.sending} label="Sending" testId="network-tx" />
          </>
        )}
      </Box>
    </Tooltip>
  );
}
