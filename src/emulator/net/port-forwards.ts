/**
 * Port forwards of QEMU's user-mode network (slirp), managed while it runs through HMP's
 * `hostfwd_add` / `hostfwd_remove` (docs: ENGINE-NOTES "QEMU user networking"). Launch-time
 * `hostfwd=` rules are never used: one busy host port there makes QEMU exit, taking the guest
 * with it; added afterwards, a busy port is one refused forward and the guest runs on.
 */

/** One forward: connections to hostAddress:hostPort reach the guest's guestPort. */
export interface PortForward {
  protocol: 'tcp' | 'udp';
  /** The host address to listen on; loopback unless the user chose otherwise. */
  hostAddress: string;
  hostPort: number;
  guestPort: number;
  /** The guest's address; slirp's DHCP gives the guest 10.0.2.15 (the default). */
  guestAddress?: string;
}

const ipv4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

/** Why `forward` cannot be used, as a sentence; undefined when it is sound. */
export function forwardProblem(forward: PortForward): string | undefined {
  if (forward.protocol !== 'tcp' && forward.protocol !== 'udp') return `A forward's protocol is tcp or udp, not ${JSON.stringify(forward.protocol)}.`;
  if (!ipv4.test(forward.hostAddress)) return `The host address ${JSON.stringify(forward.hostAddress)} is not an IPv4 address (use 127.0.0.1 to reach the guest only from this computer).`;
  if (forward.guestAddress !== undefined && !ipv4.test(forward.guestAddress)) return `The guest address ${JSON.stringify(forward.guestAddress)} is not an IPv4 address.`;
  for (const [what, port] of [['host port', forward.hostPort], ['guest port', forward.guestPort]] as const) {
    if (!Number.isInteger(port) || port < 1 || port > 65_535) return `The ${what} ${String(port)} is not a port number (1 to 65535).`;
  }
  return undefined;
}

/** The HMP command that adds `forward` to the user netdev `netdevId`. */
export function hostfwdAddCommand(netdevId: string, forward: PortForward): string {
  return `hostfwd_add ${netdevId} ${forward.protocol}:${forward.hostAddress}:${forward.hostPort}-${forward.guestAddress ?? ''}:${forward.guestPort}`;
}

/** The HMP command that removes the forward listening on `forward`'s host side. */
export function hostfwdRemoveCommand(netdevId: string, forward: Pick<PortForward, 'protocol' | 'hostAddress' | 'hostPort'>): string {
  return `hostfwd_remove ${netdevId} ${forward.protocol}:${forward.hostAddress}:${forward.hostPort}`;
}

/** A stable name for a forward's host side (what `hostfwd_remove` needs). */
export function forwardKey(forward: Pick<PortForward, 'protocol' | 'hostAddress' | 'hostPort'>): string {
  return `${forward.protocol}:${forward.hostAddress}:${forward.hostPort}`;
}

/**
 * Reads HMP's answer to hostfwd_add/remove. QEMU 7.2 answers a successful add with nothing and
 * a successful remove with "host forwarding rule for … removed"; a failure is plain text (not
 * prefixed "Error:"). Returns the failure as a sentence that says what to do, or undefined on
 * success.
 */
export function hostfwdFailure(reply: string, forward: Pick<PortForward, 'protocol' | 'hostAddress' | 'hostPort'>, action: 'add' | 'remove'): string | undefined {
  const text = reply.trim();
  if (text === '' || (action === 'remove' && /^host forwarding rule for \S+ removed$/i.test(text))) return undefined;
  const where = `${forward.protocol.toUpperCase()} ${forward.hostAddress}:${forward.hostPort}`;
  if (action === 'add' && /could not set up host forwarding rule/i.test(text)) {
    return `The host port ${where} is in use by another program (or not allowed), so this forward is off. Choose another host port; the machine keeps running.`;
  }
  if (action === 'remove' && /not found/i.test(text)) return `No forward listens on ${where}.`;
  return `QEMU refused to ${action} the forward on ${where}: ${text}`;
}
