/** Application-menu commands (Electron's bridge `onMenuCommand`) delivered to a component's current handler. */
import { useEffect, useRef } from 'react';
import type { MenuCommand } from '../../shared/bridge.js';

/** Subscribes to menu commands, with a subscription that lasts while `subscribe` is the same; each command runs the latest `handler` (today's state). */
export function useMenuCommands(subscribe: ((listener: (command: MenuCommand) => void) => () => void) | undefined, handler: (command: MenuCommand) => void): void {
  const latest = useRef(handler);
  latest.current = handler;
  useEffect(() => subscribe?.((command) => latest.current(command)), [subscribe]);
}
