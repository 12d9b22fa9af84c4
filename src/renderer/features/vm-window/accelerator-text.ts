/** How the window and the manager name an accelerator and explain a TCG fallback. */

const acceleratorLabels: Readonly<Record<string, string>> = { 'v86-jit': 'v86 · JIT', 'v86-interpreter': 'v86 · interpreter', tcg: 'QEMU · TCG', kvm: 'QEMU · KVM' };

/** The engine and accelerator in a few words (what the engine reports, once it has). */
export function acceleratorLabel(engine: 'v86' | 'qemu', accelerator: string | undefined): string {
  return (accelerator && acceleratorLabels[accelerator]) ?? (engine === 'v86' ? 'v86' : 'QEMU');
}

/**
 * Whether "Try KVM again" can change anything for this reason: not when TCG was chosen in the
 * machine's settings or needed for its speed limit (the settings decide those, not the host).
 */
export function kvmRecheckHelps(reason: string): boolean {
  return !/^TCG was chosen in the machine settings|^a speed limit is set/u.test(reason);
}

/** The sentence for the answer of qemu.recheck. */
export function recheckOutcome(answer: { accelerator: 'kvm' | 'tcg'; reason?: string }): string {
  return answer.accelerator === 'kvm'
    ? 'KVM works on this host now. Power the machine off and start it again to use it.'
    : `KVM is still not usable: ${answer.reason ?? 'no reason given'}.`;
}
