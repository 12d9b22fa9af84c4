/**
 * The typing plan both engines use for `input-type-text`: text → key strokes on a US layout
 * (a CR LF pair, a lone CR and a lone LF are each exactly one Enter), sent one stroke at a time,
 * paced by a fixed delay and then by what the guest has taken (the keyboard controller drained,
 * and room in the BIOS key buffer for guests that read keys through the BIOS), and serialised so
 * that two commands never interleave half-pressed keys.
 */
import { keyStrokeFor } from '../../shared/input/us-layout.js';

/** One key event: a QKeyCode name pressed or released. */
export interface PlannedKey {
  readonly key: string;
  readonly down: boolean;
}

/** The key events that type one character (Shift held around it when needed). */
export type PlannedStroke = readonly PlannedKey[];

/** What a text becomes: one stroke per typable character, and how many characters were skipped. */
export interface TypingPlan {
  readonly strokes: readonly PlannedStroke[];
  readonly skipped: number;
}

/** Plans the key strokes that type `text`; characters a US keyboard cannot type are skipped. */
export function planTyping(text: string): TypingPlan {
  const strokes: PlannedStroke[] = [];
  let skipped = 0;
  let previous = '';
  for (const char of text) {
    // A CR LF pair is one line break: one Enter, as on a terminal, not two.
    const lineFeedAfterReturn = char === '\n' && previous === '\r';
    previous = char;
    if (lineFeedAfterReturn) continue;
    const stroke = keyStrokeFor(char);
    if (stroke === undefined) {
      skipped++;
      continue;
    }
    const keys: PlannedKey[] = [
      { key: stroke.key, down: true },
      { key: stroke.key, down: false },
    ];
    strokes.push(stroke.shift ? [{ key: 'shift', down: true }, ...keys, { key: 'shift', down: false }] : keys);
  }
  return { strokes, skipped };
}

/** How one engine delivers typed keys and tells whether the guest has taken them. */
export interface TypingTarget {
  /** Sends one stroke's key events to the guest. */
  send(stroke: PlannedStroke): Promise<void> | void;
  /** True once the guest has taken the keys sent so far (or when the engine cannot tell). */
  guestTookKeys(): Promise<boolean> | boolean;
  /** False while the guest is not running: it takes nothing, so waiting is pointless. */
  running(): boolean;
}

/** Longest wait for the guest to take one typed key before the next is sent anyway. */
export const KEY_TAKE_LIMIT_MS = 400;
/** How often the guest is asked whether it took the keys. */
const KEY_TAKE_POLL_MS = 2;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits (bounded by KEY_TAKE_LIMIT_MS) until the running guest has taken the keys sent so far. */
export async function untilGuestTookKeys(target: Pick<TypingTarget, 'guestTookKeys' | 'running'>): Promise<void> {
  const deadline = Date.now() + KEY_TAKE_LIMIT_MS;
  while (target.running() && !(await target.guestTookKeys()) && Date.now() < deadline) await sleep(KEY_TAKE_POLL_MS);
}

/**
 * Types a plan: each stroke, then `delayMs`, then until the guest took it. Pacing by what the
 * guest took, not by time alone, keeps keys from being dropped when the host starves the guest
 * or the guest is busy (the BIOS holds 15 keys; PS/2 drops keys while the emulator is starved).
 */
export async function typePlan(plan: TypingPlan, target: TypingTarget, delayMs: number): Promise<{ typed: number; skipped: number }> {
  let typed = 0;
  for (const stroke of plan.strokes) {
    await target.send(stroke);
    typed++;
    if (delayMs > 0) await sleep(delayMs);
    await untilGuestTookKeys(target);
  }
  return { typed, skipped: plan.skipped };
}

/** The i8042 keyboard controller's status port; bit 0 says a byte waits for the guest to read it. */
export const KEYBOARD_STATUS_PORT = 0x64;
const OUTPUT_BUFFER_FULL = 0x01;

/**
 * Whether the guest has read every byte the keyboard controller holds, from its status byte:
 * while the output buffer is full, the emulator's PS/2 queue behind it (QEMU's holds a few keys
 * and drops the rest) is not empty either. This is what a guest with its own keyboard driver
 * (Linux, or anything with the BIOS's keyboard interrupt off) has taken.
 */
export function keyboardControllerDrained(status: number): boolean {
  return (status & OUTPUT_BUFFER_FULL) === 0;
}

/** Where the BIOS keeps its keyboard buffer's head and tail pointers (BDA 0x41A, 4 bytes). */
export const BIOS_KEY_POINTERS = { address: 0x41a, length: 4 } as const;
/** The BIOS keyboard buffer's 16 two-byte slots sit at BDA offsets 0x1E..0x3D. */
const BIOS_BUFFER_START = 0x1e;
const BIOS_BUFFER_END = 0x3e;
/** Keep this many of the 16 slots free before sending another key. */
const BIOS_BUFFER_SLOTS_FREE = 8;

/**
 * Whether a guest that reads the keyboard through the BIOS (GRUB, DOS) has room for more keys,
 * from the 4 bytes at BIOS_KEY_POINTERS. When the pointers are outside the BIOS buffer the guest
 * has its own keyboard driver, and the BIOS buffer says nothing: true.
 */
export function biosKeyBufferHasRoom(pointers: ArrayLike<number>): boolean {
  const head = (pointers[0] ?? 0) | ((pointers[1] ?? 0) << 8);
  const tail = (pointers[2] ?? 0) | ((pointers[3] ?? 0) << 8);
  const inBuffer = (offset: number): boolean => offset >= BIOS_BUFFER_START && offset < BIOS_BUFFER_END;
  if (!inBuffer(head) || !inBuffer(tail)) return true;
  const queued = ((tail - head + 32) % 32) / 2;
  return queued <= 16 - BIOS_BUFFER_SLOTS_FREE;
}

/** Runs typing work one command at a time, in the order the commands came. */
export class KeyQueue {
  private tail: Promise<unknown> = Promise.resolve();

  /** Runs `work` after every earlier piece of work has finished (whether it failed or not). */
  run<T>(work: () => Promise<T>): Promise<T> {
    const next = this.tail.then(work, work);
    this.tail = next.catch(() => undefined);
    return next;
  }
}
