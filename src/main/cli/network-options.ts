/**
 * The network options of `hangar create` and `modify` (--nic, --nic-model, --mac, --cable,
 * --forward, --no-forward), read into the API's network settings and checked with the library's
 * own rules (src/shared/network-settings.ts) so bad input is a usage error (exit 2) and nothing
 * is sent.
 */
import { checkNetworkSettings, forwardHostKey, networkModes, parseForwardHost, parseForwardText, type ForwardInput, type NetworkInput, type NetworkSettings } from '../../shared/network-settings.js';
import { UsageError } from './arguments.js';

/** Options that take a value. */
export const networkValueOptions = ['nic', 'nic-model', 'mac', 'cable'] as const;

/** Takes every `--NAME VALUE` / `--NAME=VALUE` of a repeatable option out of `argv`. */
export function takeRepeated(argv: readonly string[], name: string): { rest: string[]; values: string[] } {
  const rest: string[] = [];
  const values: string[] = [];
  for (let index = 0; index < argv.length; index++) {
    const arg = argv[index] as string;
    if (arg === `--${name}`) {
      const value = argv[index + 1];
      if (value === undefined || value.startsWith('--')) throw new UsageError(`--${name} needs a value.`);
      values.push(value);
      index++;
    } else if (arg.startsWith(`--${name}=`)) values.push(arg.slice(name.length + 3));
    else rest.push(arg);
  }
  return { rest, values };
}

function usage<T>(read: () => T): T {
  try {
    return read();
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

/**
 * The network settings the options ask for, over `current` (a new machine's defaults or the
 * stored ones), checked for `engine`. `mac` of a new machine may be absent (the library makes one).
 * Returns undefined when no network option was given.
 */
export function networkFromOptions(
  options: ReadonlyMap<string, string>,
  forwards: readonly string[],
  removals: readonly string[],
  engine: 'qemu' | 'v86',
  current: (Omit<NetworkSettings, 'forwards'> & { forwards: ForwardInput[] }) | undefined,
): NetworkInput | undefined {
  if (networkValueOptions.every((name) => !options.has(name)) && forwards.length === 0 && removals.length === 0) return undefined;
  const input: NetworkInput = {};
  const mode = options.get('nic');
  if (mode !== undefined) {
    if (!(networkModes as readonly string[]).includes(mode)) throw new UsageError(`--nic must be one of ${networkModes.join(', ')}, not "${mode}".`);
    input.mode = mode as NetworkSettings['mode'];
  }
  const model = options.get('nic-model');
  if (model !== undefined) input.model = model;
  const mac = options.get('mac');
  if (mac !== undefined) input.mac = mac;
  const cable = options.get('cable');
  if (cable !== undefined) {
    if (cable !== 'on' && cable !== 'off') throw new UsageError(`--cable must be on or off, not "${cable}".`);
    input.connected = cable === 'on';
  }
  if (forwards.length > 0 || removals.length > 0) {
    const removed = new Set(removals.map((text) => forwardHostKey(usage(() => parseForwardHost(text)))));
    const keyOf = (forward: ForwardInput): string => forwardHostKey({ protocol: forward.protocol ?? 'tcp', hostAddress: forward.hostAddress ?? '127.0.0.1', hostPort: forward.hostPort });
    const stored = current?.forwards ?? [];
    const kept = stored.filter((forward) => !removed.has(keyOf(forward)));
    for (const key of removed) {
      if (!stored.some((forward) => keyOf(forward) === key)) throw new UsageError(`--no-forward ${key}: the machine has no such forward.`);
    }
    input.forwards = [...kept, ...forwards.map((text) => usage(() => parseForwardText(text)))];
  }
  // The whole result is checked as the library will check it (a placeholder MAC for a new machine).
  const merged = { mode: 'nat', model: 'auto', connected: true, forwards: [], ...current, mac: current?.mac ?? '02:00:00:00:00:01', ...input };
  const checked = checkNetworkSettings(engine, merged);
  if (!checked.ok) throw new UsageError(checked.error);
  return input;
}

/** One forward as a line: tcp 127.0.0.1:2222 → 22 (ssh). */
export function forwardLine(forward: ForwardInput & { status?: string; error?: string }): string {
  const name = forward.name ? ` (${forward.name})` : '';
  const status = forward.status ? `  ${forward.status}` : '';
  const error = forward.error ? `: ${forward.error}` : '';
  return `${forward.protocol ?? 'tcp'} ${forward.hostAddress ?? '127.0.0.1'}:${forward.hostPort} -> guest ${forward.guestPort}${name}${status}${error}`;
}
