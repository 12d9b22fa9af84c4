/**
 * Clipboard through a guest agent: on QEMU, the qemu-vdagent chardev (guest runs
 * spice-vdagent) with text carried by VNC extended-clipboard messages. Opt-in per machine;
 * engines without an agent (v86) answer query-clipboard with `enabled: false` and clipboard-set
 * with NotSupported. Without an agent the clipboard still works one way by other paths: typing
 * host text as keys, copying the screen's text, and the serial console.
 */
import { command, event } from '../definitions.js';
import type { ClipboardModeName, EngineKindName } from '../enums.js';
import { s } from '../schema.js';

/**
 * The shared-clipboard modes each engine can carry out: QEMU has an agent channel, v86 none (it
 * has no virtio-serial device, so "off" is its only mode). query-engine reports the same as
 * `clipboard-agent`.
 */
export const engineClipboardModes: Readonly<Record<EngineKindName, readonly ClipboardModeName[]>> = {
  qemu: ['off', 'host-to-guest', 'guest-to-host', 'bidirectional'],
  v86: ['off'],
};

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
      attached: s.required(s.boolean(), 'False while the agent port is detached (around snapshot jobs). Says nothing about the guest.'),
      connected: s.optional(s.boolean(), 'True once an agent in the guest has answered (a guest program such as spice-vdagentd opened the port); false while none has. Absent from engines before 0.7: treat as false.'),
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
    doc: 'The clipboard agent channel was detached (before a snapshot job) or re-attached (after it), or the guest\'s agent opened or closed it.',
    since: '0.1',
    data: s.object({ attached: s.required(s.boolean()), connected: s.optional(s.boolean(), 'Whether an agent in the guest holds the channel open.'), reason: s.required(s.string()) }),
  }),
} as const;
