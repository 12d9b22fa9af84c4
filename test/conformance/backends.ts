/** Engine backends the protocol conformance suite and fuzz test run against. */
export const conformanceBackends: readonly ('v86' | 'qemu')[] = ['v86', 'qemu'];

/** Boot medium every backend can start from (Debian's grub-rescue-pc package). */
export const grubRescueCdrom = '/usr/lib/grub-rescue/grub-rescue-cdrom.iso';
