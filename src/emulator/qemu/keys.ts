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

/** One entry of QEMU's `query-qmp-schema` answer (only what finding an enum needs). */
interface SchemaEntry {
  readonly 'meta-type'?: unknown;
  readonly values?: unknown;
}

/**
 * The QKeyCode names in a `query-qmp-schema` answer, or undefined when it has none. Introspection
 * hides type names behind numbers, so the enum is found by what it holds: the one enum with both
 * `kp_enter` and `ac_home`.
 */
export function qkeycodeNamesFromSchema(schema: unknown): ReadonlySet<string> | undefined {
  if (!Array.isArray(schema)) return undefined;
  for (const entry of schema as SchemaEntry[]) {
    const values = entry?.['meta-type'] === 'enum' && Array.isArray(entry.values) ? entry.values : undefined;
    if (values?.includes('kp_enter') && values.includes('ac_home')) return new Set(values.filter((value): value is string => typeof value === 'string'));
  }
  return undefined;
}
