/**
 * The guest speed limit (TCG -icount): set-speed-limit moves the running guest into a new QEMU
 * process with the new -icount preset (migrate to a file, relaunch with -incoming, migrate back);
 * query-speed-limit.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { EngineArgs, RunStateName } from '../../shared/protocol/engine/index.js';
import { ProtocolError } from '../backend.js';
import { icountPreset } from './arguments.js';
import type { QemuClipboard } from './clipboard.js';
import { qmpFailure, type QemuMachine } from './machine.js';
import type { QemuProcess } from './process.js';
import type { QemuSnapshots } from './snapshots.js';

/** Adds set-speed-limit and query-speed-limit. */
export function installSpeedLimit(machine: QemuMachine, qemu: QemuProcess, clipboard: QemuClipboard, snapshots: QemuSnapshots): void {
  /** Changes the -icount preset by moving the running guest into a new QEMU process. */
  async function applySpeedLimit(preset: { shift: number; mips: number } | undefined): Promise<void> {
    if (!['running', 'paused', 'prelaunch', 'suspended'].includes(machine.runState)) {
      // Migrating out of e.g. restore-vm aborts QEMU 7.2.
      throw new ProtocolError('WrongState', `The speed limit cannot be changed while the guest is ${machine.runState}; reset it first (system_reset).`);
    }
    if (snapshots.running > 0) throw new ProtocolError('WrongState', 'A snapshot job is running; change the speed limit when it has concluded.');
    const wasRunning = machine.runState === 'running';
    const previous = qemu.speedLimit;
    const previousSticky = qemu.icountSticky;
    qemu.speedLimit = preset;
    if (preset !== undefined) qemu.icountSticky = true;
    if (machine.runState === 'prelaunch') {
      // Nothing ran yet, so no icount state has to be carried over.
      qemu.icountSticky = preset !== undefined;
      await qemu.relaunch('tcg', false);
      return;
    }
    const file = join(machine.config.stateDir ?? machine.config.runtimeDir, `qemu-speed-${process.pid}.state`);
    try {
      // The vdagent chardev blocks migration; the new QEMU starts without the port and gets it back after.
      if (clipboard.enabled) await clipboard.detach('the speed limit is being changed');
      if (wasRunning) await machine.call('stop');
      await machine.call('migrate', { uri: `exec:cat > '${file.replaceAll("'", "'\\''")}'` });
      const deadline = Date.now() + 120_000;
      for (;;) {
        const info = await machine.call<{ status?: string; 'error-desc'?: string }>('query-migrate');
        if (info.status === 'completed') break;
        if (info.status === 'failed' || info.status === 'cancelled') throw new ProtocolError('GenericError', `saving the machine state failed: ${info['error-desc'] ?? info.status}`);
        if (Date.now() > deadline) throw new ProtocolError('GenericError', 'saving the machine state took over 2 minutes');
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    } catch (error) {
      qemu.speedLimit = previous;
      qemu.icountSticky = previousSticky;
      if (wasRunning) await machine.call('cont').catch(() => undefined);
      if (clipboard.enabled && !clipboard.attached) await clipboard.attach('changing the speed limit failed');
      throw qmpFailure(error);
    }
    try {
      await qemu.relaunch('tcg', false, ['-incoming', 'defer']);
      await machine.call('migrate-incoming', { uri: `exec:cat '${file.replaceAll("'", "'\\''")}'` });
      const deadline = Date.now() + 120_000;
      for (;;) {
        const info = await machine.call<{ status?: string; 'error-desc'?: string }>('query-migrate');
        if (info.status === 'completed') break;
        if (info.status === 'failed') throw new ProtocolError('GenericError', `restoring the machine state failed: ${info['error-desc'] ?? 'unknown error'}`);
        if (Date.now() > deadline) throw new ProtocolError('GenericError', 'restoring the machine state took over 2 minutes');
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      machine.runState = (await machine.call<{ status: RunStateName }>('query-status')).status;
      if (clipboard.enabled) await clipboard.attach('the speed limit was changed');
      if (wasRunning) await machine.resume();
    } finally {
      rmSync(file, { force: true });
    }
  }

  machine.addHandlers({
    'set-speed-limit': async (args: EngineArgs<'set-speed-limit'>) => {
      if (machine.session?.accelerator === 'kvm') {
        throw new ProtocolError('NotSupported', 'This machine runs under KVM, which runs at host speed and cannot be limited. Force TCG in the machine settings to use a speed limit.');
      }
      const preset = args.mips === 0 ? undefined : icountPreset(args.mips);
      if (preset?.shift !== qemu.speedLimit?.shift) await applySpeedLimit(preset);
      return { mips: preset?.mips ?? 0 };
    },
    'query-speed-limit': () => ({ mips: qemu.speedLimit?.mips ?? 0 }),
  });
}
