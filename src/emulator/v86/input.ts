/**
 * Input: QMP input-send-event, send-key and input-type-text mapped to v86 — set-1 scan codes
 * into the PS/2 keyboard, PS/2 relative mouse, and the VMware absolute pointer.
 */
import { qkeycodeBytes, xtBytes } from '../../shared/input/qkeycode.js';
import type { EngineArgs } from '../../shared/protocol/engine/index.js';
import { ProtocolError } from '../backend.js';
import { LiveInputPacer, LiveInputQueueFull } from '../common/live-keys.js';
import { BIOS_KEY_POINTERS, KeyQueue, biosKeyBufferHasRoom, planTyping, typePlan } from '../common/typing.js';
import type { V86Emulator } from './internals.js';
import type { V86Machine } from './machine.js';

type KeyValue = EngineArgs<'send-key'>['keys'][number];
type InputEvent = EngineArgs<'input-send-event'>['events'][number];

/** The QMP absolute axis range (0..0x7fff). */
const ABS_RANGE = 0x7fff;

function keyBytes(key: KeyValue, down: boolean): number[] {
  const bytes = key.type === 'qcode' ? qkeycodeBytes(key.data, down) : xtBytes(key.data, down);
  if (!bytes) {
    const shown = key.type === 'qcode' ? `"${key.data}"` : `0x${key.data.toString(16)}`;
    throw new ProtocolError('GenericError', `Unknown key ${shown}: use a QKeyCode name (such as "a", "ret", "ctrl") or an XT scancode.`);
  }
  return bytes;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Mouse and keyboard state of one machine. */
class InputState {
  buttons = [false, false, false];
  absoluteEnabled = false;
  mouseEnabled = false;
  absX = 0;
  absY = 0;
  /** Serialises typed keys so concurrent commands never interleave half-pressed keys. */
  readonly keys = new KeyQueue();
}

/**
 * Whether the guest has taken the keys sent so far: the i8042 output queue is empty and the
 * BIOS keyboard buffer has room (the rule is common/typing.ts's, shared with QEMU).
 */
function guestTookKeys(emulator: V86Emulator): boolean {
  const keyboard = emulator.v86.cpu.devices['ps2'] as { kbd_buffer?: { length: number } } | undefined;
  if ((keyboard?.kbd_buffer?.length ?? 0) > 0) return false;
  return biosKeyBufferHasRoom(emulator.read_memory(BIOS_KEY_POINTERS.address, BIOS_KEY_POINTERS.length));
}

function sendBytes(emulator: V86Emulator, bytes: readonly number[]): void {
  for (const byte of bytes) emulator.bus.send('keyboard-code', byte);
}

/** Refuses a command with an unknown key or an absolute move the guest cannot take, before any of it is sent. */
function validateEvents(state: InputState, events: readonly InputEvent[]): void {
  for (const event of events) if (event.type === 'key') keyBytes(event.data.key, event.data.down);
  if (events.some((event) => event.type === 'abs') && !state.absoluteEnabled) {
    throw new ProtocolError(
      'GenericError',
      'Absolute pointing is not available: the guest has not enabled the VMware absolute pointer (it needs a guest driver). Use relative motion (rel) instead.',
    );
  }
}

function applyEvents(emulator: V86Emulator, state: InputState, events: readonly InputEvent[]): void {
  let dx = 0;
  let dy = 0;
  let absMoved = false;
  for (const event of events) {
    switch (event.type) {
      case 'key':
        sendBytes(emulator, keyBytes(event.data.key, event.data.down));
        break;
      case 'btn': {
        const { button, down } = event.data;
        const index = button === 'left' ? 0 : button === 'middle' ? 1 : button === 'right' ? 2 : -1;
        if (index >= 0) {
          state.buttons[index] = down;
          emulator.bus.send('mouse-click', [...state.buttons]);
        } else if (down && (button === 'wheel-up' || button === 'wheel-down')) {
          emulator.bus.send('mouse-wheel', [button === 'wheel-up' ? 1 : -1, 0]);
        } else if (down && (button === 'wheel-left' || button === 'wheel-right')) {
          emulator.bus.send('mouse-wheel', [0, button === 'wheel-left' ? 1 : -1]);
        }
        break;
      }
      case 'rel':
        if (event.data.axis === 'x') dx += event.data.value;
        else dy += event.data.value;
        break;
      case 'abs':
        if (event.data.axis === 'x') state.absX = event.data.value;
        else state.absY = event.data.value;
        absMoved = true;
        break;
    }
  }
  // QMP's relative y grows downwards; v86's mouse-delta grows upwards.
  if (dx !== 0 || dy !== 0) emulator.bus.send('mouse-delta', [dx, -dy]);
  if (absMoved) emulator.bus.send('mouse-absolute', [state.absX, state.absY, ABS_RANGE, ABS_RANGE]);
}

/** Installs the input command handlers and watches the guest's pointer modes. */
export function installInput(machine: V86Machine): void {
  const state = new InputState();
  let pacer: LiveInputPacer<readonly InputEvent[]> | undefined;
  // Live keys are paced by what the guest took, like typed text: a burst sent while the guest is
  // busy or starved would otherwise overflow the BIOS's 15-key buffer.
  const livePacer = (): LiveInputPacer<readonly InputEvent[]> =>
    (pacer ??= new LiveInputPacer<readonly InputEvent[]>({
      send: (events) => applyEvents(machine.emulator, state, events),
      guestTookKeys: () => guestTookKeys(machine.emulator),
      running: () => machine.emulator.cpu_is_running,
      failed: (error) => machine.host.log(`input: a queued input event failed: ${String(error)}`),
    }));
  machine.onDispose(() => pacer?.dispose());
  machine.onCreated((emulator) => {
    emulator.bus.register('mouse-enable', (enabled: boolean) => {
      state.mouseEnabled = enabled;
    }, state);
    emulator.bus.register('vmware-absolute-mouse', (absolute: boolean) => {
      if (state.absoluteEnabled === absolute) return;
      state.absoluteEnabled = absolute;
      machine.host.display({ type: 'pointer-mode', absolute });
    }, state);
  });
  machine.addHandlers({
    'input-send-event': async (args) => {
      validateEvents(state, args.events);
      try {
        await livePacer().submit(args.events, args.events.some((event) => event.type === 'key'));
      } catch (error) {
        if (error instanceof LiveInputQueueFull) throw new ProtocolError('GenericError', error.message);
        throw error;
      }
      return {};
    },
    'send-key': async (args) => {
      const emulator = machine.emulator;
      const presses = args.keys.map((key) => keyBytes(key, true));
      const releases = args.keys.map((key) => keyBytes(key, false)).reverse();
      await state.keys.run(async () => {
        for (const bytes of presses) sendBytes(emulator, bytes);
        await sleep(args['hold-time'] ?? 100);
        for (const bytes of releases) sendBytes(emulator, bytes);
      });
      return {};
    },
    'input-type-text': (args) => {
      const emulator = machine.emulator;
      const plan = planTyping(args.text);
      return state.keys.run(() =>
        typePlan(
          plan,
          {
            send: (stroke) => sendBytes(emulator, stroke.flatMap((key) => qkeycodeBytes(key.key, key.down) ?? [])),
            guestTookKeys: () => guestTookKeys(emulator),
            running: () => emulator.cpu_is_running,
          },
          args['delay-ms'] ?? 10,
        ),
      );
    },
  });
}
