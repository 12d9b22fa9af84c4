/**
 * A machine's stored network settings and their checks, shared by the library, the API and the
 * CLI. The engine checks the same rules again when it launches (src/emulator/common/network-plan.ts,
 * which this layer may not import); the lists here must match its `nicModels`, and
 * test/library/network-settings.test.ts compares them.
 */

/** nat: outside network through the host; isolated: forwards only; none: no network card. */
export const networkModes = ['nat', 'isolated', 'none'] as const;
export type NetworkModeName = (typeof networkModes)[number];

/** NIC models each engine offers; `auto` lets the engine choose. */
export const nicModelsByEngine = {
  qemu: ['e1000', 'rtl8139', 'ne2k_pci', 'virtio-net-pci', 'pcnet'],
  v86: ['ne2k', 'virtio'],
} as const;

/** One stored port forward: connections to hostAddress:hostPort reach the guest's guestPort. */
export interface ForwardSetting {
  protocol: 'tcp' | 'udp';
  hostAddress: string;
  hostPort: number;
  guestPort: number;
  name?: string;
}

/** A machine's network settings. */
export interface NetworkSettings {
  mode: NetworkModeName;
  /** `auto` or one of the engine's models. */
  model: string;
  /** Locally administered unicast MAC, lower case. */
  mac: string;
  /** The cable: false starts the machine with its link down. */
  connected: boolean;
  forwards: ForwardSetting[];
}

/** A forward as callers give it: protocol tcp and host address 127.0.0.1 unless said. */
export type ForwardInput = Omit<ForwardSetting, 'protocol' | 'hostAddress'> & Partial<Pick<ForwardSetting, 'protocol' | 'hostAddress'>>;

/** Network settings as create and update take them: fields left out keep their value (or default). */
export type NetworkInput = Partial<Omit<NetworkSettings, 'forwards'>> & { forwards?: ForwardInput[] };

const ipv4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

/** A random locally administered unicast MAC address (first byte 02, 06, 0a, …). */
export function randomMacAddress(random: () => number = Math.random): string {
  const bytes = Array.from({ length: 6 }, () => Math.floor(random() * 256) & 0xff);
  bytes[0] = ((bytes[0] as number) & 0xfc) | 0x02;
  return bytes.map((byte) => byte.toString(16).padStart(2, '0')).join(':');
}

/** Why `mac` cannot be a NIC's address, as a sentence; undefined when it is a locally administered unicast one. */
export function macAddressProblem(mac: unknown): string | undefined {
  if (typeof mac !== 'string' || !/^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/i.test(mac)) return `The MAC address ${JSON.stringify(mac)} is not six hex pairs separated by colons (like 02:54:00:12:34:56).`;
  const first = Number.parseInt(mac.slice(0, 2), 16);
  if ((first & 1) !== 0) return `The MAC address ${mac} is a multicast address; a network card needs a unicast one (even first byte).`;
  if ((first & 2) === 0) return `The MAC address ${mac} is globally administered (it belongs to a vendor); use a locally administered one (second bit of the first byte set, like 02:…).`;
  return undefined;
}

/** Why the NIC `model` cannot be used on `engine`; undefined when it can. */
export function nicModelProblem(engine: 'qemu' | 'v86', model: unknown): string | undefined {
  const models: readonly string[] = nicModelsByEngine[engine];
  if (model === 'auto' || (typeof model === 'string' && models.includes(model))) return undefined;
  return `The ${engine} engine has no network card model ${JSON.stringify(model)}; choose auto or one of ${models.join(', ')}.`;
}

/** Why `forward` cannot be used, as a sentence; undefined when it is sound. */
export function forwardSettingProblem(forward: ForwardSetting): string | undefined {
  if (forward.protocol !== 'tcp' && forward.protocol !== 'udp') return `A forward's protocol is tcp or udp, not ${JSON.stringify(forward.protocol)}.`;
  if (typeof forward.hostAddress !== 'string' || !ipv4.test(forward.hostAddress)) return `The host address ${JSON.stringify(forward.hostAddress)} is not an IPv4 address (use 127.0.0.1 to reach the guest only from this computer).`;
  for (const [what, port] of [['host port', forward.hostPort], ['guest port', forward.guestPort]] as const) {
    if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65_535) return `The ${what} ${String(port)} is not a port number (1 to 65535).`;
  }
  if (forward.name !== undefined && (typeof forward.name !== 'string' || forward.name.length > 100)) return 'A forward\'s name is text of at most 100 characters.';
  return undefined;
}

/** The host side of a forward, which must be unique among a machine's forwards. */
export function forwardHostKey(forward: Pick<ForwardSetting, 'protocol' | 'hostAddress' | 'hostPort'>): string {
  return `${forward.protocol}:${forward.hostAddress}:${forward.hostPort}`;
}

/**
 * Reads a forward as the CLI writes it: `tcp:HOSTPORT:GUESTPORT` or `tcp:ADDR:HOSTPORT:GUESTPORT`
 * (udp likewise). Throws an Error whose message says what is wrong.
 */
export function parseForwardText(text: string): ForwardSetting {
  const match = /^(tcp|udp):(?:([^:]+):)?(\d+):(\d+)$/.exec(text);
  if (!match) throw new Error(`The forward ${JSON.stringify(text)} is not PROTOCOL:[ADDRESS:]HOSTPORT:GUESTPORT (like tcp:2222:22 or tcp:127.0.0.1:8080:80).`);
  const forward: ForwardSetting = { protocol: match[1] as 'tcp' | 'udp', hostAddress: match[2] ?? '127.0.0.1', hostPort: Number(match[3]), guestPort: Number(match[4]) };
  const problem = forwardSettingProblem(forward);
  if (problem !== undefined) throw new Error(problem);
  return forward;
}

/** Reads the host side of a forward to remove: `tcp:HOSTPORT` or `tcp:ADDR:HOSTPORT`. */
export function parseForwardHost(text: string): Pick<ForwardSetting, 'protocol' | 'hostAddress' | 'hostPort'> {
  const match = /^(tcp|udp):(?:([^:]+):)?(\d+)$/.exec(text);
  if (!match) throw new Error(`The forward ${JSON.stringify(text)} is not PROTOCOL:[ADDRESS:]HOSTPORT (like tcp:2222).`);
  const hostPort = Number(match[3]);
  const hostAddress = match[2] ?? '127.0.0.1';
  const problem = forwardSettingProblem({ protocol: match[1] as 'tcp' | 'udp', hostAddress, hostPort, guestPort: 1 });
  if (problem !== undefined) throw new Error(problem);
  return { protocol: match[1] as 'tcp' | 'udp', hostAddress, hostPort };
}

/**
 * Checks complete network settings for `engine`; returns a normalised copy (MAC lower case,
 * forwards with their defaults) or the first problem as a sentence.
 */
export function checkNetworkSettings(engine: 'qemu' | 'v86', value: unknown): { ok: true; value: NetworkSettings } | { ok: false; error: string } {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { ok: false, error: 'The network settings are an object {mode, model, mac, connected, forwards}.' };
  const record = value as Record<string, unknown>;
  if (!(networkModes as readonly unknown[]).includes(record.mode)) return { ok: false, error: `The network mode is nat, isolated or none, not ${JSON.stringify(record.mode)}.` };
  const modelProblem = nicModelProblem(engine, record.model);
  if (modelProblem !== undefined) return { ok: false, error: modelProblem };
  const mac = typeof record.mac === 'string' ? record.mac.toLowerCase() : record.mac;
  const macProblem = macAddressProblem(mac);
  if (macProblem !== undefined) return { ok: false, error: macProblem };
  if (typeof record.connected !== 'boolean') return { ok: false, error: 'The network setting "connected" (the cable) is true or false.' };
  if (!Array.isArray(record.forwards)) return { ok: false, error: 'The network setting "forwards" is a list.' };
  const forwards: ForwardSetting[] = [];
  const seen = new Set<string>();
  for (const item of record.forwards as unknown[]) {
    if (typeof item !== 'object' || item === null) return { ok: false, error: `A forward is an object {protocol, hostAddress?, hostPort, guestPort, name?}, not ${JSON.stringify(item)}.` };
    const raw = item as Record<string, unknown>;
    const forward = { protocol: raw.protocol ?? 'tcp', hostAddress: raw.hostAddress ?? '127.0.0.1', hostPort: raw.hostPort, guestPort: raw.guestPort, ...(raw.name === undefined ? {} : { name: raw.name }) } as ForwardSetting;
    const problem = forwardSettingProblem(forward);
    if (problem !== undefined) return { ok: false, error: problem };
    const key = forwardHostKey(forward);
    if (seen.has(key)) return { ok: false, error: `Two forwards listen on ${forward.protocol.toUpperCase()} ${forward.hostAddress}:${forward.hostPort}; each host port can be forwarded once.` };
    seen.add(key);
    forwards.push(forward);
  }
  return { ok: true, value: { mode: record.mode as NetworkModeName, model: record.model as string, mac: mac as string, connected: record.connected, forwards } };
}
