/**
 * The events the app core pushes to every connected shell.
 */
import { event } from '../definitions.js';
import { s } from '../schema.js';
import { machineState } from './views.js';

export const apiEvents = {
  MACHINE_STATE: event({
    doc: 'A machine\'s run state changed (started, paused, resumed, stopped, crashed with a reason).',
    since: '0.1',
    data: s.object({ id: s.required(s.string()), state: s.required(machineState), reason: s.optional(s.string()) }),
  }),
  LIBRARY_CHANGED: event({
    doc: 'A library row changed (machine, media, snapshot, setting).',
    since: '0.1',
    data: s.object({
      entity: s.required(s.string()),
      action: s.required(s.string()),
      id: s.optional(s.string()),
      machineId: s.optional(s.string()),
    }),
  }),
  PROGRESS: event({
    doc: 'How far a long operation is (snapshot take/restore, disk creation): fraction 0..1; done once at the end, with error when it failed.',
    since: '0.2',
    data: s.object({
      machineId: s.optional(s.string()),
      operation: s.required(s.string(), 'snapshot-take, snapshot-restore, snapshot-delete, disk-create or send-files.'),
      fraction: s.required(s.number({ min: 0, max: 1 })),
      done: s.required(s.boolean()),
      error: s.optional(s.string()),
    }),
  }),
  SERIAL_OUTPUT: event({
    doc: 'Bytes a running machine\'s guest wrote to its serial port COM1 (batched). vm.serial-backlog gives what came before.',
    since: '0.3',
    data: s.object({ id: s.required(s.string(), 'The machine id.'), data: s.required(s.string(), 'Base64 of the bytes.') }),
  }),
} as const;
