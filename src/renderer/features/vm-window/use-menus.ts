/** Which of the window's menus is open, and where. */
import { useState } from 'react';

/** The window's menus. */
export type MenuName = 'machine' | 'devices' | 'input' | 'view';

/** The open menu and its anchor, with functions to open one and close it. */
export interface MenusState {
  readonly open: { readonly name: MenuName; readonly anchor: HTMLElement } | undefined;
  readonly show: (name: MenuName, anchor: HTMLElement) => void;
  readonly close: () => void;
}

/** One menu open at a time. */
export function useMenus(): MenusState {
  const [open, setOpen] = useState<MenusState['open']>(undefined);
  return { open, show: (name, anchor) => setOpen({ name, anchor }), close: () => setOpen(undefined) };
}
