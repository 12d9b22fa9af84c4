/**
 * The `qemu.*` calls: the host's KVM state and "Try KVM again". They read and write the same
 * per-host state file the QEMU engine uses (src/emulator/qemu/host-state.ts, in the XDG cache
 * folder), so a recheck here decides what the next engine start does.
 */
import { kvmDeviceUsable, recheckKvm } from '../../../node/kvm-check.js';
import { findQemuBinary } from '../../../node/qemu-binary.js';
import { hostFingerprint, hostStatePath, readHostState } from '../../../node/qemu-host-state.js';
import type { ApiValue } from '../../../shared/protocol/api/client.js';
import { CoreError } from '../core-error.js';
import type { NamespaceHandlers } from './context.js';

/** qemu-system-x86_64 on PATH, or undefined. */
function qemuBinary(): string | undefined {
  try {
    return findQemuBinary();
  } catch {
    return undefined;
  }
}

/** The handlers of the `qemu.*` calls. */
export function qemuHandlers(): NamespaceHandlers<'qemu'> {
  return {
    'qemu.host': (): ApiValue<'qemu.host'> => {
      const binary = qemuBinary();
      // Read with the current fingerprint: a failure learnt with another QEMU or kernel is dropped here too.
      const remembered = binary === undefined ? undefined : readHostState(hostStatePath(), hostFingerprint(binary)).kvmUnusable;
      return {
        ...(binary ? { qemuPath: binary } : {}),
        kvmDevice: kvmDeviceUsable(),
        ...(remembered ? { kvmUnusable: { reason: remembered.reason, at: remembered.at } } : {}),
      };
    },
    'qemu.recheck': async (): Promise<ApiValue<'qemu.recheck'>> => {
      const binary = qemuBinary();
      if (binary === undefined) throw new CoreError('Unavailable', 'QEMU is not installed, so there is no KVM to try. Install it (Debian/Ubuntu: sudo apt install qemu-system-x86) and try again.');
      const choice = await recheckKvm(binary, hostStatePath());
      return {
        accelerator: choice.accelerator === 'kvm' ? 'kvm' : 'tcg',
        ...(choice.reason !== undefined ? { reason: choice.reason } : {}),
        ...(choice.forgotten !== undefined ? { forgotten: choice.forgotten } : {}),
      };
    },
  };
}
