/** The engine's view of the accelerator choice (src/node/kvm-check.ts: main rechecks KVM with the same code). */
export { chooseAccelerator, kvmDeviceUsable, recheckKvm, rememberKvmUnusable, runProbe } from '../../node/kvm-check.js';
export type { AcceleratorChoice, KvmRecheck } from '../../node/kvm-check.js';
