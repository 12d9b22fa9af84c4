/**
 * Clipboard through a guest agent: on QEMU, the qemu-vdagent chardev (guest runs
 * spice-vdagent) with text carried by VNC extended-clipboard messages. Opt-in per machine;
 * engines without an agent answer NotSupported.
 */
import { command, event } from '../definitions.js';
import { s } from '../schema.js';

export const clipboardCommands = {
  'clipboard-set': command({
    doc: 'Puts text on the guest\'s clipboard through the guest agent (host → guest copy).',
    since: '0.1',
    args: s.object({ text: s.required(s.string({ maxLength: 1 << 20 }), 'UTF-8 text to offer the guest.') }),
    returns: s.object({}),
    errors: [
      { class: 'NotSupported', when: 'the machine has no clipboard agent (enable it in the machine settings; QEMU only)' },
      { class: 'WrongState', when: 'the agent is detached for a snapshot job; retry when the job has concluded' },
    ],
  }),
  'query-clipboard': command({
    doc: 'Reports whether the clipboard agent channel is attached and the last text the guest copied.',
    since: '0.1',
    args: s.object({}),
    returns: s.object({
      enabled: s.required(s.boolean(), 'True when the machine was started with the clipboard agent.'),
      attached: s.required(s.boolean(), 'False while the agent is detached (around snapshot jobs).'),
      text: s.optional(s.string(), 'The last text the guest offered, when there is one.'),
    }),
  }),
} as const;

export const clipboardEvents = {
  CLIPBOARD_CHANGED: event({
    doc: 'The guest copied text (guest → host copy through the agent).',
    since: '0.1',
    data: s.object({ text: s.required(s.string(), 'The copied text.') }),
  }),
  CLIPBOARD_AGENT: event({
    doc: 'The clipboard agent channel was detached (before a snapshot job) or re-attached (after it).',
    since: '0.1',
    data: s.object({ attached: s.required(s.boolean()), reason: s.required(s.string()) }),
  }),
} as const;
