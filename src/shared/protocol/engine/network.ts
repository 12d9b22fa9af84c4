/**
 * User-mode networking (NAT through slirp on both engines): the network card's settings, port
 * forwards added and removed while the guest runs, and the cable. Engines started without a
 * network card answer `query-network` with mode `none` and refuse the changes.
 */
import { command, event } from '../definitions.js';
import { s } from '../schema.js';

const protocol = s.enumeration(['tcp', 'udp'] as const, 'Transport protocol of the forward.');
const port = s.integer({ min: 1, max: 65535 });
const hostAddress = s.string({ maxLength: 64 });

const forwardState = s.object({
  protocol: s.required(protocol),
  'host-address': s.required(s.string(), 'The host address the forward listens on (127.0.0.1 unless chosen otherwise).'),
  'host-port': s.required(s.integer()),
  'guest-port': s.required(s.integer()),
  status: s.required(s.enumeration(['active', 'failed'] as const), 'failed: the host port could not be used; the guest runs on without this forward.'),
  error: s.optional(s.string(), 'Why the forward failed, as a sentence.'),
});

export const networkCommands = {
  'query-network': command({
    doc: 'Reports the network card (mode, model, MAC, cable) and every port forward with its status.',
    since: '0.1',
    args: s.object({}),
    returns: s.object({
      mode: s.required(s.enumeration(['nat', 'isolated', 'none'] as const), 'nat: outside network through the host; isolated: forwards only; none: no network card.'),
      model: s.required(s.string(), 'The engine\'s NIC model (e1000, ne2k…); empty without a card.'),
      mac: s.required(s.string(), 'The card\'s MAC address; empty without a card.'),
      link: s.required(s.boolean(), 'True when the cable is connected.'),
      available: s.required(s.boolean(), 'False when the network could not be set up (the guest runs without it).'),
      reason: s.optional(s.string(), 'Why the network is not available, and what to do.'),
      forwards: s.required(s.array(forwardState, { maxItems: 1024 })),
      'rx-frames': s.optional(s.integer({ min: 0 }), 'Frames delivered to the guest, when the engine counts them.'),
      'tx-frames': s.optional(s.integer({ min: 0 }), 'Frames the guest sent, when the engine counts them.'),
    }),
  }),
  'network-forward-add': command({
    doc: 'Forwards connections to host-address:host-port into the guest\'s guest-port while the guest runs. A host port in use is refused with a sentence; the guest runs on.',
    since: '0.1',
    args: s.object({
      protocol: s.optional(protocol, 'Default tcp.'),
      'host-address': s.optional(hostAddress, 'IPv4 address to listen on; default 127.0.0.1 (this computer only).'),
      'host-port': s.required(port),
      'guest-port': s.required(port),
    }),
    returns: s.object({}),
    errors: [{ class: 'GenericError', when: 'the machine has no network, the forward is invalid or a duplicate, or the host port is in use' }],
  }),
  'network-forward-remove': command({
    doc: 'Removes the forward listening on host-address:host-port (active or failed).',
    since: '0.1',
    args: s.object({
      protocol: s.optional(protocol, 'Default tcp.'),
      'host-address': s.optional(hostAddress, 'Default 127.0.0.1.'),
      'host-port': s.required(port),
    }),
    returns: s.object({}),
    errors: [{ class: 'GenericError', when: 'no forward listens there, or the machine has no network' }],
  }),
  set_link: command({
    doc: 'Connects (up) or disconnects the network card\'s cable, as QEMU\'s set_link. The card is named net0.',
    since: '0.1',
    args: s.object({ name: s.required(s.string({ maxLength: 64 }), 'net0 (QEMU\'s nic0 is accepted too).'), up: s.required(s.boolean()) }),
    returns: s.object({}),
    errors: [{ class: 'DeviceNotFound', when: 'no card has that name (or the machine has no network card)' }],
  }),
} as const;

export const networkEvents = {
  NETWORK_FORWARD_FAILED: event({
    doc: 'A forward given at launch could not be set up (its host port is in use); the guest runs without it.',
    since: '0.1',
    data: s.object({
      protocol: s.required(protocol),
      'host-address': s.required(s.string()),
      'host-port': s.required(s.integer()),
      'guest-port': s.required(s.integer()),
      error: s.required(s.string(), 'Why, as a sentence.'),
    }),
  }),
} as const;
