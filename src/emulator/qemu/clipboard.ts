/**
 * The shared clipboard: QEMU's qemu-vdagent agent channel (guest side, needs spice-vdagent)
 * bridged to the VNC extended clipboard. The agent port blocks snapshot jobs and migration, so it
 * is detached around them and attached again after; clipboard-set and query-clipboard.
 *
 * "Attached" only says the port is plugged in. Whether an agent is there is the guest's part: its
 * virtio-serial driver tells QEMU when a guest program (spice-vdagentd) opens the port, and QEMU
 * reports that as VSERPORT_CHANGE. Only then is the agent `connected`.
 */
import { ProtocolError } from '../backend.js';
import type { QemuMachine } from './machine.js';
import type { QmpClient } from './qmp.js';

/** The id of the agent's virtio-serial port (arguments.ts and attach() plug it in with this id). */
const AGENT_PORT = 'vdagent-port0';

/** The clipboard agent of one QEMU machine. */
export class QemuClipboard {
  /** The machine was configured with a clipboard agent. */
  readonly enabled: boolean;
  /** The agent port is plugged in now (launch sets it; snapshot jobs and migration detach it). */
  attached: boolean;
  /** A guest program holds the agent port open (VSERPORT_CHANGE). */
  private guestOpen = false;

  constructor(private readonly machine: QemuMachine) {
    this.enabled = machine.config.options?.clipboard === true;
    this.attached = this.enabled;
    machine.addHandlers({
      'clipboard-set': (args) => {
        if (!this.enabled) throw new ProtocolError('NotSupported', 'This machine has no clipboard agent; enable the shared clipboard in the machine settings (the guest needs spice-vdagent).');
        if (!this.attached) throw new ProtocolError('WrongState', 'The clipboard agent is detached for a snapshot job; retry when the job has concluded.');
        const rfb = this.machine.session?.rfb;
        if (rfb === undefined || !rfb.open) throw new ProtocolError('GenericError', 'The VNC connection to QEMU is closed.');
        rfb.sendClipboardText(args.text);
        return {};
      },
      'query-clipboard': () => {
        const text = this.machine.session?.rfb?.guestClipboard;
        return { enabled: this.enabled, attached: this.attached, connected: this.connected, ...(text === undefined ? {} : { text }) };
      },
    });
  }

  /** An agent in the guest has answered: the port is plugged in and a guest program holds it open. */
  get connected(): boolean {
    return this.enabled && this.attached && this.guestOpen;
  }

  /** Follows the guest's side of the agent port on a new QEMU (each launch starts unconnected). */
  connect(qmp: QmpClient): void {
    this.guestOpen = false;
    if (!this.enabled) return;
    qmp.onEvent((event) => {
      if (event.event !== 'VSERPORT_CHANGE' || event.data.id !== AGENT_PORT) return;
      this.setGuestOpen(event.data.open === true, event.data.open === true ? 'the guest\'s agent opened the channel' : 'the guest\'s agent closed the channel');
    });
  }

  private setGuestOpen(open: boolean, reason: string): void {
    if (open === this.guestOpen) return;
    this.guestOpen = open;
    this.machine.host.log(`qemu: clipboard agent ${open ? 'connected' : 'disconnected'}: ${reason}`);
    this.machine.emit('CLIPBOARD_AGENT', { attached: this.attached, connected: this.connected, reason });
  }

  /** Unplugs the agent port (and its chardev), waiting for QEMU to report the device gone. */
  async detach(reason: string): Promise<void> {
    if (!this.attached) return;
    const qmp = this.machine.qmp();
    const deleted = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        stop();
        reject(new ProtocolError('GenericError', 'the clipboard agent port did not detach within 10 s'));
      }, 10_000);
      const stop = qmp.onEvent((event) => {
        if (event.event === 'DEVICE_DELETED' && event.data.device === AGENT_PORT) {
          clearTimeout(timer);
          stop();
          resolve();
        }
      });
    });
    await this.machine.call('device_del', { id: AGENT_PORT });
    await deleted;
    await this.machine.call('chardev-remove', { id: 'vdagent0' });
    this.attached = false;
    // A new port is a new channel: the guest's agent must open it again.
    this.guestOpen = false;
    this.machine.emit('CLIPBOARD_AGENT', { attached: false, connected: false, reason });
  }

  /** Plugs the agent port in again; a failure is reported as ENGINE_ERROR, not thrown. */
  async attach(reason: string): Promise<void> {
    try {
      await this.machine.call('chardev-add', { id: 'vdagent0', backend: { type: 'qemu-vdagent', data: { clipboard: true, mouse: false } } });
      await this.machine.call('device_add', { driver: 'virtserialport', bus: 'vser0.0', chardev: 'vdagent0', name: 'com.redhat.spice.0', id: AGENT_PORT });
      this.attached = true;
      this.machine.emit('CLIPBOARD_AGENT', { attached: true, connected: this.connected, reason });
    } catch (error) {
      this.machine.emit('ENGINE_ERROR', { reason: `The clipboard agent could not be re-attached: ${(error as Error).message}. Restart the machine to get the shared clipboard back.`, fatal: false });
    }
  }
}
