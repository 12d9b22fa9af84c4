/** The manager's notice as a snackbar; errors stay longer. */
import Alert from '@mui/material/Alert';
import Button from '@mui/material/Button';
import Snackbar from '@mui/material/Snackbar';
import type { Notice } from './use-notice.js';

/** The snackbar; `onClose` clears the notice (also after its action ran). */
export function NoticeSnackbar({ notice, onClose }: { notice: Notice | undefined; onClose: () => void }) {
  return (
    <Snackbar open={notice !== undefined} autoHideDuration={notice?.severity === 'error' ? 12_000 : 6000} onClose={(_, reason) => reason !== 'clickaway' && onClose()} anchorOrigin={{ vertical: 'bottom', horizontal: 'center' }}>
      <Alert
        severity={notice?.severity ?? 'info'}
        variant="filled"
        onClose={onClose}
        action={
          notice?.action ? (
            <Button color="inherit" size="small" onClick={() => (notice.action?.run(), onClose())}>
              {notice.action.label}
            </Button>
          ) : undefined
        }
      >
        {notice?.text}
      </Alert>
    </Snackbar>
  );
}
