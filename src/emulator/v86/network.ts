/**
 * v86's network: a real NIC (ne2k or virtio) whose Ethernet frames are bridged between v86's bus
 * events (`net0-send` out of the guest, `net0-receive` into it) and the user-mode NAT process
 * (net/user-nat.ts: a CPU-less QEMU running slirp). The NAT belongs to this machine: closed on
 * dispose, and it dies with the engine on SIGKILL (spawnOwned). Without QEMU on the host the
 * guest still starts, with the card unplugged from anything and the reason in query-network.
 */
import type { NetworkDriver } from '../common/network-control.js';
import { NetworkControl } from '../common/network-control.js';
import { planNetwork } from '../common/network-plan.js';
import { UserNat } from '../net/user-nat.js';
import type { V86Emulator } from './internals.js';
import type { V86Machine } from './machine.js';

/** The fields of v86 0.5.462's NICs that hold the MAC (ne2k: also its PROM in `memory`). */
interface V86Nic {
  mac: Uint8Array;
  memory?: Uint8Array;
}

/**
 * Gives the card the planned MAC. v86 has no option for it (it picks 00:22:15:xx:xx:xx at
 * random); the ne2k answers its address registers and PROM from `mac` and `memory`, virtio its
 * config space from `mac`, so both are overwritten in place before the guest runs.
 */
export function setNicMac(emulator: V86Emulator, model: string, mac: string): void {
  const devices = emulator.v86.cpu.devices as Record<string, unknown>;
  const nic = (model === 'virtio' ? devices.virtio_net : devices.net) as V86Nic | undefined;
  if (nic === undefined) throw new Error(`v86 created no ${model} network card.`);
  const bytes = mac.split(':').map((pair) => Number.parseInt(pair, 16));
  nic.mac.set(bytes);
  if (model === 'ne2k' && nic.memory !== undefined) {
    // The PROM the driver reads the address from: each byte twice (word mode), as v86's reset writes it.
    bytes.forEach((byte, index) => {
      nic.memory![index << 1] = byte;
      nic.memory![(index << 1) | 1] = byte;
    });
  }
  emulator.bus.send('net0-mac', mac);
}

/** Plans the card, registers the network commands and bridges the card to the NAT once v86 exists. */
export function installNetwork(machine: V86Machine): void {
  const option = machine.config.options?.network;
  const plan = planNetwork('v86', option);
  const control = new NetworkControl(plan, (data) => machine.emit('NETWORK_FORWARD_FAILED', data));
  machine.addHandlers(control.handlers());
  // Without the option v86 keeps its own default (an ne2k connected to nothing), so machines and
  // their saved states from before networking load unchanged.
  if (option === undefined || option === null) return;
  if (plan.mode === 'none') {
    machine.addOptions({ net_device: { type: 'none' as 'ne2k' } });
    return;
  }
  machine.addOptions({ net_device: { type: plan.model as 'ne2k' | 'virtio' }, preserve_mac_from_state_image: true });
  let link = plan.connected;
  let nat: UserNat | undefined;
  let rx = 0;
  let tx = 0;
  machine.onCreated(async (emulator) => {
    setNicMac(emulator, plan.model, plan.mac);
    try {
      const qemuPath = machine.config.options?.qemuPath;
      nat = await UserNat.start({
        ...(typeof qemuPath === 'string' ? { qemuBinary: qemuPath } : {}),
        runtimeDir: machine.config.runtimeDir,
        isolated: plan.mode === 'isolated',
        onFrame: (frame) => {
          // Cable out: frames from the network are lost, as on a real unplugged card.
          if (!link) return;
          rx++;
          emulator.bus.send('net0-receive', frame);
        },
        onEnd: (reason) => {
          machine.host.log(`v86 network: ${reason}`);
          machine.emit('ENGINE_ERROR', { reason: `The network helper stopped (${reason}); the guest runs on without network. Restart the machine to get it back.`, fatal: false });
        },
      });
    } catch (error) {
      const reason = (error as Error).message;
      machine.host.log(`v86 network off: ${reason}`);
      control.attach({ unavailable: reason });
      return;
    }
    const running = nat;
    emulator.add_listener('net0-send', (frame: Uint8Array) => {
      if (!link) return;
      tx++;
      running.send(frame);
    });
    const driver: NetworkDriver = {
      addForward: (forward) => running.addForward(forward),
      removeForward: (forward) => running.removeForward(forward),
      setLink: (up) => {
        link = up;
        return Promise.resolve();
      },
      counters: () => ({ rx, tx }),
    };
    control.attach(driver);
    await control.applyLaunchForwards();
  });
  machine.onDispose(() => nat?.close());
}
