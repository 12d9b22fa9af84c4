/**
 * The network plan both engines launch from: the machine's `network` option (mode, NIC model,
 * MAC, cable, forwards) checked once and turned into what each backend builds (QEMU: a user
 * netdev and a NIC device; v86: a NIC bridged to the user-mode NAT process). Absent means no
 * network card at all, as before networking existed.
 */
import { forwardKey, forwardProblem, type PortForward } from '../net/port-forwards.js';

/** nat: outside network through the host; isolated: forwards only (slirp restrict=on); none: no NIC. */
export type NetworkMode = 'nat' | 'isolated' | 'none';

/** NIC models each engine offers; `auto` picks the first. */
export const nicModels = {
  qemu: ['e1000', 'rtl8139', 'ne2k_pci', 'virtio-net-pci', 'pcnet'],
  v86: ['ne2k', 'virtio'],
} as const;

/** A checked network plan. */
export interface NetworkPlan {
  readonly mode: NetworkMode;
  /** The engine's own model name (never `auto`); empty when mode is none. */
  readonly model: string;
  /** aa:bb:cc:dd:ee:ff, lower case; empty when mode is none. */
  readonly mac: string;
  readonly connected: boolean;
  /** Forwards applied after launch, in order. */
  readonly forwards: readonly PortForward[];
}

/** A plan without a network card. */
export const noNetwork: NetworkPlan = { mode: 'none', model: '', mac: '', connected: false, forwards: [] };

/** The NIC model an engine uses for `requested` (`auto` or absent: e1000 on QEMU, ne2k on v86). */
export function nicModel(engine: 'qemu' | 'v86', requested: unknown): string {
  const models: readonly string[] = nicModels[engine];
  if (requested === undefined || requested === 'auto') return models[0] as string;
  if (typeof requested === 'string' && models.includes(requested)) return requested;
  throw new Error(`The ${engine} engine has no network card model ${JSON.stringify(requested)}; choose auto or one of ${models.join(', ')}.`);
}

/** Why `mac` cannot be a NIC's address, as a sentence; undefined when it is a locally administered unicast address. */
export function macProblem(mac: unknown): string | undefined {
  if (typeof mac !== 'string' || !/^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/i.test(mac)) return `The MAC address ${JSON.stringify(mac)} is not six hex pairs separated by colons (like 52:54:00:12:34:56).`;
  const first = Number.parseInt(mac.slice(0, 2), 16);
  if ((first & 1) !== 0) return `The MAC address ${mac} is a multicast address; a network card needs a unicast one (even first byte).`;
  if ((first & 2) === 0) return `The MAC address ${mac} is globally administered (it belongs to a vendor); use a locally administered one (second bit of the first byte set, like 52:54:00:…).`;
  return undefined;
}

/** A random locally administered unicast MAC address. */
export function randomMac(random: () => number = Math.random): string {
  const bytes = Array.from({ length: 6 }, () => Math.floor(random() * 256) & 0xff);
  bytes[0] = ((bytes[0] as number) & 0xfc) | 0x02;
  return bytes.map((byte) => byte.toString(16).padStart(2, '0')).join(':');
}

/**
 * Reads one forward as the command line writes it: `tcp:HOSTPORT:GUESTPORT`,
 * `tcp:ADDR:HOSTPORT:GUESTPORT`, or QEMU's `tcp:ADDR:HOSTPORT-:GUESTPORT` / `tcp:ADDR:HOSTPORT-GUESTPORT`.
 */
export function parseForward(text: string): PortForward {
  const match = /^(tcp|udp):(?:(\d{1,3}(?:\.\d{1,3}){3}):)?(\d+)(?::|-:?)(\d+)$/.exec(text);
  if (!match) throw new Error(`The forward ${JSON.stringify(text)} is not PROTOCOL:[ADDRESS:]HOSTPORT:GUESTPORT (like tcp:2222:22 or tcp:127.0.0.1:8080:80).`);
  const forward: PortForward = { protocol: match[1] as 'tcp' | 'udp', hostAddress: match[2] ?? '127.0.0.1', hostPort: Number(match[3]), guestPort: Number(match[4]) };
  const problem = forwardProblem(forward);
  if (problem !== undefined) throw new Error(problem);
  return forward;
}

/** Reads a forward given as an object (options.network.forwards, protocol arguments). */
export function forwardFrom(value: unknown): PortForward {
  if (typeof value === 'string') return parseForward(value);
  if (typeof value !== 'object' || value === null) throw new Error(`A forward is an object {protocol, hostAddress?, hostPort, guestPort}, not ${JSON.stringify(value)}.`);
  const record = value as Record<string, unknown>;
  const forward = {
    protocol: record.protocol ?? 'tcp',
    hostAddress: record.hostAddress ?? record['host-address'] ?? '127.0.0.1',
    hostPort: record.hostPort ?? record['host-port'],
    guestPort: record.guestPort ?? record['guest-port'],
  } as PortForward;
  const problem = forwardProblem(forward);
  if (problem !== undefined) throw new Error(problem);
  return forward;
}

/**
 * Checks the `network` option for `engine`. `undefined` means no network card. A missing MAC is
 * generated (main passes the machine's stored one so it stays the same across restarts).
 */
export function planNetwork(engine: 'qemu' | 'v86', option: unknown, random: () => number = Math.random): NetworkPlan {
  if (option === undefined || option === null) return noNetwork;
  if (typeof option !== 'object' || Array.isArray(option)) throw new Error('The network option is an object {mode, model?, mac?, connected?, forwards?}.');
  const record = option as Record<string, unknown>;
  const mode = record.mode ?? 'nat';
  if (mode !== 'nat' && mode !== 'isolated' && mode !== 'none') throw new Error(`The network mode is nat, isolated or none, not ${JSON.stringify(mode)}.`);
  if (mode === 'none') return noNetwork;
  const model = nicModel(engine, record.model);
  const mac = record.mac === undefined ? randomMac(random) : String(record.mac).toLowerCase();
  const problem = macProblem(mac);
  if (problem !== undefined) throw new Error(problem);
  if (record.connected !== undefined && typeof record.connected !== 'boolean') throw new Error('The network option "connected" (the cable) is true or false.');
  const list = record.forwards ?? [];
  if (!Array.isArray(list)) throw new Error('The network option "forwards" is a list.');
  const forwards = list.map((item) => forwardFrom(item));
  const seen = new Set<string>();
  for (const forward of forwards) {
    const key = forwardKey(forward);
    if (seen.has(key)) throw new Error(`Two forwards listen on ${forward.protocol.toUpperCase()} ${forward.hostAddress}:${forward.hostPort}; each host port can be forwarded once.`);
    seen.add(key);
  }
  return { mode, model, mac, connected: record.connected !== false, forwards };
}
