/**
 * The app API's `vm.*` commands: a running machine (start, power, media, input, screen, serial, clipboard, speed).
 */
import { command } from '../definitions.js';
import { s } from '../schema.js';
import { clipboardModes } from '../enums.js';
import { byId, empty, id, MachineView, png, slot } from './views.js';

export const vmCommands = {
  'vm.start': command({
    doc: 'Starts the machine\'s engine and runs the guest.',
    since: '0.1',
    args: byId,
    returns: MachineView,
    errors: [
      { class: 'Conflict', when: 'the machine is already running' },
      { class: 'EngineFailed', when: 'the engine could not start (the reason is in desc)' },
      { class: 'Timeout', when: 'the engine did not answer in time' },
      { class: 'Unavailable', when: 'a hard disk is damaged or does not match its stored format; nothing is written to it and desc names the check to run (machines.check-disk)' },
    ],
  }),
  'vm.pause': command({ doc: 'Pauses the guest.', since: '0.1', args: byId, returns: empty }),
  'vm.resume': command({ doc: 'Resumes a paused guest.', since: '0.1', args: byId, returns: empty }),
  'vm.reset': command({ doc: 'Resets the guest (like the reset button). A guest that powered itself off boots again.', since: '0.1', args: byId, returns: empty }),
  'vm.powerdown': command({ doc: 'Asks the guest to shut down (ACPI power button).', since: '0.1', args: byId, returns: empty }),
  'vm.poweroff': command({ doc: 'Stops the engine at once (pulling the plug).', since: '0.1', args: byId, returns: empty }),
  'vm.status': command({
    doc: 'The engine\'s run state (QEMU RunState) of a running machine.',
    since: '0.1',
    args: byId,
    returns: s.object({ status: s.required(s.string()), running: s.required(s.boolean()) }),
    errors: [{ class: 'Unavailable', when: 'the machine is not running' }],
  }),
  'vm.eject': command({
    doc: 'Ejects the media in a slot of a running machine.',
    since: '0.1',
    args: s.object({ id: s.required(id), slot: s.required(slot), force: s.optional(s.boolean()) }),
    returns: empty,
  }),
  'vm.insert': command({
    doc: 'Inserts a media file in a slot of a running machine.',
    since: '0.1',
    args: s.object({ id: s.required(id), slot: s.required(slot), path: s.required(s.string({ minLength: 1 })) }),
    returns: empty,
  }),
  'vm.send-keys': command({
    doc: 'Presses a key combination (QKeyCode names, e.g. ["ctrl","alt","delete"]).',
    since: '0.1',
    args: s.object({ id: s.required(id), keys: s.required(s.array(s.string({ minLength: 1 }), { maxItems: 16 })) }),
    returns: empty,
  }),
  'vm.type-text': command({
    doc: 'Types a string as keystrokes.',
    since: '0.1',
    args: s.object({ id: s.required(id), text: s.required(s.string({ maxLength: 65536 })) }),
    returns: s.any(),
  }),
  'vm.screenshot': command({
    doc: 'A PNG of the guest screen, base64.',
    since: '0.1',
    args: byId,
    returns: s.object({ png: s.required(s.string(), 'Base64 of the PNG.') }),
  }),
  'vm.execute': command({
    doc: 'Runs any engine protocol command on a running machine (QMP name and arguments).',
    since: '0.1',
    args: s.object({ id: s.required(id), command: s.required(s.string({ minLength: 1 })), arguments: s.optional(s.record(s.any())) }),
    returns: s.any(),
  }),
  'vm.speed-limit': command({
    doc: 'Caps the guest\'s speed in MIPS (0: no limit) and stores it in the machine\'s configuration; applied at once when running.',
    since: '0.2',
    args: s.object({ id: s.required(id), mips: s.required(s.integer({ min: 0, max: 100000 })) }),
    returns: empty,
  }),
  'vm.clipboard-mode': command({
    doc: 'Sets the machine\'s clipboard sharing mode (stored; a running QEMU machine picks up on/off at its next start).',
    since: '0.2',
    args: s.object({ id: s.required(id), mode: s.required(s.enumeration(clipboardModes)) }),
    returns: empty,
    errors: [{ class: 'NotSupported', when: 'a mode other than off on an engine without a clipboard agent (v86)' }],
  }),
  'vm.thumbnail': command({
    doc: 'A small PNG of the guest screen (for a live thumbnail).',
    since: '0.2',
    args: s.object({ id: s.required(id), maxWidth: s.optional(s.integer({ min: 16, max: 4096 }), 'Widest thumbnail wanted; default 160.') }),
    returns: png,
    errors: [{ class: 'Unavailable', when: 'the machine is not running' }],
  }),
  'vm.serial-write': command({
    doc: 'Sends bytes to a running machine\'s serial port COM1 (what the guest reads from its serial console).',
    since: '0.3',
    args: s.object({
      id: s.required(id),
      data: s.required(s.string({ maxLength: 1 << 20 })),
      format: s.optional(s.enumeration(['utf8', 'base64'] as const), 'Encoding of `data`; default utf8.'),
    }),
    returns: s.object({ written: s.required(s.integer({ min: 0 }), 'Bytes sent.') }),
    errors: [
      { class: 'Unavailable', when: 'the machine is not running' },
      { class: 'InvalidArgument', when: 'data is not valid base64 (format "base64")' },
    ],
  }),
  'vm.serial-backlog': command({
    doc: 'The recent output of a machine\'s serial port COM1 (the last 64 KiB since its engine started), so a console opened later shows it; SERIAL_OUTPUT events carry what follows. Empty for a machine that never ran in this app session.',
    since: '0.3',
    args: byId,
    returns: s.object({ data: s.required(s.string(), 'Base64 of the bytes.') }),
    errors: [{ class: 'NotFound', when: 'no such machine' }],
  }),
} as const;
