/**
 * Checks an engine's reply against the command's `returns` schema, so a client that reads a
 * field of it (the app core's vm.status, vm.serial-write) gets the protocol's type, or a
 * precise reason why not, never a guess.
 */
import type { Validated } from '../schema.js';
import { validate } from '../schema.js';
import type { EngineCommandName, EngineReturn } from './index.js';
import { engineCommands } from './index.js';

/** `value` as command `name`'s return type when it matches the schema (given back as it came). */
export function checkEngineReturn<N extends EngineCommandName>(name: N, value: unknown): Validated<EngineReturn<N>> {
  const checked = validate(engineCommands[name].returns, value);
  if (!checked.ok) return checked;
  // The one place an engine reply becomes typed: it has just passed the schema the type is inferred from.
  return { ok: true, value: value as EngineReturn<N> };
}
