/** The per-host QEMU facts file (src/node/qemu-host-state.ts: main reads and clears it too). */
export { forgetKvmUnusable, hostFingerprint, hostStatePath, readHostState, sameFingerprint, writeHostState } from '../../node/qemu-host-state.js';
export type { HostFingerprint, KvmUnusable, QemuHostState } from '../../node/qemu-host-state.js';
