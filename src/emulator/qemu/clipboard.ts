/**
 * The shared clipboard: QEMU's qemu-vdagent agent channel (guest side, needs spice-vdagent)
 * bridged to the VNC extended clipboard. The agent port blocks snapshot jobs and migration, so it
 * is detached around them and attached again after; clipboard-set and query-clipboard.
 */
import { ProtocolError } from '../backend.js';
import type { QemuMachine } from './machine.js';

/** The clipboard agent of one QEMU machine. */
export class QemuClipboard {
  /** The machine was configured with a clipboard agent. */
  readonly enabled: boolean;
  /** The agent port is plugged in now (launch sets it; snapshot jobs and migration detach it). */
  attached: boolean;

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
        return { enabled: this.enabled, attached: this.attached, ...(text === undefined ? {} : { text }) };
      },
    });
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
        if (event.event === 'DEVICE_DELETED' && event.data.device === 'vdagent-port0') {
          clearTimeout(timer);
          stop();
          resolve();
        }
      });
    });
    await this.machine.call('device_del', { id: 'vdagent-port0' });
    await deleted;
    await this.machine.call('chardev-remove', { id: 'vdagent0' });
    this.attached = false;
    this.machine.emit('CLIPBOARD_AGENT', { attached: false, reason });
  }

  /** Plugs the agent port in again; a failure is reported as ENGINE_ERROR, not thrown. */
  async attach(reason: string): Promise<void> {
    try {
      await this.machine.call('chardev-add', { id: 'vdagent0', backend: { type: 'qemu-vdagent', data: { clipboard: true, mouse: false } } });
      await this.machine.call('device_add', { driver: 'virtserialport', bus: 'vser0.0', chardev: 'vdagent0', name: 'com.redhat.spice.0', id: 'vdagent-port0' });
      this.attached = true;
      this.machine.emit('CLIPBOARD_AGENT', { attached: true, reason });
    } catch (error) {
      this.machine.emit('ENGINE_ERROR', { reason: `The clipboard agent could not be re-attached: ${(error as Error).message}. Restart the machine to get the shared clipboard back.`, fatal: false });
    }
  }
}
