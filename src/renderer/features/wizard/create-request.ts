/** What the wizard's answers ask the app core to create: the machine's configuration, its new disk and its install medium. */
import type { BootDevice, CreateMachineRequest, MediaItem } from '../../platform/models.js';
import { defaultNetwork } from '../settings/network-model.js';
import type { HardwareDraft } from './validation.js';

/** What the wizard hands to `onCreate`. */
export interface NewMachineRequest extends HardwareDraft {
  readonly mediaId: string | null;
  /** Path and kind of the chosen medium (null when none). */
  readonly mediaPath: string | null;
  readonly mediaKind: MediaItem['kind'] | null;
  readonly osId: string | null;
  readonly startAfterCreate: boolean;
  /** Whether the machine's serial port COM1 shows in a console tab of its window. */
  readonly serialConsole: boolean;
}

/** Boot order for the chosen medium: a CD first, else a floppy first, else the disk. */
function bootOrder(request: NewMachineRequest): BootDevice[] {
  if (request.mediaKind === 'cdrom') return ['cdrom', 'disk'];
  return request.mediaPath ? ['floppy', 'disk'] : ['disk', 'cdrom'];
}

/** The `createMachine` request for the wizard's answers (defaults for what the wizard does not ask). */
export function createRequest(request: NewMachineRequest): CreateMachineRequest {
  return {
    config: {
      name: request.name,
      osId: request.osId ?? 'other',
      engine: request.engine,
      memoryMiB: request.memoryMiB,
      cpus: request.cpus,
      bootOrder: bootOrder(request),
      forceTcg: false,
      speedLimitMips: 0,
      displayDevice: 'std',
      scaling: 'fit',
      drives: [],
      serial: request.serialConsole ? 'console' : 'off',
      clipboard: 'off',
      // NAT, as every new machine (issue 14): the guest reaches the outside network at once.
      network: defaultNetwork,
      shares: [],
    },
    diskMiB: request.diskMiB,
    ...(request.mediaPath && request.mediaKind === 'cdrom' ? { cdromPath: request.mediaPath } : {}),
    ...(request.mediaPath && request.mediaKind !== 'cdrom' ? { floppyPath: request.mediaPath } : {}),
  };
}
