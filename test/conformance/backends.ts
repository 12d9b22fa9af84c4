/** Engine backends the protocol conformance suite and fuzz test run against. */
export const conformanceBackends: readonly ('v86' | 'qemu')[] = ['v86', 'qemu'];

/**
 * Extra engine arguments per backend. QEMU is pinned to TCG: /dev/kvm may exist here yet fail
 * or crawl (ENGINE-NOTES.md), and the suite must not depend on the host's KVM probe.
 */
export const engineArguments: Readonly<Record<'v86' | 'qemu', readonly string[]>> = {
  v86: [],
  qemu: ['--options', JSON.stringify({ accelerator: 'tcg' })],
};

/** Boot medium every backend can start from (Debian's grub-rescue-pc package). */
export const grubRescueCdrom = '/usr/lib/grub-rescue/grub-rescue-cdrom.iso';
