/**
 * Starting a machine's engine as the library describes it: its media must exist and its disks be
 * usable, and its engine options follow from the machine's settings.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Library, Machine } from '../../library/index.js';
import { shareFolderProblem } from '../../library/share-folders.js';
import { shareFlagText } from '../../shared/share-settings.js';
import type { Supervisor } from '../supervisor/index.js';
import { CoreError } from './core-error.js';
import { assertDisksUsable } from './disk-check.js';
import { attempt } from './lookups.js';

/** The folder a machine's engine keeps persistent state in (snapshot files, disk overlays). */
export function engineStateDir(library: Library, machineId: string): string {
  return join(library.layout.machineFolder(machineId), 'engine');
}

/** Starts a machine's engine as configured (paused: for restoring a snapshot into it). */
export async function startMachine(
  { library, supervisor }: { library: Library; supervisor: Supervisor },
  machine: Machine,
  options: { paused?: boolean } = {},
): Promise<void> {
  const mediaPath = (mediaId: string | null): string | undefined => (mediaId ? attempt(() => library.media.get(mediaId))?.path : undefined);
  const cdrom = mediaPath(machine.drives.cd0);
  const floppy = mediaPath(machine.drives.fd0);
  const disk = machine.disks[0]?.path;
  for (const [what, path] of [['CD image', cdrom], ['floppy image', floppy], ['hard disk image', disk]] as const) {
    if (path !== undefined && !existsSync(path)) {
      throw new CoreError('InvalidArgument', `The ${what} ${path} of "${machine.name}" is missing: put the file back, or change the machine's drives.`);
    }
  }
  // Checked again here: a folder may have gone away, or lost its permissions, since it was saved.
  for (const share of machine.shares) {
    const problem = shareFolderProblem(share);
    if (problem !== undefined) {
      throw new CoreError('InvalidArgument', `"${machine.name}" was not started: ${problem} Or stop sharing it: hangar modify "${machine.name}" --no-share ${share.name} (Settings → Shared folders).`);
    }
  }
  // A damaged disk is refused here, with the command that checks and repairs it (disk-check.ts).
  const repairs = await assertDisksUsable(machine);
  const stateDir = engineStateDir(library, machine.id);
  mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  const engineOptions: Record<string, unknown> = {};
  if (machine.speedLimitMips) engineOptions.speedLimitMips = machine.speedLimitMips;
  // The stored MAC goes along so the guest sees the same card on every start.
  if (machine.network.mode !== 'none') engineOptions.network = networkOption(machine.network);
  if (machine.engine === 'qemu') {
    if (machine.forceTcg) engineOptions.accelerator = 'tcg';
    if (machine.displayDevice !== 'std') engineOptions.display = machine.displayDevice;
    // The agent clipboard (qemu-vdagent) is attached only when the machine shares its clipboard.
    if (machine.clipboardMode !== 'off') engineOptions.clipboard = true;
  }
  await supervisor.start(machine.id, {
    engine: machine.engine,
    memoryMib: machine.memoryMib,
    ...(machine.engine === 'qemu' ? { cpus: machine.cpus } : {}),
    ...(cdrom ? { cdrom } : {}),
    ...(floppy ? { floppy } : {}),
    ...(disk ? { disk, diskFormat: machine.disks[0]?.format } : {}),
    boot: machine.bootOrder,
    stateDir,
    logFile: library.layout.logFile(machine.id, 'engine'),
    // The serial console setting also keeps the guest's COM1 output in logs/serial.log.
    ...(machine.serialEnabled ? { serialLogFile: library.layout.logFile(machine.id, 'serial') } : {}),
    ...(machine.shares.length > 0 ? { shares: machine.shares.map(shareFlagText) } : {}),
    ...(repairs.length > 0 ? { notes: repairs } : {}),
    ...(options.paused ? { paused: true } : {}),
    ...(Object.keys(engineOptions).length > 0 ? { options: engineOptions } : {}),
  });
}

/** The engine's `network` option from the stored settings (src/emulator/common/network-plan.ts reads it). */
export function networkOption(network: Machine['network']): Record<string, unknown> {
  return {
    mode: network.mode,
    model: network.model,
    mac: network.mac,
    connected: network.connected,
    forwards: network.forwards.map(({ protocol, hostAddress, hostPort, guestPort }) => ({ protocol, hostAddress, hostPort, guestPort })),
  };
}
