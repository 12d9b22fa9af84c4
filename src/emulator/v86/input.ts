/**
 * Input: QMP input-send-event, send-key and input-type-text mapped to v86 — set-1 scan codes
 * into the PS/2 keyboard, PS/2 relative mouse, and the VMware absolute pointer.
 */
import { qkeycodeBytes, xtBytes } from '../../shared/input/qkeycode.js';
import { keyStrokeFor } from '../../shared/input/us-layout.js';
import type { EngineArgs } from '../../shared/protocol/engine/index.js';
import { ProtocolError } from '../backend.js';
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
  queue: Promise<unknown> = Promise.resolve();
}

/** Longest wait for the guest to take one typed key before the next is sent anyway. */
const KEY_TAKE_LIMIT_MS = 400;
/** BIOS keyboard buffer (BDA 0x41A head, 0x41C tail, 16 two-byte slots): keep this many free. */
const BIOS_BUFFER_SLOTS_FREE = 8;

/**
 * Whether the guest has taken the keys sent so far: the i8042 output queue is empty and, for
 * guests that read the keyboard through the BIOS (GRUB, DOS), its 15-key buffer has room.
 * Pacing by this instead of wall-clock time alone keeps keys from being dropped when the host
 * starves the guest or the guest is busy (redrawing after a snapshot load, say).
 */
function guestTookKeys(emulator: V86Emulator): boolean {
  const keyboard = emulator.v86.cpu.devices['ps2'] as { kbd_buffer?: { length: number } } | undefined;
  if ((keyboard?.kbd_buffer?.length ?? 0) > 0) return false;
  const pointers = emulator.read_memory(0x41a, 4);
  const head = (pointers[0] ?? 0) | ((pointers[1] ?? 0) << 8);
  const tail = (pointers[2] ?? 0) | ((pointers[3] ?? 0) << 8);
  const queued = ((tail - head + 32) % 32) / 2;
  // Outside the BIOS buffer's range the guest has its own driver: only the queue counts.
  const biosBuffer = head >= 0x1e && head < 0x3e && tail >= 0x1e && tail < 0x3e;
  return !biosBuffer || queued <= 16 - BIOS_BUFFER_SLOTS_FREE;
}

/** Waits (bounded) until the running guest has taken the keys sent so far. */
async function untilGuestTookKeys(emulator: V86Emulator): Promise<void> {
  const deadline = Date.now() + KEY_TAKE_LIMIT_MS;
  while (emulator.cpu_is_running && !guestTookKeys(emulator) && Date.now() < deadline) await sleep(2);
}

function sendBytes(emulator: V86Emulator, bytes: readonly number[]): void {
  for (const byte of bytes) emulator.bus.send('keyboard-code', byte);
}

function applyEvents(emulator: V86Emulator, state: InputState, events: readonly InputEvent[]): void {
  // Check every key first so a bad event rejects the whole command without half sending it.
  for (const event of events) if (event.type === 'key') keyBytes(event.data.key, event.data.down);
  if (events.some((event) => event.type === 'abs') && !state.absoluteEnabled) {
    throw new ProtocolError(
      'GenericError',
      'Absolute pointing is not available: the guest has not enabled the VMware absolute pointer (it needs a guest driver). Use relative motion (rel) instead.',
    );
  }
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
  const enqueue = <T>(work: () => Promise<T>): Promise<T> => {
    const next = state.queue.then(work, work);
    state.queue = next.catch(() => undefined);
    return next;
  };
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
    'input-send-event': (args) => {
      applyEvents(machine.emulator, state, args.events);
      return {};
    },
    'send-key': async (args) => {
      const emulator = machine.emulator;
      const presses = args.keys.map((key) => keyBytes(key, true));
      const releases = args.keys.map((key) => keyBytes(key, false)).reverse();
      await enqueue(async () => {
        for (const bytes of presses) sendBytes(emulator, bytes);
        await sleep(args['hold-time'] ?? 100);
        for (const bytes of releases) sendBytes(emulator, bytes);
      });
      return {};
    },
    'input-type-text': async (args) => {
      const emulator = machine.emulator;
      const delay = args['delay-ms'] ?? 10;
      let typed = 0;
      let skipped = 0;
      await enqueue(async () => {
        let previous = '';
        for (const char of args.text) {
          // A CR LF pair is one Enter.
          if (char === '\n' && previous === '\r') {
            previous = char;
            continue;
          }
          previous = char;
          const stroke = keyStrokeFor(char);
          if (!stroke) {
            skipped++;
            continue;
          }
          const bytes = [
            ...(stroke.shift ? (qkeycodeBytes('shift', true) ?? []) : []),
            ...(qkeycodeBytes(stroke.key, true) ?? []),
            ...(qkeycodeBytes(stroke.key, false) ?? []),
            ...(stroke.shift ? (qkeycodeBytes('shift', false) ?? []) : []),
          ];
          sendBytes(emulator, bytes);
          typed++;
          if (delay > 0) await sleep(delay);
          await untilGuestTookKeys(emulator);
        }
      });
      return { typed, skipped };
    },
  });
}
