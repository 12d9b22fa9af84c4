/**
 * The VM window's menu bar (Machine, Devices, Input, View, and the Display / Serial console
 * tabs) and its menus. A pure view: every choice goes to a handler of the window.
 */
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Divider from '@mui/material/Divider';
import ListSubheader from '@mui/material/ListSubheader';
import Menu from '@mui/material/Menu';
import MenuItem from '@mui/material/MenuItem';
import Tab from '@mui/material/Tab';
import Tabs from '@mui/material/Tabs';
import Typography from '@mui/material/Typography';
import type { MouseEvent, ReactNode } from 'react';
import type { DriveConfig, DriveSlot, EngineKind, MachineState, MediaItem, NetworkConfig } from '../../platform/models.js';
import type { SurfaceMode } from '../display/display-surface.js';
import { keyCombos } from '../display/keyboard.js';
import type { ScalingMode } from '../display/types.js';
import { DEFAULT_HOST_KEY, hostKeyChoices } from './host-key.js';
import type { VmCommand, VmView } from './types.js';
import type { MenuName, MenusState } from './use-menus.js';

const scalingNames: readonly (readonly [ScalingMode, string])[] = [
  ['fit', 'Fit to window'],
  ['native', '1:1'],
  ['integer', 'Integer scaling'],
];

/** The last part of a path, as a person names the file. */
export const fileName = (path: string): string => path.split(/[/\\]/u).pop() ?? path;

/** Props of the menu bar and its menus. */
export interface VmMenusProps {
  readonly name: string;
  readonly engine: EngineKind;
  readonly state: MachineState;
  readonly menus: MenusState;
  readonly mode: SurfaceMode;
  readonly media: readonly MediaItem[];
  readonly drives: readonly DriveConfig[];
  readonly scaling: ScalingMode;
  readonly fullScreen: boolean;
  readonly typing: boolean;
  readonly hostKey?: string;
  /** The network card's mode and cable (the engine's view while it runs, else the stored one). */
  readonly network?: Pick<NetworkConfig, 'mode' | 'connected'>;
  /** The Display / Serial console tabs, when the window has a serial console. */
  readonly views?: { readonly current: VmView; readonly show: (view: VmView) => void; readonly logs?: boolean };
  readonly onCommand: (command: VmCommand) => void;
  readonly onScreenshot: () => void;
  readonly onTypeClipboard: () => void;
  readonly onCopyScreenText: () => void;
  readonly onCopySelection: () => void;
  readonly onSendKeys: (keys: readonly string[]) => void;
  readonly onInsertFile: (slot: DriveSlot) => void;
  readonly onToggleFullScreen: () => void;
  readonly onScaling: (scaling: ScalingMode) => void;
  readonly onHostKeyChange?: (code: string) => void;
}

/** The menu bar and the four menus. */
export function VmMenus(props: VmMenusProps) {
  const { name, engine, state, menus, mode, media, drives, onCommand } = props;
  const { open, close } = menus;
  const running = state === 'running';
  const active = running || state === 'paused';

  const menuButton = (menu: MenuName, label: string) => (
    <Button
      size="small"
      color="inherit"
      aria-haspopup="menu"
      aria-expanded={open?.name === menu}
      onClick={(event: MouseEvent<HTMLElement>) => menus.show(menu, event.currentTarget)}
      sx={{ px: 1.25, minWidth: 0, whiteSpace: 'nowrap' }}
    >
      {label}
    </Button>
  );
  const item = (label: string, action: () => void, disabled = false, hint?: string): ReactNode => (
    <MenuItem
      key={label}
      disabled={disabled}
      dense
      onClick={() => {
        close();
        action();
      }}
    >
      <Box component="span" sx={{ flex: 1 }}>
        {label}
      </Box>
      {hint && (
        <Typography variant="caption" sx={{ color: 'text.secondary', ml: 3 }}>
          {hint}
        </Typography>
      )}
    </MenuItem>
  );
  const slotMenu = (slot: DriveSlot, label: string) => {
    const current = drives.find((d) => d.id === slot);
    const choices = media.filter((m) => m.present && (slot === 'cd0' ? m.kind === 'cdrom' : m.kind !== 'cdrom'));
    return [
      <ListSubheader key={`${slot}-head`} sx={{ lineHeight: '32px' }}>
        {label}: {current?.path ? fileName(current.path) : 'empty'}
      </ListSubheader>,
      ...choices.map((m) => item(`Insert ${fileName(m.path)}`, () => onCommand({ kind: 'insert', slot, path: m.path }), !active || current?.path === m.path)),
      item(`Insert ${slot === 'cd0' ? 'CD' : 'floppy'} image file…`, () => props.onInsertFile(slot), !active),
      item(`Eject ${slot === 'cd0' ? 'CD' : 'floppy'}`, () => onCommand({ kind: 'eject', slot }), !active || !current?.path),
    ];
  };

  const networkMenu = () => {
    const network = props.network;
    const card = network !== undefined && network.mode !== 'none';
    return [
      <ListSubheader key="network-head" sx={{ lineHeight: '32px' }}>
        Network: {!network ? 'unknown' : !card ? 'no network card' : `${network.mode === 'nat' ? 'NAT' : 'isolated'}, cable ${network.connected ? 'connected' : 'disconnected'}`}
      </ListSubheader>,
      item(network?.connected === false ? 'Connect network cable' : 'Disconnect network cable', () => onCommand({ kind: 'cable', up: network?.connected === false }), !card),
      item('Port forwarding…', () => onCommand({ kind: 'forwarding' }), !card),
    ];
  };

  return (
    <>
      {/*
        In a narrow window the parts wrap onto a second row instead of squeezing into each other:
        each keeps its width, the tabs scroll within themselves if even a row of their own is too
        narrow, and the name takes what is left of the last row (ellipsised, never pushing).
      */}
      <Box
        role="menubar"
        aria-label={`${name} menus`}
        sx={{ display: 'flex', flexWrap: 'wrap', alignItems: 'center', columnGap: 0.25, px: 1, minHeight: 36, borderBottom: 1, borderColor: 'divider', bgcolor: 'background.paper' }}
      >
        <Box sx={{ display: 'flex', flex: 'none', gap: 0.25, mr: 2 }}>
          {menuButton('machine', 'Machine')}
          {menuButton('devices', 'Devices')}
          {menuButton('input', 'Input')}
          {menuButton('view', 'View')}
        </Box>
        {props.views && (
          <Tabs
            value={props.views.current}
            onChange={(_, value: VmView) => props.views?.show(value)}
            aria-label="Views"
            variant="scrollable"
            scrollButtons={false}
            sx={{ flex: '0 1 auto', minWidth: 0, maxWidth: '100%', minHeight: 36, '& .MuiTab-root': { minHeight: 36, py: 0, textTransform: 'none' } }}
          >
            <Tab value="display" label="Display" />
            <Tab value="serial" label="Serial console" />
            {props.views.logs && <Tab value="logs" label="Logs" />}
          </Tabs>
        )}
        <Typography variant="subtitle2" noWrap data-testid="vm-menus-name" sx={{ flex: '1 1 0', minWidth: 0, textAlign: 'right', color: 'text.secondary', pl: 1, pr: 1 }}>
          {name}
        </Typography>
      </Box>
      <Menu anchorEl={open?.anchor} open={open?.name === 'machine'} onClose={close}>
        {active ? item(running ? 'Pause' : 'Resume', () => onCommand({ kind: running ? 'pause' : 'resume' }), state !== 'running' && state !== 'paused') : item('Start', () => onCommand({ kind: 'start' }), state === 'starting' || state === 'stopping')}
        {item('Reset', () => onCommand({ kind: 'reset' }), !active)}
        {item(engine === 'v86' ? 'ACPI shutdown (not on v86)' : 'ACPI shutdown', () => onCommand({ kind: 'powerdown' }), !active || engine === 'v86')}
        {item('Power off', () => onCommand({ kind: 'poweroff' }), !active)}
        <Divider />
        {item('Take snapshot…', () => onCommand({ kind: 'snapshot' }), !active)}
        {item('Snapshots…', () => onCommand({ kind: 'snapshots' }))}
        {item('Settings…', () => onCommand({ kind: 'settings' }))}
        {item('Save screenshot', props.onScreenshot, mode.mode === 'off')}
      </Menu>
      <Menu anchorEl={open?.anchor} open={open?.name === 'devices'} onClose={close}>
        {slotMenu('cd0', 'CD/DVD')}
        <Divider />
        {slotMenu('fd0', 'Floppy')}
        <Divider />
        {item('Send files…', () => onCommand({ kind: 'send-files' }), false, 'Put host files on a disc in the guest\'s drive (or drop them on the window)')}
        <Divider />
        {networkMenu()}
      </Menu>
      <Menu anchorEl={open?.anchor} open={open?.name === 'input'} onClose={close}>
        {item('Type clipboard text', props.onTypeClipboard, !running || props.typing)}
        {item('Copy screen text', props.onCopyScreenText, mode.mode === 'graphics')}
        {item('Copy selection', props.onCopySelection, mode.mode !== 'text')}
        <Divider />
        {keyCombos.map((combo) => item(`Send ${combo.label}`, () => props.onSendKeys(combo.keys), !running))}
      </Menu>
      <Menu anchorEl={open?.anchor} open={open?.name === 'view'} onClose={close}>
        {item(props.fullScreen ? 'Leave full screen' : 'Full screen', props.onToggleFullScreen)}
        <Divider />
        {scalingNames.map(([value, label]) => (
          <MenuItem key={value} dense selected={props.scaling === value} onClick={() => (close(), props.onScaling(value))}>
            {label}
          </MenuItem>
        ))}
        {props.onHostKeyChange && <Divider />}
        {props.onHostKeyChange && <ListSubheader sx={{ lineHeight: '32px' }}>Host key (releases capture)</ListSubheader>}
        {props.onHostKeyChange &&
          hostKeyChoices.map(([code, label]) => (
            <MenuItem key={code} dense selected={(props.hostKey ?? DEFAULT_HOST_KEY) === code} onClick={() => (close(), props.onHostKeyChange?.(code))}>
              {label}
            </MenuItem>
          ))}
      </Menu>
    </>
  );
}
