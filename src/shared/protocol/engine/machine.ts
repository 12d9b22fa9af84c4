/**
 * Machine-wide controls that are Hangar additions: the speed limit and the serial console.
 */
import { command, event } from '../definitions.js';
import { s } from '../schema.js';
import { serialPorts } from '../enums.js';

export const machineCommands = {
  'set-speed-limit': command({
    doc: 'Caps guest speed near `mips` million instructions per second; 0 removes the cap. Guest clocks stay correct. QEMU applies it through -icount presets under TCG and refuses it under KVM.',
    since: '0.1',
    args: s.object({ mips: s.required(s.integer({ min: 0, max: 100000 })) }),
    returns: s.object({ mips: s.required(s.integer({ min: 0 }), 'The limit in force (QEMU rounds to its nearest preset).') }),
    errors: [{ class: 'NotSupported', when: 'the accelerator cannot limit speed (KVM)' }],
  }),
  'query-speed-limit': command({
    doc: 'Reports the speed limit and the measured guest speed.',
    since: '0.1',
    args: s.object({}),
    returns: s.object({
      mips: s.required(s.integer({ min: 0 }), '0 when unlimited.'),
      'measured-mips': s.optional(s.number({ min: 0 }), 'Guest speed over the last second, when the engine can measure it.'),
    }),
  }),
  'serial-write': command({
    doc: 'Sends bytes to the guest\'s serial port COM1.',
    since: '0.1',
    args: s.object({
      data: s.required(s.string({ maxLength: 1 << 20 })),
      format: s.optional(s.enumeration(['utf8', 'base64'] as const), 'Encoding of `data`; default utf8.'),
    }),
    returns: s.object({ written: s.required(s.integer({ min: 0 })) }),
  }),
} as const;

export const machineEvents = {
  SERIAL_OUTPUT: event({
    doc: 'Bytes the guest wrote to COM1 (batched; base64).',
    since: '0.1',
    data: s.object({ port: s.required(s.enumeration(serialPorts), 'The port, spelled as in `serialPorts` (src/shared/protocol/enums.ts).'), data: s.required(s.string(), 'Base64 of the bytes.') }),
  }),
} as const;
