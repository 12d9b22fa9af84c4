/**
 * The QEMU engine backend (qemu-system-x86_64 behind the engine protocol).
 *
 * MachineConfig.options understood here:
 * - `qemuPath` (string): the qemu-system-x86_64 binary; default: PATH.
 * - `accelerator` ('auto' | 'kvm' | 'tcg'): 'tcg' forces TCG; default 'auto' probes KVM once per host.
 * - `hostStateDir` (string): where per-host facts (KVM unusable) are remembered; default XDG cache.
 * - `speedLimitMips` (number): start with a -icount speed limit (TCG only).
 * - `clipboard` (boolean): add the qemu-vdagent clipboard agent channel.
 * - `display` ('std' | 'virtio' | 'qxl' | 'vmware' | 'cirrus'): the display adapter; default std.
 * - `tablet` (boolean): a USB tablet for absolute pointing; default true.
 */
import type { BackendFactory } from '../backend.js';
import { QemuBackend } from './backend.js';

export { QemuBackend } from './backend.js';

/** Starts a machine on QEMU. */
export const createQemuBackend: BackendFactory = (config, host) => QemuBackend.start(config, host);
