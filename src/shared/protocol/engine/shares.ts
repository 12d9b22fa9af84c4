/**
 * Shared folders: host folders served to the guest over 9P2000.L (virtio transport). The first
 * share has the mount tag `host9p` on both engines; on QEMU the others are tagged with their
 * names, while v86 has one 9P device and serves the first share only (the others are reported
 * failed with that reason). A share that cannot be served never stops the machine: it is
 * `failed` with the reason.
 */
import { command } from '../definitions.js';
import { s } from '../schema.js';

const shareState = s.object({
  name: s.required(s.string({ maxLength: 64 }), 'The share\'s name.'),
  tag: s.required(s.string({ maxLength: 64 }), 'The 9P mount tag the guest mounts (host9p for the first share): mount -t 9p -o trans=virtio,version=9p2000.L TAG /mnt.'),
  'host-path': s.required(s.string(), 'The host folder.'),
  'read-only': s.required(s.boolean(), 'True: every write fails with EROFS in the guest.'),
  status: s.required(s.enumeration(['active', 'failed'] as const), 'active: the guest can mount it; failed: it is not served (see error).'),
  error: s.optional(s.string(), 'Why the share is not served, and what to do.'),
});

export const shareCommands = {
  'query-shares': command({
    doc: 'Lists the shared folders the engine was started with (--share), each with its mount tag and whether it is served.',
    since: '0.1',
    args: s.object({}),
    returns: s.array(shareState, { maxItems: 64 }),
  }),
} as const;
