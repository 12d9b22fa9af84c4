/**
 * Shared types of the engine protocol: run states, error classes, input events.
 * Names and shapes follow QEMU's QAPI where QEMU has the concept.
 */
import { s } from '../schema.js';
import { engineKinds } from '../enums.js';

/** QEMU's RunState values (QAPI `RunState`). */
export const runStates = [
  'debug',
  'inmigrate',
  'internal-error',
  'io-error',
  'paused',
  'postmigrate',
  'prelaunch',
  'finish-migrate',
  'restore-vm',
  'running',
  'save-vm',
  'shutdown',
  'suspended',
  'watchdog',
  'guest-panicked',
  'colo',
] as const;

export const RunState = s.named('RunState', s.enumeration(runStates, 'The run state of the virtual machine, as in QEMU.'));
export type RunStateName = (typeof runStates)[number];

/**
 * Error classes. The first five are QMP's own; the rest are Hangar's additions, used only where
 * a client can act differently on them.
 */
export const errorClasses = [
  'GenericError',
  'CommandNotFound',
  'DeviceNotActive',
  'DeviceNotFound',
  'KVMMissingCap',
  /** The command is valid but not in the current run state (for example `cont` while shut down). */
  'WrongState',
  /** The engine backend cannot do this at all (for example an ACPI power button on v86). */
  'NotSupported',
] as const;
export type ErrorClass = (typeof errorClasses)[number];

export const EngineKind = s.named('EngineKind', s.enumeration(engineKinds, 'Which emulator backend runs the guest.'));

/** Mouse buttons (QAPI `InputButton`). */
export const InputButton = s.named(
  'InputButton',
  s.enumeration(['left', 'middle', 'right', 'wheel-up', 'wheel-down', 'side', 'extra', 'wheel-left', 'wheel-right'] as const),
);

/** A key: a QKeyCode name or a raw number (XT scancode, as QEMU's `number` key type). */
export const KeyValue = s.named(
  'KeyValue',
  s.union('type', {
    qcode: s.object({ data: s.required(s.string({ maxLength: 32 }), 'A QKeyCode name such as "a", "ret", "ctrl", "f1".') }),
    number: s.object({ data: s.required(s.integer({ min: 0, max: 0xffff }), 'An XT scancode; 0xE0-prefixed keys as 0xE0xx.') }),
  }),
  'A key, named by QKeyCode or given as a scancode number (QAPI `KeyValue`).',
);

/** One input event (QAPI `InputEvent`). */
export const InputEvent = s.named(
  'InputEvent',
  s.union('type', {
    key: s.object({
      data: s.required(s.object({ down: s.required(s.boolean()), key: s.required(KeyValue) })),
    }),
    btn: s.object({
      data: s.required(s.object({ down: s.required(s.boolean()), button: s.required(InputButton) })),
    }),
    rel: s.object({
      data: s.required(
        s.object({ axis: s.required(s.enumeration(['x', 'y'] as const)), value: s.required(s.integer({ min: -0x7fff, max: 0x7fff })) }),
      ),
    }),
    abs: s.object({
      data: s.required(
        s.object({ axis: s.required(s.enumeration(['x', 'y'] as const)), value: s.required(s.integer({ min: 0, max: 0x7fff })) }),
      ),
    }),
  }),
  'An input event: key press/release, mouse button, relative motion, or absolute position (axes 0..0x7fff).',
);
