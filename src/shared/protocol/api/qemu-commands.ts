/**
 * The app API's `qemu.*` commands: what this host offers QEMU's accelerator. A KVM failure is
 * remembered per host (so every start does not pay for a broken KVM again) until the QEMU binary
 * or the kernel changes, or until "Try KVM again" (`qemu.recheck`) forgets it and probes anew.
 */
import { command } from '../definitions.js';
import { s } from '../schema.js';
import { empty } from './views.js';

export const qemuCommands = {
  'qemu.host': command({
    doc: 'This host\'s KVM state for QEMU: whether QEMU is installed, whether /dev/kvm is usable by this user, and a remembered KVM failure (with its reason) that sends new QEMU machines to TCG.',
    since: '0.7',
    args: empty,
    returns: s.object({
      qemuPath: s.optional(s.string(), 'qemu-system-x86_64 found on PATH; absent when QEMU is not installed.'),
      kvmDevice: s.required(s.boolean(), 'True when /dev/kvm exists and this user may open it.'),
      kvmUnusable: s.optional(
        s.object({ reason: s.required(s.string()), at: s.required(s.string(), 'When it was found (ISO 8601).') }),
        'A remembered KVM failure for this QEMU binary and kernel: machines start on TCG until it is forgotten.',
      ),
    }),
  }),
  'qemu.recheck': command({
    doc: '"Try KVM again": forgets a remembered KVM failure and chooses the accelerator afresh (a short probe guest under KVM and TCG, up to ~30 s); a new failure is remembered again. Running machines keep their accelerator: the next start uses the answer.',
    since: '0.7',
    args: empty,
    returns: s.object({
      accelerator: s.required(s.enumeration(['kvm', 'tcg'] as const), 'What the next QEMU start uses.'),
      reason: s.optional(s.string(), 'Why TCG, when it is TCG.'),
      forgotten: s.optional(s.string(), 'The remembered failure that was dropped, if there was one.'),
    }),
    errors: [{ class: 'Unavailable', when: 'QEMU (qemu-system-x86_64) is not installed' }],
  }),
} as const;
