/** The few toolbar icons the app needs, as inline SVG paths (Material Design shapes, drawn by hand). */
import SvgIcon from '@mui/material/SvgIcon';
import type { SvgIconProps } from '@mui/material/SvgIcon';

function icon(path: string, name: string) {
  const Icon = (props: SvgIconProps) => (
    <SvgIcon {...props}>
      <path d={path} />
    </SvgIcon>
  );
  Icon.displayName = name;
  return Icon;
}

export const AddIcon = icon('M19 13h-6v6h-2v-6H5v-2h6V5h2v6h6z', 'AddIcon');
export const PlayIcon = icon('M8 5v14l11-7z', 'PlayIcon');
export const PauseIcon = icon('M6 19h4V5H6zm8-14v14h4V5z', 'PauseIcon');
export const StopIcon = icon('M6 6h12v12H6z', 'StopIcon');
export const SettingsIcon = icon('M12 8a4 4 0 1 0 0 8 4 4 0 0 0 0-8zm9 5.5v-3l-2.6-.6a7 7 0 0 0-.8-1.9l1.4-2.3-2.1-2.1-2.3 1.4a7 7 0 0 0-1.9-.8L12.5 2h-3l-.6 2.6a7 7 0 0 0-1.9.8L4.7 4 2.6 6.1 4 8.4a7 7 0 0 0-.8 1.9L.5 10.5v3l2.6.6c.2.7.4 1.3.8 1.9l-1.4 2.3 2.1 2.1 2.3-1.4c.6.4 1.2.6 1.9.8l.6 2.7h3l.6-2.6c.7-.2 1.3-.4 1.9-.8l2.3 1.4 2.1-2.1-1.4-2.3c.4-.6.6-1.2.8-1.9z', 'SettingsIcon');
export const SnapshotIcon = icon('M12 15.2a3.2 3.2 0 1 0 0-6.4 3.2 3.2 0 0 0 0 6.4zM9 2 7.2 4H4a2 2 0 0 0-2 2v12a2 2 0 0 0 2 2h16a2 2 0 0 0 2-2V6a2 2 0 0 0-2-2h-3.2L15 2z', 'SnapshotIcon');
export const DeleteIcon = icon('M6 19a2 2 0 0 0 2 2h8a2 2 0 0 0 2-2V7H6zM19 4h-3.5l-1-1h-5l-1 1H5v2h14z', 'DeleteIcon');
export const ComputerIcon = icon('M20 18a2 2 0 0 0 2-2V6a2 2 0 0 0-2-2H4a2 2 0 0 0-2 2v10a2 2 0 0 0 2 2H0v2h24v-2zM4 6h16v10H4z', 'ComputerIcon');
export const DiscIcon = icon('M12 2a10 10 0 1 0 0 20 10 10 0 0 0 0-20zm0 14.5a4.5 4.5 0 1 1 0-9 4.5 4.5 0 0 1 0 9zm0-5.5a1 1 0 1 0 0 2 1 1 0 0 0 0-2z', 'DiscIcon');
export const WarningIcon = icon('M1 21h22L12 2zm12-3h-2v-2h2zm0-4h-2v-4h2z', 'WarningIcon');
export const CurrentIcon = icon('M12 2 4 12l8 10 8-10z', 'CurrentIcon');
