/** Refuses a shared-clipboard mode the machine's engine cannot carry out (v86 has no clipboard agent). */
import type { ClipboardModeName, EngineKindName } from '../../shared/protocol/enums.js';
import { engineClipboardModes } from '../../shared/protocol/engine/clipboard.js';
import { CoreError } from './core-error.js';

/** Throws NotSupported, with what works instead, when `engine` has no clipboard `mode`. */
export function assertClipboardMode(engine: EngineKindName, mode: ClipboardModeName, name: string): void {
  if (engineClipboardModes[engine].includes(mode)) return;
  throw new CoreError(
    'NotSupported',
    `${engine} has no clipboard agent, so "${name}" can only have the shared clipboard off. Without an agent, type text into the guest (hangar control "${name}" type …), copy its screen text, or use the serial console; or switch the machine to QEMU.`,
  );
}
