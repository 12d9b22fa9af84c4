/**
 * Drives and removable media: query-block (QEMU's block devices mapped to the machine's drives),
 * eject and blockdev-change-medium for the CD and floppy drives, with the CD's change made
 * readable to BIOS-based readers (secondaryChannelReset).
 */
import type { EngineReturn } from '../../shared/protocol/engine/index.js';
import { ProtocolError } from '../backend.js';
import { checkRemovableMedium } from '../common/medium.js';
import type { DriveInfo } from './arguments.js';
import type { QemuMachine } from './machine.js';

/**
 * HMP line that soft-resets the secondary IDE channel (PIIX legacy control register 0x376:
 * SRST | the obsolete always-one bit), where cd0 is the only device (arguments.ts).
 *
 * Why: after a medium change QEMU's ide-cd answers the guest's next commands with NOT READY, then
 * UNIT ATTENTION, and keeps failing every later read until the guest sends REQUEST SENSE.
 * SeaBIOS never does, so anything reading the CD through the BIOS (GRUB's `(cd)`, DOS int 13h
 * boot media) reads nothing but errors ("unknown filesystem") until a power cycle. The reset
 * clears that sticky state; the drive's media-event flag (GET EVENT STATUS NOTIFICATION), which
 * Linux and Windows poll to notice a new disc, survives it. QEMU ends the reset on its own.
 */
export const secondaryChannelReset = 'o /b 0x376 0x0c';

/** QEMU reports the QOM path for some devices; the protocol uses the qdev id. */
export function qdevId(id: string): string {
  const match = /\/machine\/peripheral\/([^/]+)/.exec(id);
  return match?.[1] ?? id;
}

function driveId(machine: QemuMachine, args: { id?: string; device?: string }): DriveInfo {
  const id = args.id ?? args.device;
  if (id === undefined) throw new ProtocolError('GenericError', 'Name the drive with "id" (cd0, fd0).');
  const drive = machine.drives.find((entry) => entry.id === id || entry.backend === id);
  if (drive === undefined) throw new ProtocolError('DeviceNotFound', `No drive has id "${id}"; this machine has ${machine.drives.map((entry) => entry.id).join(', ')}.`);
  return drive;
}

async function queryBlock(machine: QemuMachine): Promise<EngineReturn<'query-block'>> {
  type QemuBlock = {
    device: string;
    qdev?: string;
    removable: boolean;
    locked: boolean;
    tray_open?: boolean;
    'io-status'?: 'ok' | 'failed' | 'nospace';
    inserted?: { file: string; ro: boolean; drv: string; image?: { 'virtual-size'?: number } };
  };
  const blocks = await machine.call<QemuBlock[]>('query-block');
  return blocks.flatMap((block) => {
    const drive = machine.drives.find((entry) => entry.backend === block.device || entry.id === qdevId(block.qdev ?? ''));
    if (drive === undefined) return [];
    return [
      {
        device: block.device,
        qdev: drive.id,
        type: drive.type,
        removable: block.removable,
        locked: block.locked,
        ...(block.tray_open === undefined ? {} : { tray_open: block.tray_open }),
        ...(block['io-status'] === undefined ? {} : { 'io-status': block['io-status'] }),
        ...(block.inserted === undefined
          ? {}
          : {
              inserted: {
                file: block.inserted.file,
                ro: block.inserted.ro,
                drv: block.inserted.drv,
                ...(block.inserted.image?.['virtual-size'] === undefined ? {} : { 'virtual-size': block.inserted.image['virtual-size'] }),
              },
            }),
      },
    ];
  });
}

/** Adds query-block, eject and blockdev-change-medium. */
export function installMedia(machine: QemuMachine): void {
  machine.addHandlers({
    'query-block': () => queryBlock(machine),
    eject: async (args) => {
      const drive = driveId(machine, args);
      if (drive.type === 'disk') throw new ProtocolError('GenericError', `Drive ${drive.id} is a hard disk, which is not removable.`);
      await machine.call('eject', { id: drive.id, force: args.force ?? false });
      return {};
    },
    'blockdev-change-medium': async (args) => {
      const drive = driveId(machine, args);
      if (drive.type === 'disk') throw new ProtocolError('GenericError', `Drive ${drive.id} is a hard disk; media can only be changed in CD and floppy drives.`);
      try {
        checkRemovableMedium(args.filename, drive.id === 'cd0' ? 'cd0' : 'fd0');
      } catch (error) {
        throw new ProtocolError('GenericError', (error as Error).message);
      }
      await machine.call('blockdev-change-medium', {
        id: drive.id,
        filename: args.filename,
        format: args.format ?? 'raw',
        ...(args['read-only-mode'] === undefined ? {} : { 'read-only-mode': args['read-only-mode'] }),
      });
      if (drive.type === 'cdrom') {
        // HMP answers text: empty when the port write happened, the reason otherwise.
        const answer = await machine.call<string>('human-monitor-command', { 'command-line': secondaryChannelReset });
        machine.host.log(`qemu: ${drive.id} now holds ${args.filename}; ${answer.trim() ? `the IDE channel reset failed: ${answer.trim()}` : 'secondary IDE channel reset so BIOS readers see the new disc'}`);
      }
      return {};
    },
  });
}
