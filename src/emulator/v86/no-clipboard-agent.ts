/**
 * v86 has no guest clipboard agent (no virtio-serial device to carry one), and says so through
 * the same commands QEMU's agent answers: query-clipboard reports it absent, clipboard-set is
 * refused with what to use instead.
 */
import { ProtocolError } from '../backend.js';
import type { V86Machine } from './machine.js';

/** The sentence every agent-less answer carries: what works without an agent. */
const withoutAgent =
  'v86 has no clipboard agent. To get host text into the guest use Input → Type clipboard text (typed as keys) or the serial console; to get text out, Copy screen text (text screens) or the serial console. Switch the machine to QEMU for a shared clipboard.';

/** Installs query-clipboard (no agent) and clipboard-set (NotSupported). */
export function installNoClipboardAgent(machine: V86Machine): void {
  machine.addHandlers({
    'query-clipboard': () => ({ enabled: false, attached: false, connected: false }),
    'clipboard-set': () => {
      throw new ProtocolError('NotSupported', withoutAgent);
    },
  });
}
