/**
 * Core commands and events of the engine protocol: capabilities, version, run state and
 * power, display queries, input.
 */
import { command, event } from '../definitions.js';
import { s } from '../schema.js';
import { EngineKind, InputEvent, KeyValue, RunState } from './types.js';

const empty = s.object({});

export const coreCommands = {
  qmp_capabilities: command({
    doc: 'Leaves capabilities-negotiation mode. Until this is sent, every other command answers CommandNotFound.',
    since: '0.1',
    args: s.object({ enable: s.optional(s.array(s.string(), { maxItems: 16 }), 'Capabilities to enable; none are offered.') }),
    returns: empty,
  }),
  'query-version': command({
    doc: 'Reports the engine version in QEMU\'s shape. For the v86 backend `qemu` holds Hangar\'s version; `package` names the emulator.',
    since: '0.1',
    args: empty,
    returns: s.object({
      qemu: s.required(s.object({ major: s.required(s.integer()), minor: s.required(s.integer()), micro: s.required(s.integer()) })),
      package: s.required(s.string()),
    }),
  }),
  'query-commands': command({
    doc: 'Lists the commands this engine accepts.',
    since: '0.1',
    args: empty,
    returns: s.array(s.object({ name: s.required(s.string()) })),
  }),
  'query-engine': command({
    doc: 'Describes the engine backend: which emulator, its version, and the accelerator in use.',
    since: '0.1',
    args: empty,
    returns: s.object({
      engine: s.required(EngineKind),
      version: s.required(s.string(), 'Version of the emulator (v86 npm package, or QEMU).'),
      accelerator: s.required(s.enumeration(['v86-jit', 'v86-interpreter', 'tcg', 'kvm'] as const)),
      'accelerator-reason': s.optional(s.string(), 'Why QEMU runs on TCG rather than KVM (KVM missing, found unusable, a speed limit, or chosen); absent under KVM and on v86.'),
      'clipboard-agent': s.optional(s.boolean(), 'The engine can carry a guest clipboard agent (QEMU: qemu-vdagent); false on v86, whose only clipboard mode is off.'),
      'memory-mib': s.required(s.integer()),
      'qmp-socket': s.optional(s.string(), 'Path of the QMP UNIX socket, when one is open.'),
    }),
  }),
  'query-status': command({
    doc: 'Reports the run state of the virtual machine.',
    since: '0.1',
    args: empty,
    returns: s.object({
      status: s.required(RunState),
      running: s.required(s.boolean()),
      singlestep: s.optional(s.boolean()),
    }),
    example: { returns: { status: 'running', running: true } },
  }),
  stop: command({
    doc: 'Pauses the guest. Emits STOP. Pausing a paused guest succeeds and does nothing.',
    since: '0.1',
    args: empty,
    returns: empty,
    errors: [{ class: 'WrongState', when: 'the guest is shut down or has faulted' }],
  }),
  cont: command({
    doc: 'Resumes a paused (or not yet started) guest. Emits RESUME.',
    since: '0.1',
    args: empty,
    returns: empty,
    errors: [{ class: 'WrongState', when: 'the guest is shut down or faulted: reset it first' }],
  }),
  system_reset: command({
    doc: 'Resets the guest as the reset button would. Emits RESET, and answers once the reset has happened (QEMU resets after its own reply). A shut-down guest is reset and left paused until `cont`.',
    since: '0.1',
    args: empty,
    returns: empty,
  }),
  system_powerdown: command({
    doc: 'Presses the ACPI power button so the guest can shut down cleanly. Emits POWERDOWN.',
    since: '0.1',
    args: empty,
    returns: empty,
    errors: [{ class: 'NotSupported', when: 'the backend has no ACPI power button (v86)' }],
  }),
  quit: command({
    doc: 'Stops the engine: the guest is powered off immediately and the process exits after replying.',
    since: '0.1',
    args: empty,
    returns: empty,
  }),
  screendump: command({
    doc: 'Writes the guest screen to a PNG file (text mode is rendered with the guest\'s font).',
    since: '0.1',
    args: s.object({
      filename: s.required(s.string({ minLength: 1, maxLength: 4096 }), 'Absolute path of the file to write.'),
      device: s.optional(s.string()),
      head: s.optional(s.integer({ min: 0, max: 0 })),
      format: s.optional(s.enumeration(['png', 'ppm'] as const), 'Image format; default png.'),
    }),
    returns: empty,
    errors: [{ class: 'GenericError', when: 'the file cannot be written' }],
  }),
  'query-screen-text': command({
    doc: 'Reads the text-mode screen as lines of text. In graphics mode `mode` is "graphics" and `lines` is empty.',
    since: '0.1',
    args: empty,
    returns: s.object({
      mode: s.required(s.enumeration(['text', 'graphics', 'off'] as const)),
      cols: s.required(s.integer(), 'Text columns (0 in graphics mode).'),
      rows: s.required(s.integer(), 'Text rows (0 in graphics mode).'),
      width: s.required(s.integer(), 'Screen width in pixels.'),
      height: s.required(s.integer(), 'Screen height in pixels.'),
      lines: s.required(s.array(s.string()), 'One string per row, trailing spaces removed.'),
      cursor: s.required(
        s.object({ row: s.required(s.integer()), col: s.required(s.integer()), visible: s.required(s.boolean()) }),
      ),
    }),
  }),
  'input-send-event': command({
    doc: 'Sends input events to the guest: keys (QKeyCode), mouse buttons, relative and absolute pointer motion.',
    since: '0.1',
    args: s.object({
      device: s.optional(s.string()),
      head: s.optional(s.integer()),
      events: s.required(s.array(InputEvent, { maxItems: 1024 })),
    }),
    returns: empty,
    errors: [{ class: 'GenericError', when: 'a key name is unknown, or absolute pointing is not available' }],
  }),
  'send-key': command({
    doc: 'Presses the given keys together, holds them, then releases them in reverse order.',
    since: '0.1',
    args: s.object({
      keys: s.required(s.array(KeyValue, { maxItems: 16 })),
      'hold-time': s.optional(s.integer({ min: 0, max: 10000 }), 'Milliseconds to hold the keys; default 100.'),
    }),
    returns: empty,
  }),
  'input-type-text': command({
    doc:
      'Types a string as keystrokes (paste-as-typing; US layout). Printable ASCII, newline (Enter) and tab are typed; other characters are skipped and counted. Replies once every key has been sent.',
    since: '0.1',
    args: s.object({
      text: s.required(s.string({ maxLength: 65536 })),
      'delay-ms': s.optional(s.integer({ min: 0, max: 1000 }), 'Pause between characters; default 10.'),
    }),
    returns: s.object({ typed: s.required(s.integer()), skipped: s.required(s.integer()) }),
  }),
} as const;

export const coreEvents = {
  STOP: event({ doc: 'The guest was paused. Call query-status for the reason (QEMU\'s STOP carries none).', since: '0.1', data: s.object({}) }),
  RESUME: event({ doc: 'The guest resumed running.', since: '0.1', data: s.object({}) }),
  RESET: event({
    doc: 'The guest was reset.',
    since: '0.1',
    data: s.object({ guest: s.required(s.boolean(), 'True when the guest asked for it.'), reason: s.required(s.string()) }, { allowUnknown: true }),
  }),
  SHUTDOWN: event({
    doc: 'The guest powered off (status becomes `shutdown`; the engine stays up).',
    since: '0.1',
    data: s.object({ guest: s.required(s.boolean()), reason: s.required(s.string()) }, { allowUnknown: true }),
  }),
  POWERDOWN: event({ doc: 'The ACPI power button was pressed.', since: '0.1', data: s.object({}) }),
  ENGINE_ERROR: event({
    doc: 'The emulator faulted or the engine gave up; `reason` says what happened and what to do.',
    since: '0.1',
    data: s.object({ reason: s.required(s.string()), fatal: s.required(s.boolean(), 'True when the engine is about to exit.') }),
  }),
} as const;
