/** The manager's banner while the app API is not connected. */
import Alert from '@mui/material/Alert';
import type { Connection } from './use-connection.js';

/** The banner for a closed connection; undefined otherwise. */
export function connectionBanner(connection: Connection) {
  if (connection.state !== 'closed') return undefined;
  return (
    <Alert severity="error" sx={{ borderRadius: 0 }} data-testid="connection-banner">
      {connection.reason ? `The app API is not connected (${connection.reason}). Reconnecting…` : 'The app API is not connected. Reconnecting…'}
    </Alert>
  );
}
