/**
 * Keyboard and pointer input: input-send-event (through QMP, paced by what the guest took, and
 * followed by refresh nudges over VNC), send-key, and input-type-text (common/typing.ts's plan and pacing,
 * with what the guest took read from the keyboard controller and the BIOS key buffer).
 */
import { LiveInputPacer, LiveInputQueueFull } from '../common/live-keys.js';
import type { EngineArgs } from '../../shared/protocol/engine/index.js';
import { ProtocolError } from '../backend.js';
import { BIOS_KEY_POINTERS, KEYBOARD_STATUS_PORT, KeyQueue, biosKeyBufferHasRoom, keyboardControllerDrained, planTyping, typePlan } from '../common/typing.js';
import { qkeycodeBytes } from '../../shared/input/qkeycode.js';
import { qkeycodeNamesFromSchema, toQemuKey } from './keys.js';
import type { QemuMachine } from './machine.js';

type InputEvents = EngineArgs<'input-send-event'>['events'];


/** The input commands of one QEMU machine. */
export class QemuInput {
  /** This QEMU's QKeyCode names (from its QAPI schema, asked at the first key name outside Hangar's own table). */
  private qkeycodes: Promise<ReadonlySet<string> | undefined> | undefined;

  /** Serialises typed text so concurrent commands never interleave half-pressed keys. */
  private readonly keys = new KeyQueue();

  /**
   * Live input in order, each key once the guest took the keys before it (common/live-keys.ts):
   * QEMU's PS/2 queue and the BIOS buffer drop keys sent faster than a busy guest reads them.
   */
  private readonly live = new LiveInputPacer<InputEvents>({
    send: (events) => this.sendEvents(events),
    guestTookKeys: () => this.guestTookKeys(),
    running: () => !this.machine.disposed && this.machine.runState === 'running',
    failed: (error) => this.machine.host.log(`input: a queued input event failed: ${error instanceof Error ? error.message : String(error)}`),
  });

  constructor(private readonly machine: QemuMachine) {
    machine.addHandlers({
      'input-send-event': async (args) => {
        // Refused now, not when a queued batch reaches QEMU: by then the command has answered.
        await this.refuseUnknownKeys(args.events);
        try {
          await this.live.submit(args.events, args.events.some((event) => event.type === 'key'));
        } catch (error) {
          if (error instanceof LiveInputQueueFull) throw new ProtocolError('GenericError', error.message);
          throw error;
        }
        return {};
      },
      'send-key': async (args) => {
        await this.machine.call('send-key', { keys: args.keys.map((key) => toQemuKey(key)), 'hold-time': args['hold-time'] ?? 100 });
        return {};
      },
      'input-type-text': (args) => this.typeText(args.text, args['delay-ms'] ?? 10),
    });
  }

  /** Throws GenericError for a key name this QEMU does not know (its own QKeyCode list, asked once). */
  private async refuseUnknownKeys(events: InputEvents): Promise<void> {
    const names = events.flatMap((event) => (event.type === 'key' && event.data.key.type === 'qcode' && !qkeycodeBytes(event.data.key.data, true) ? [event.data.key.data] : []));
    if (names.length === 0) return;
    this.qkeycodes ??= this.machine.call('query-qmp-schema').then(qkeycodeNamesFromSchema, () => undefined);
    const known = await this.qkeycodes;
    // A QEMU that cannot say is left to refuse the key itself.
    const unknown = known && names.find((name) => !known.has(name));
    if (unknown !== undefined) throw new ProtocolError('GenericError', `"${unknown}" is not a key QEMU knows: use a QKeyCode name such as "a", "ret", "ctrl" or "f1", or a scancode number.`);
  }

  /**
   * Sends through QMP, keys as XT numbers or QKeyCode names (QMP names unknown keys in its
   * error). Not over VNC: the pacing asks the monitor whether the guest took a key, and only on
   * the same channel is that answer about the key just sent (QEMU may read a VNC message after a
   * later monitor command). The VNC client then nudges QEMU's refresh timer as VNC input would,
   * so the guest's reaction is not held back by its idle back-off.
   */
  private async sendEvents(events: InputEvents): Promise<void> {
    const converted = events.map((event) => (event.type === 'key' ? { type: 'key', data: { down: event.data.down, key: toQemuKey(event.data.key) } } : event));
    await this.machine.call('input-send-event', { events: converted });
    const rfb = this.machine.session?.rfb;
    if (rfb?.open === true) rfb.followInput();
  }

  /**
   * Types through QMP one stroke at a time with the plan and pacing both engines use
   * (common/typing.ts). QEMU has no query for its PS/2 queue, so what the guest took is read
   * where the guest reads it: the keyboard controller's status port and the BIOS key buffer.
   */
  private typeText(text: string, delayMs: number): Promise<{ typed: number; skipped: number }> {
    const plan = planTyping(text);
    return this.keys.run(() =>
      typePlan(
        plan,
        {
          send: async (stroke) => {
            await this.machine.call('input-send-event', { events: stroke.map((key) => ({ type: 'key', data: { down: key.down, key: { type: 'qcode', data: key.key } } })) });
          },
          guestTookKeys: () => this.guestTookKeys(),
          running: () => this.machine.runState === 'running',
        },
        delayMs,
      ),
    );
  }

  /**
   * Whether the guest has taken the keys sent so far: the keyboard controller's output buffer is
   * empty (nothing queued behind it either) and a BIOS-reading guest's key buffer has room.
   * True when QEMU cannot say, so typing never hangs on a monitor problem.
   */
  private async guestTookKeys(): Promise<boolean> {
    try {
      // Both reads in one round trip: this runs before every key of a burst.
      const { address, length } = BIOS_KEY_POINTERS;
      const [status, output] = await Promise.all([
        this.machine.call<string>('human-monitor-command', { 'command-line': `i /b 0x${KEYBOARD_STATUS_PORT.toString(16)}` }),
        this.machine.call<string>('human-monitor-command', { 'command-line': `xp /${length}bx 0x${address.toString(16)}` }),
      ]);
      const value = /=\s*0x([0-9a-f]+)/i.exec(status)?.[1];
      if (value !== undefined && !keyboardControllerDrained(Number.parseInt(value, 16))) return false;
      const bytes = (output.split(':')[1] ?? '').trim().split(/\s+/).map((word) => Number.parseInt(word, 16));
      return bytes.length !== length || bytes.some((byte) => Number.isNaN(byte)) || biosKeyBufferHasRoom(bytes);
    } catch {
      return true;
    }
  }
}
