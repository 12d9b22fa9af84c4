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
export const OpenIcon = icon('M19 19H5V5h7V3H5a2 2 0 0 0-2 2v14a2 2 0 0 0 2 2h14a2 2 0 0 0 2-2v-7h-2zM14 3v2h3.6l-9.8 9.8 1.4 1.4L19 6.4V10h2V3z', 'OpenIcon');
export const FloppyIcon = icon('M17 3H5a2 2 0 0 0-2 2v14a2 2 0 0 0 2 2h14a2 2 0 0 0 2-2V7zm-5 16a3 3 0 1 1 0-6 3 3 0 0 1 0 6zm3-10H5V5h10z', 'FloppyIcon');
export const DiskIcon = icon('M6 2h12a2 2 0 0 1 2 2v16a2 2 0 0 1-2 2H6a2 2 0 0 1-2-2V4a2 2 0 0 1 2-2zm6 4a5 5 0 1 0 0 10 5 5 0 0 0 0-10zm0 3.5a1.5 1.5 0 1 1 0 3 1.5 1.5 0 0 1 0-3z', 'DiskIcon');
export const RestoreIcon = icon('M13 3a9 9 0 0 0-9 9H1l3.9 3.9L9 12H6a7 7 0 1 1 2.1 5l-1.4 1.4A9 9 0 1 0 13 3zm-1 5v5l4.3 2.5.7-1.2-3.5-2.1V8z', 'RestoreIcon');
export const FolderIcon = icon('M10 4H4a2 2 0 0 0-2 2v12a2 2 0 0 0 2 2h16a2 2 0 0 0 2-2V8a2 2 0 0 0-2-2h-8z', 'FolderIcon');
export const PowerIcon = icon('M13 3h-2v10h2zm4.8 2.2-1.4 1.4A7 7 0 1 1 7.6 6.6L6.2 5.2A9 9 0 1 0 17.8 5.2z', 'PowerIcon');
export const ResetIcon = icon('M17.7 6.3A8 8 0 1 0 19.7 14h-2.1A6 6 0 1 1 12 6a5.9 5.9 0 0 1 4.2 1.8L13 11h7V4z', 'ResetIcon');
