/**
 * The app API's shared-folder command: a machine's shares with the guest command that mounts
 * them and, when it runs, what its engine reports for each (active, or failed and why).
 * Shares are changed with machines.update (`shares`); they apply at the next start.
 */
import { command } from '../definitions.js';
import { s } from '../schema.js';
import { byId } from './views.js';

const shareStatus = s.object({
  name: s.required(s.string()),
  tag: s.required(s.string(), 'The 9P mount tag the guest mounts (host9p for the first share).'),
  hostPath: s.required(s.string()),
  readOnly: s.required(s.boolean()),
  status: s.required(
    s.enumeration(['active', 'failed', 'stored', 'pending'] as const),
    'active/failed: as the running engine reports it; stored: the machine is not running; pending: added while it runs, served from the next start.',
  ),
  error: s.optional(s.string(), 'Why the share is not served (or will not be at the next start), and what to do.'),
  mountCommand: s.required(s.string(), 'A Linux guest command that mounts this share on /mnt (9P over virtio).'),
});

export const shareCommands = {
  'vm.shares': command({
    doc: 'The machine\'s shared folders: each with its mount tag and guest mount command, and when the machine runs, whether its engine serves it (active) or not (failed, with the reason). Stopped machines also get a problem with a folder (missing, not a folder, unreadable) reported as error.',
    since: '0.6',
    args: byId,
    returns: s.object({
      running: s.required(s.boolean()),
      engine: s.required(s.enumeration(['v86', 'qemu'] as const)),
      shares: s.required(s.array(shareStatus, { maxItems: 64 })),
      note: s.optional(s.string(), 'What the engine does with several shares (v86 serves them differently from QEMU).'),
    }),
    errors: [
      { class: 'NotFound', when: 'no such machine' },
      { class: 'EngineFailed', when: 'the running engine\'s answer is not what the engine protocol says' },
    ],
  }),
} as const;
