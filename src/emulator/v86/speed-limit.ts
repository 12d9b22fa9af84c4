/**
 * Speed limit for v86: v86 runs the guest in slices scheduled through `v86.yield(t, tick)`;
 * when the guest has executed more instructions than the limit allows for the wall-clock time
 * elapsed, the next slice is delayed until it is back on budget. Guest clocks follow wall-clock
 * time in v86, so they stay correct. The instruction counter is a u32 and wraps; deltas are
 * taken modulo 2³².
 */
import { ProtocolError } from '../backend.js';
import type { V86Emulator } from './internals.js';
import type { V86Machine } from './machine.js';

/** Longest stretch the throttle makes up for after the guest fell behind (idle, host busy). */
const CATCH_UP_MS = 100;

interface YieldingInner {
  yield(t: number, tick: number): void;
  yield_callback(tick: number): void;
}

export class SpeedLimit {
  private mips = 0;
  private emulator: V86Emulator | undefined;
  private windowStart = 0;
  private windowInstructions = 0;
  private lastCounter = 0;
  private sampleTimer: NodeJS.Timeout | undefined;
  private lastSample: { time: number; instructions: number } | undefined;
  private total = 0;
  private measured: number | undefined;

  constructor(initialMips = 0) {
    this.mips = initialMips;
  }

  private counter(): number {
    return this.emulator ? this.emulator.v86.cpu.instruction_counter[0] ?? 0 : 0;
  }

  /** Counts instructions executed since the last call (u32 wrap-safe). */
  private advance(): number {
    const now = this.counter();
    const delta = (now - this.lastCounter) >>> 0;
    this.lastCounter = now;
    this.total += delta;
    return delta;
  }

  /** Wraps v86's scheduler; call once the emulator exists. */
  attach(emulator: V86Emulator): void {
    this.emulator = emulator;
    this.lastCounter = this.counter();
    this.resetWindow();
    const inner = emulator.v86 as unknown as YieldingInner;
    const original = inner.yield.bind(inner);
    inner.yield = (t: number, tick: number): void => {
      const delta = this.advance();
      if (this.mips > 0) {
        this.windowInstructions += delta;
        const now = performance.now();
        const elapsed = now - this.windowStart;
        const budgetMs = this.windowInstructions / (this.mips * 1000);
        if (elapsed - budgetMs > CATCH_UP_MS) {
          // Far behind (the guest idled): start a new window instead of bursting to catch up.
          this.resetWindow();
        } else if (budgetMs > elapsed) {
          const wait = Math.max(t, budgetMs - elapsed);
          setTimeout(() => inner.yield_callback(tick), wait);
          return;
        }
      }
      original(t, tick);
    };
    this.sampleTimer = setInterval(() => this.sample(), 1000);
    this.sampleTimer.unref();
  }

  private resetWindow(): void {
    this.windowStart = performance.now();
    this.windowInstructions = 0;
  }

  private sample(): void {
    this.advance();
    const now = performance.now();
    if (this.lastSample) {
      const seconds = (now - this.lastSample.time) / 1000;
      if (seconds > 0) this.measured = (this.total - this.lastSample.instructions) / seconds / 1e6;
    }
    this.lastSample = { time: now, instructions: this.total };
  }

  /** Sets the limit in MIPS (0: none). */
  set(mips: number): number {
    if (!Number.isInteger(mips) || mips < 0) throw new ProtocolError('GenericError', 'The speed limit is a whole number of MIPS, 0 for none.');
    this.mips = mips;
    this.advance();
    this.resetWindow();
    return this.mips;
  }

  get limit(): number {
    return this.mips;
  }

  /** Guest speed over the last second, in MIPS. */
  get measuredMips(): number | undefined {
    return this.measured;
  }

  dispose(): void {
    if (this.sampleTimer) clearInterval(this.sampleTimer);
    this.sampleTimer = undefined;
  }
}

/** Reads the engine option `speedLimitMips` (a number ≥ 0). */
function initialLimit(machine: V86Machine): number {
  const value = machine.config.options?.['speedLimitMips'];
  if (value === undefined) return 0;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    throw new Error(`The engine option speedLimitMips must be a whole number of MIPS (0 for none), got ${JSON.stringify(value)}`);
  }
  return value;
}

/** Installs set-speed-limit / query-speed-limit and the engine option `speedLimitMips`. */
export function installSpeedLimit(machine: V86Machine): SpeedLimit {
  const limit = new SpeedLimit(initialLimit(machine));
  machine.onCreated((emulator) => limit.attach(emulator));
  machine.onDispose(() => limit.dispose());
  machine.addHandlers({
    'set-speed-limit': (args) => ({ mips: limit.set(args.mips) }),
    'query-speed-limit': () => {
      const measured = limit.measuredMips;
      return { mips: limit.limit, ...(measured === undefined ? {} : { 'measured-mips': Math.round(measured * 10) / 10 }) };
    },
  });
  return limit;
}
