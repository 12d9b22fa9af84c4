/**
 * The QEMU backend's network driver: forwards over HMP hostfwd_add / hostfwd_remove on the user
 * netdev (a refusal comes back as text, read by port-forwards.ts), the cable over QMP set_link.
 * Launch-time forwards and a disconnected cable are applied once QEMU runs.
 */
import type { NetworkDriver } from '../common/network-control.js';
import { hostfwdAddCommand, hostfwdFailure, hostfwdRemoveCommand, type PortForward } from '../net/port-forwards.js';
import { NETDEV_ID, NIC_ID } from './arguments.js';
import type { QemuMachine } from './machine.js';

/** Registers the network commands; call `applyNetworkAtLaunch` once QEMU runs. */
export function installNetwork(machine: QemuMachine): void {
  const control = machine.network;
  machine.addHandlers(control.handlers());
  if (control.plan.mode === 'none') return;
  const hmp = async (commandLine: string): Promise<string> => machine.call<string>('human-monitor-command', { 'command-line': commandLine }, 10_000);
  const driver: NetworkDriver = {
    addForward: async (forward: PortForward) => {
      const failure = hostfwdFailure(await hmp(hostfwdAddCommand(NETDEV_ID, forward)), forward, 'add');
      if (failure !== undefined) throw new Error(failure);
    },
    removeForward: async (forward: PortForward) => {
      const failure = hostfwdFailure(await hmp(hostfwdRemoveCommand(NETDEV_ID, forward)), forward, 'remove');
      if (failure !== undefined) throw new Error(failure);
    },
    setLink: async (up: boolean) => {
      await machine.call('set_link', { name: NIC_ID, up });
    },
  };
  control.attach(driver);
}

/** Applies what can only be set on a running QEMU: the cable when disconnected, then the forwards. */
export async function applyNetworkAtLaunch(machine: QemuMachine): Promise<void> {
  const control = machine.network;
  if (control.plan.mode === 'none') return;
  if (!control.plan.connected) await machine.call('set_link', { name: NIC_ID, up: false });
  await control.applyLaunchForwards();
}
