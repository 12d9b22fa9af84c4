/**
 * Key helpers for QEMU: converting the protocol's KeyValue numbers to QEMU's numbering.
 */

/** A key as QEMU's QMP accepts it. */
export type QemuKey = { type: 'qcode'; data: string } | { type: 'number'; data: number };

/**
 * The protocol numbers E0-prefixed scancodes as 0xE0xx; QEMU's `number` keys use 0x80 | code.
 */
export function toQemuKey(key: { type: 'qcode'; data: string } | { type: 'number'; data: number }): QemuKey {
  if (key.type === 'number' && key.data >= 0xe000) return { type: 'number', data: 0x80 | (key.data & 0x7f) };
  return key;
}
