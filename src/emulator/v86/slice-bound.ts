/**
 * Bounds how long one v86 run slice lasts when the guest is busy with VGA memory, so the event
 * loop (display flush timer, protocol commands, sockets) gets a turn at least every few
 * milliseconds.
 *
 * Why this is needed (v86 0.5.462): the WASM run loop returns to JavaScript only after a batch
 * of about 100,000 guest instructions, checking the clock only between batches. A `rep stos` or
 * `rep movs` into VGA memory counts as one instruction however many bytes it moves, and every
 * byte is a call into the VGA device (~30 ns). A guest that repaints mode 13h back to back
 * (6 instructions per 64,000-byte frame) therefore runs slices of 20-30 s: no display frames and
 * no answers to commands meanwhile.
 *
 * How: the VGA memory write handler is wrapped; every few thousand writes it looks at the clock,
 * and once the slice has run for `maxSliceMs` it advances the instruction counter by a whole
 * batch, so the run loop ends its batch after the current instruction. The run loop's very next
 * step is `run_hardware_timers`, where the advance is taken back before anything reads the
 * counter (guest speed measurement and the speed limit see true counts). Guests that do not hammer
 * VGA memory never reach the check.
 */
import type { V86Cpu, V86Emulator } from './internals.js';

/** Longest run slice, in ms, before the event loop must get a turn (v86's own slices are ~1 ms). */
export const MAX_SLICE_MS = 5;

/** v86's instruction batch (LOOP_COUNTER in its run loop): advancing the counter by it ends the batch. */
const BATCH_INSTRUCTIONS = 100_003;

/** VGA memory (0xA0000-0xBFFFF) is one 128 KiB block of v86's memory map. */
const VGA_BLOCK = 0xa0000 >>> 17;

/** The clock is read once per this many VGA writes (a power of two; ~0.1 ms of writes). */
const CHECK_EVERY = 4096;

/** Ends v86 run slices that VGA memory traffic would stretch past `maxSliceMs`. */
export class SliceBound {
  /** When false, slices run as long as v86 makes them (benchmarks compare both). */
  enabled = true;
  /** Slices cut short so far. */
  cuts = 0;
  private sliceStart = performance.now();
  private writes = 0;
  private advanced = 0;
  private readonly cpu: V86Cpu;

  constructor(
    emulator: V86Emulator,
    private readonly maxSliceMs = MAX_SLICE_MS,
  ) {
    const inner = emulator.v86;
    const cpu = inner.cpu;
    this.cpu = cpu;
    const tick = inner.do_tick.bind(inner);
    inner.do_tick = (): void => {
      // A slice that threw never reached run_hardware_timers: take the advance back here.
      this.takeBack();
      this.sliceStart = performance.now();
      tick();
    };
    const timers = cpu.run_hardware_timers.bind(cpu);
    cpu.run_hardware_timers = (acpiEnabled: boolean, now: number): number => {
      this.takeBack();
      return timers(acpiEnabled, now);
    };
    const write = cpu.memory_map_write8[VGA_BLOCK];
    if (!write) throw new Error('v86 has no VGA memory handler at 0xA0000; the v86 version is not the one this engine was written for.');
    // 16- and 32-bit writes to VGA memory go through this byte handler as well.
    cpu.memory_map_write8[VGA_BLOCK] = (address: number, value: number): void => {
      write(address, value);
      if ((++this.writes & (CHECK_EVERY - 1)) === 0) this.check();
    };
  }

  private check(): void {
    if (!this.enabled || this.advanced !== 0) return;
    if (performance.now() - this.sliceStart < this.maxSliceMs) return;
    this.advanced = BATCH_INSTRUCTIONS;
    this.cuts++;
    const counter = this.cpu.instruction_counter;
    counter[0] = ((counter[0] ?? 0) + BATCH_INSTRUCTIONS) >>> 0;
  }

  private takeBack(): void {
    if (this.advanced === 0) return;
    const counter = this.cpu.instruction_counter;
    counter[0] = ((counter[0] ?? 0) - this.advanced) >>> 0;
    this.advanced = 0;
  }
}
