/**
 * The app API's network commands: a machine's network as its engine reports it, and live
 * changes (forwards, cable) that reach the running engine and the stored settings together.
 */
import { command } from '../definitions.js';
import { s } from '../schema.js';
import { byId, id } from './views.js';

const forwardProtocol = s.enumeration(['tcp', 'udp'] as const, 'Default tcp.');
const port = s.integer({ min: 1, max: 65535 });

const forwardStatus = s.object({
  protocol: s.required(s.enumeration(['tcp', 'udp'] as const)),
  hostAddress: s.required(s.string()),
  hostPort: s.required(s.integer()),
  guestPort: s.required(s.integer()),
  name: s.optional(s.string()),
  status: s.required(s.enumeration(['active', 'failed', 'stored'] as const), 'active/failed: as the running engine reports it; stored: the machine is not running.'),
  error: s.optional(s.string(), 'Why the forward failed, as a sentence.'),
});

export const networkCommands = {
  'vm.network': command({
    doc: 'The machine\'s network: its stored settings, and when it runs what the engine reports (cable, each forward active or failed with the reason, availability).',
    since: '0.5',
    args: byId,
    returns: s.object({
      mode: s.required(s.enumeration(['nat', 'isolated', 'none'] as const)),
      model: s.required(s.string(), 'The stored model (auto or explicit); when running, the engine\'s own.'),
      mac: s.required(s.string()),
      connected: s.required(s.boolean(), 'The cable (the engine\'s link when running).'),
      running: s.required(s.boolean()),
      available: s.required(s.boolean(), 'False when the running engine could not set up its network (or it is not running with one).'),
      reason: s.optional(s.string(), 'Why the network is not available, and what to do.'),
      forwards: s.required(s.array(forwardStatus, { maxItems: 1024 })),
      rxFrames: s.optional(s.integer({ min: 0 }), 'Frames delivered to the guest since its engine started, when the engine counts them (for an activity light).', '0.6'),
      txFrames: s.optional(s.integer({ min: 0 }), 'Frames the guest sent since its engine started, when the engine counts them.', '0.6'),
    }),
    errors: [{ class: 'NotFound', when: 'no such machine' }],
  }),
  'vm.forward-add': command({
    doc: 'Adds a port forward to the machine\'s settings and, when it runs, to its engine at once. A host port in use or already forwarded is refused with the reason and nothing is stored.',
    since: '0.5',
    args: s.object({
      id: s.required(id),
      protocol: s.optional(forwardProtocol),
      hostAddress: s.optional(s.string({ maxLength: 64 }), 'Default 127.0.0.1 (this computer only).'),
      hostPort: s.required(port),
      guestPort: s.required(port),
      name: s.optional(s.string({ maxLength: 100 })),
    }),
    returns: s.object({}),
    errors: [
      { class: 'NotFound', when: 'no such machine' },
      { class: 'InvalidArgument', when: 'the forward is invalid or its host port is already forwarded' },
      { class: 'Conflict', when: 'the running engine could not listen on the host port (in use)' },
    ],
  }),
  'vm.forward-remove': command({
    doc: 'Removes the port forward listening on hostAddress:hostPort from the settings and, when the machine runs, from its engine.',
    since: '0.5',
    args: s.object({
      id: s.required(id),
      protocol: s.optional(forwardProtocol),
      hostAddress: s.optional(s.string({ maxLength: 64 }), 'Default 127.0.0.1.'),
      hostPort: s.required(port),
    }),
    returns: s.object({}),
    errors: [
      { class: 'NotFound', when: 'no such machine, or no forward listens there' },
    ],
  }),
  'vm.set-link': command({
    doc: 'Connects or disconnects the network cable: stored, and applied at once when the machine runs.',
    since: '0.5',
    args: s.object({ id: s.required(id), up: s.required(s.boolean()) }),
    returns: s.object({}),
    errors: [
      { class: 'NotFound', when: 'no such machine' },
      { class: 'InvalidArgument', when: 'the machine has no network card (mode none)' },
    ],
  }),
} as const;
