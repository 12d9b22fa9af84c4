/**
 * Keyboard and pointer input: input-send-event (keys as QEMU extended key events over VNC when
 * possible, otherwise QMP), send-key, and input-type-text (text typed with the US layout).
 */
import { qkeycodeToXt } from '../../shared/input/qkeycode.js';
import { keyStrokeFor } from '../../shared/input/us-layout.js';
import { toQemuKey } from './keys.js';
import type { QemuMachine } from './machine.js';

/** The input commands of one QEMU machine. */
export class QemuInput {
  /** How many key batches went over VNC extended key events (diagnostics and tests). */
  keysViaVnc = 0;

  constructor(private readonly machine: QemuMachine) {
    machine.addHandlers({
      'input-send-event': async (args) => {
        // Keys go as QEMU extended key events over VNC (XT codes, layout-independent) when the
        // server acknowledged them and every key is known; anything else through QMP, which
        // also names unknown keys in its error.
        const rfb = this.machine.session?.rfb;
        const scancodes = args.events.map((event) => (event.type !== 'key' ? undefined : event.data.key.type === 'number' ? event.data.key.data : qkeycodeToXt.get(event.data.key.data)));
        if (rfb?.open === true && rfb.extendedKeys && !this.machine.relaunching && scancodes.every((code) => code !== undefined)) {
          args.events.forEach((event, index) => rfb.sendExtendedKey(event.type === 'key' && event.data.down, scancodes[index]!));
          this.keysViaVnc++;
          return {};
        }
        const events = args.events.map((event) => (event.type === 'key' ? { type: 'key', data: { down: event.data.down, key: toQemuKey(event.data.key) } } : event));
        await this.machine.call('input-send-event', { events });
        return {};
      },
      'send-key': async (args) => {
        await this.machine.call('send-key', { keys: args.keys.map((key) => toQemuKey(key)), 'hold-time': args['hold-time'] ?? 100 });
        return {};
      },
      'input-type-text': (args) => this.typeText(args.text, args['delay-ms'] ?? 10),
    });
  }

  private async typeText(text: string, delayMs: number): Promise<{ typed: number; skipped: number }> {
    let typed = 0;
    let skipped = 0;
    for (const character of text) {
      const stroke = keyStrokeFor(character);
      const key = stroke === undefined ? undefined : { qcode: stroke.key, shift: stroke.shift };
      if (key === undefined) {
        skipped++;
        continue;
      }
      const press = (down: boolean): { type: 'key'; data: { down: boolean; key: { type: 'qcode'; data: string } } } => ({
        type: 'key',
        data: { down, key: { type: 'qcode', data: key.qcode } },
      });
      const shift = (down: boolean): { type: 'key'; data: { down: boolean; key: { type: 'qcode'; data: string } } } => ({
        type: 'key',
        data: { down, key: { type: 'qcode', data: 'shift' } },
      });
      const events = key.shift ? [shift(true), press(true), press(false), shift(false)] : [press(true), press(false)];
      await this.machine.call('input-send-event', { events });
      typed++;
      if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
    }
    return { typed, skipped };
  }
}
