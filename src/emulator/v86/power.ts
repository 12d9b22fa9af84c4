/**
 * Run state and power: query-status, stop, cont, system_reset, system_powerdown; guest power-off
 * (ACPI SLP_EN written to PM1a control, port 0xB004) and faults of v86's run loop.
 */
import { ProtocolError } from '../backend.js';
import { pauseProblem } from '../common/run-state.js';
import type { V86Emulator } from './internals.js';
import type { V86Machine } from './machine.js';

/** PM1a control port of v86's ACPI device, and its sleep-enable bit. */
export const PM1A_CONTROL_PORT = 0xb004;
export const SLP_EN = 0x2000;

function errorText(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/** Powers the guest off as a guest power-off does: CPU stopped, status `shutdown`, SHUTDOWN + STOP. */
function guestPoweredOff(machine: V86Machine): void {
  if (machine.status() === 'shutdown') return;
  const inner = machine.emulator.v86;
  // Called from inside the CPU's port write: ask the run loop to stop after this slice.
  inner.stop();
  machine.emit('SHUTDOWN', { guest: true, reason: 'guest-shutdown' });
  machine.setStatus('shutdown', true);
}

function watchPowerOff(machine: V86Machine, emulator: V86Emulator): void {
  const ports = emulator.v86.cpu.io.ports;
  const control = ports[PM1A_CONTROL_PORT];
  const controlHigh = ports[PM1A_CONTROL_PORT + 1];
  if (!control || !controlHigh) {
    machine.host.log('v86: ACPI PM1a control port missing; guest power-off will not be detected');
    return;
  }
  const write16 = control.write16;
  control.write16 = function (this: unknown, value: number): void {
    write16.call(this, value);
    if (value & SLP_EN) guestPoweredOff(machine);
  };
  const write8 = controlHigh.write8;
  controlHigh.write8 = function (this: unknown, value: number): void {
    write8.call(this, value);
    if (value & (SLP_EN >> 8)) guestPoweredOff(machine);
  };
}

function catchFaults(machine: V86Machine, emulator: V86Emulator): void {
  const inner = emulator.v86;
  const tick = inner.do_tick.bind(inner);
  // v86 runs slices from timers; a throw there would be an uncaught exception in the engine.
  inner.do_tick = (): void => {
    try {
      tick();
    } catch (error) {
      machine.fault(errorText(error));
    }
  };
}

/**
 * Reports resets the guest asks for (keyboard controller 0xFE, PCI reset register): v86 reboots
 * silently, QEMU emits RESET with `guest: true`. Returns a function that runs a host reset
 * without reporting it as the guest's.
 */
function watchGuestReset(machine: V86Machine, emulator: V86Emulator): (work: () => void) => void {
  const cpu = emulator.v86.cpu as unknown as { reboot_internal: () => void };
  const reboot = cpu.reboot_internal.bind(cpu);
  let hostReset = false;
  cpu.reboot_internal = (): void => {
    reboot();
    if (!hostReset) machine.emit('RESET', { guest: true, reason: 'guest-reset' });
  };
  return (work) => {
    hostReset = true;
    try {
      work();
    } finally {
      hostReset = false;
    }
  };
}

/** Installs run-state handlers, power-off detection, guest reset reporting and fault catching. */
export function installPower(machine: V86Machine): void {
  let hostReset: (work: () => void) => void = (work) => work();
  machine.onCreated((emulator) => {
    watchPowerOff(machine, emulator);
    hostReset = watchGuestReset(machine, emulator);
    catchFaults(machine, emulator);
  });
  machine.addHandlers({
    'query-status': () => ({ status: machine.status(), running: machine.running, singlestep: false }),
    stop: async () => {
      const state = machine.status();
      const problem = pauseProblem(state);
      if (problem !== undefined) throw new ProtocolError('WrongState', problem);
      if (state === 'running') await machine.pause('paused');
      else if (state === 'prelaunch') machine.setStatus('paused');
      return {};
    },
    cont: async () => {
      await machine.resume();
      return {};
    },
    system_reset: async () => {
      const state = machine.status();
      const emulator = machine.emulator;
      if (state === 'shutdown' || state === 'internal-error') {
        // Reset needs a quiet CPU; the guest stays paused until cont, as QEMU's -no-shutdown does.
        await machine.haltCpu();
        hostReset(() => emulator.restart());
        machine.setStatus('paused');
      } else {
        hostReset(() => emulator.restart());
      }
      machine.emit('RESET', { guest: false, reason: 'host-qmp-system-reset' });
      return {};
    },
    system_powerdown: () => {
      throw new ProtocolError(
        'NotSupported',
        'v86 has no ACPI power button, so the guest cannot be asked to shut down. Shut it down from inside the guest, or power it off (quit).',
      );
    },
  });
}
