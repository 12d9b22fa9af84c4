/** A small argument parser for the `hangar` command: positionals and `--name value` / `--flag`. */
import { checkName, type NameSubject } from '../../shared/names.js';

/** Bad usage: the message says what is wrong; the CLI prints it with the usage and exits 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export interface ParsedArguments {
  positionals: string[];
  options: Map<string, string>;
  flags: Set<string>;
}

/** Parses `argv` given which options take a value and which are flags; unknown ones are usage errors. */
export function parseArguments(argv: readonly string[], valued: readonly string[], flags: readonly string[]): ParsedArguments {
  const result: ParsedArguments = { positionals: [], options: new Map(), flags: new Set() };
  for (let index = 0; index < argv.length; index++) {
    const arg = argv[index] as string;
    if (!arg.startsWith('--')) {
      result.positionals.push(arg);
      continue;
    }
    const [name, inline] = arg.slice(2).split(/=(.*)/s, 2) as [string, string | undefined];
    if (flags.includes(name)) {
      if (inline !== undefined) throw new UsageError(`--${name} takes no value.`);
      result.flags.add(name);
    } else if (valued.includes(name)) {
      const value = inline ?? argv[++index];
      if (value === undefined || (inline === undefined && value.startsWith('--'))) throw new UsageError(`--${name} needs a value.`);
      result.options.set(name, value);
    } else throw new UsageError(`Unknown option --${name}.`);
  }
  return result;
}

/** A whole number option within bounds, or undefined when absent. */
export function integerOption(parsed: ParsedArguments, name: string, min: number, max: number): number | undefined {
  const text = parsed.options.get(name);
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(value) || value < min || value > max) {
    throw new UsageError(`--${name} must be a whole number from ${min} to ${max}, got "${text}".`);
  }
  return value;
}

/** A machine or snapshot name the user typed, checked with the shared name rule (a usage error if bad). */
export function nameArgument(value: string, subject: NameSubject): string {
  const checked = checkName(value, subject);
  if (!checked.ok) throw new UsageError(checked.error);
  return checked.value;
}
