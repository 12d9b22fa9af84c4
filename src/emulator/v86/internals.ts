/**
 * Typed views of the v86 0.5.462 internals the backend touches (v86 is pinned exactly because
 * these are not public API). Only what is used is declared.
 */
import type { V86 } from 'v86';

/** A frame-buffer layer the VGA device hands to the screen adapter. */
export interface V86Layer {
  readonly image_data: { readonly data: Uint8ClampedArray; readonly width: number; readonly height: number };
  readonly screen_x: number;
  readonly screen_y: number;
  readonly buffer_x: number;
  readonly buffer_y: number;
  readonly buffer_width: number;
  readonly buffer_height: number;
}

/** The screen adapter methods the VGA device calls (Node gets a dummy that keeps characters only). */
export interface V86ScreenAdapter {
  set_mode(graphical: boolean): void;
  set_size_text(cols: number, rows: number): void;
  set_size_graphical(width: number, height: number, bufferWidth: number, bufferHeight: number): void;
  put_char(row: number, col: number, chr: number, flags: number, bg: number, fg: number): void;
  update_cursor(row: number, col: number): void;
  update_cursor_scanline(start: number, end: number, enabled: boolean): void;
  set_font_bitmap(height: number, width9: boolean, widthDouble: boolean, copy8: boolean, plane2: Uint8Array, changed: boolean): void;
  set_font_page(a: number, b: number): void;
  clear_screen(): void;
  update_buffer(layers: readonly V86Layer[]): void;
  FLAG_FONT_PAGE_B?: number;
  FLAG_BLINKING?: number;
}

/** The VGA device fields read for fonts and text. */
export interface V86Vga {
  screen_fill_buffer(): void;
  graphical_mode: boolean;
  plane2: Uint8Array;
  max_scan_line: number;
  clocking_mode: number;
  attribute_mode: number;
  max_cols: number;
  max_rows: number;
}

/** One I/O port's handlers. */
export interface V86Port {
  write8: (value: number) => void;
  write16: (value: number) => void;
  write32: (value: number) => void;
  device: unknown;
}

/** The CPU object of the emulator. */
export interface V86Cpu {
  devices: { vga?: V86Vga; [name: string]: unknown };
  io: { ports: V86Port[] };
  instruction_counter: Uint32Array;
  /** Byte write handlers of memory-mapped I/O, one per 128 KiB block (index: address >>> 17). */
  memory_map_write8: (((address: number, value: number) => void) | undefined)[];
  /** Runs device timers; the WASM run loop calls it right after each batch of instructions. */
  run_hardware_timers(acpiEnabled: boolean, now: number): number;
}

/** The inner emulator (`emulator.v86`): run loop and CPU. */
export interface V86Inner {
  cpu: V86Cpu;
  running: boolean;
  stopping: boolean;
  do_tick(): void;
  stop(): void;
}

/** The bus: events from devices and input into devices. */
export interface V86Bus {
  send(name: string, value?: unknown): void;
  register(name: string, listener: (value: never) => void, owner: unknown): void;
}

/** The public emulator plus the internals used here. */
export type V86Emulator = V86 & {
  v86: V86Inner;
  bus: V86Bus;
  screen_adapter: V86ScreenAdapter;
  cpu_is_running: boolean;
};
