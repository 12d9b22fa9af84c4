/**
 * `hangar qemu [status | recheck] [--json]`: this host's KVM state for QEMU machines (API
 * `qemu.host`), and "Try KVM again" (`qemu.recheck`): forget a remembered KVM failure and probe
 * afresh. A remembered failure is also dropped by itself when QEMU or the kernel is upgraded.
 */
import { UsageError, parseArguments } from '../arguments.js';
import type { CliCommand, CliIo } from '../command.js';
import { call, exitCodes, withConnection } from '../command.js';

/** The probe runs a guest under KVM and TCG (8 s + 20 s at most), plus room for a loaded host. */
const recheckTimeoutMs = 90_000;

async function qemu(argv: string[], io: CliIo): Promise<number> {
  const parsed = parseArguments(argv, [], ['json']);
  const [action = 'status', ...extra] = parsed.positionals;
  if (extra.length > 0 || (action !== 'status' && action !== 'recheck')) throw new UsageError('qemu takes "status" or "recheck".');
  const json = parsed.flags.has('json');
  return withConnection(async (connection) => {
    if (action === 'recheck') {
      const result = await call(connection, 'qemu.recheck', {}, recheckTimeoutMs);
      if (json) io.out(JSON.stringify(result, null, 2));
      else {
        if (result.forgotten !== undefined) io.out(`Forgot: ${result.forgotten}`);
        io.out(
          result.accelerator === 'kvm'
            ? 'KVM works on this host: QEMU machines use it from their next start (running ones keep TCG until powered off and started again).'
            : `QEMU machines still use TCG: ${result.reason ?? 'KVM is not available'}.`,
        );
      }
      return exitCodes.ok;
    }
    const host = await call(connection, 'qemu.host', {});
    if (json) {
      io.out(JSON.stringify(host, null, 2));
      return exitCodes.ok;
    }
    io.out(`QEMU: ${host.qemuPath ?? 'not installed (Debian/Ubuntu: sudo apt install qemu-system-x86)'}`);
    io.out(`/dev/kvm: ${host.kvmDevice ? 'usable' : 'missing or not accessible to this user (add yourself to the kvm group)'}`);
    if (host.kvmUnusable !== undefined) {
      io.out(`KVM was found unusable (${host.kvmUnusable.at}): ${host.kvmUnusable.reason}`);
      io.out('QEMU machines start on TCG until QEMU or the kernel changes; try again now with: hangar qemu recheck');
    } else if (host.kvmDevice && host.qemuPath !== undefined) io.out('No KVM failure is remembered: QEMU machines try KVM at start.');
    return exitCodes.ok;
  });
}

/** `hangar qemu`. */
export const qemuCommand: CliCommand = {
  name: 'qemu',
  usage: `  qemu [status | recheck] [--json]       the host's KVM state for QEMU (device, remembered
                                         failure and its reason); recheck: forget the failure
                                         and probe KVM again ("Try KVM again")`,
  run: qemu,
};
