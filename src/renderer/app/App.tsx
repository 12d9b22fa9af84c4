/**
 * The app root: the manager (`#/`) or a machine's window (`#/vm/<id>`), in the stored theme
 * (the system's colour scheme unless Preferences say otherwise).
 */
import CssBaseline from '@mui/material/CssBaseline';
import { ThemeProvider } from '@mui/material/styles';
import type { HangarClient } from '../platform/client.js';
import { routeMachineId } from '../platform/shell.js';
import { VmPage } from '../features/vm-window/VmPage.js';
import { ManagerApp } from './manager/ManagerApp.js';
import { useAppTheme } from './theme.js';
import { useLocationHash } from './use-location-hash.js';
import { useThemeSetting } from './use-theme-setting.js';

/** The root component: routes between the manager and a VM window. */
export function App({ client }: { client: HangarClient }) {
  const vmId = routeMachineId(useLocationHash());
  // The stored theme; a VM window reads it again when focused, since the manager changes it.
  const [themePreference, setThemePreference] = useThemeSetting(client, vmId);
  const theme = useAppTheme(themePreference);
  return (
    <ThemeProvider theme={theme}>
      <CssBaseline />
      {vmId ? <VmPage key={vmId} client={client} machineId={vmId} /> : <ManagerApp client={client} theme={themePreference} onThemeChange={setThemePreference} />}
    </ThemeProvider>
  );
}
