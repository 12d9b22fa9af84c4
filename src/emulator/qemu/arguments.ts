/**
 * Builds the qemu-system-x86_64 command line for a machine: paused start, QMP and VNC on
 * UNIX sockets, no implicit devices, explicit drives with ids the protocol uses (cd0, fd0,
 * hd0), a USB tablet for absolute pointing, COM1 on a socket, optional clipboard agent and
 * speed limit.
 */
import { join } from 'node:path';
import type { MachineConfig } from '../backend.js';
import type { DriveSlotName } from '../../shared/protocol/enums.js';
import { planDevices } from '../common/device-plan.js';
import type { NetworkPlan } from '../common/network-plan.js';
import type { PlannedShare } from '../common/share-plan.js';
import { diskImageFormat } from '../disks/disk-format.js';

export type Accelerator = 'kvm' | 'tcg';

/** The display adapters a machine can have (QEMU device names in `displayDevices`). */
export type DisplayAdapter = 'std' | 'virtio' | 'qxl' | 'vmware' | 'cirrus';

const displayDevices: Record<DisplayAdapter, string> = {
  std: 'VGA',
  virtio: 'virtio-vga',
  qxl: 'qxl-vga',
  vmware: 'vmware-svga',
  cirrus: 'cirrus-vga',
};

/** Paths of the sockets QEMU serves, all inside the machine's 0700 runtime folder. */
export interface QemuSockets {
  readonly qmp: string;
  readonly vnc: string;
  readonly serial: string;
}

export function socketPaths(runtimeDir: string): QemuSockets {
  return { qmp: join(runtimeDir, 'qemu-qmp.sock'), vnc: join(runtimeDir, 'qemu-vnc.sock'), serial: join(runtimeDir, 'qemu-serial.sock') };
}

/** A drive the protocol knows, by qdev id. */
export interface DriveInfo {
  readonly id: DriveSlotName | 'hd0';
  readonly type: 'cdrom' | 'floppy' | 'disk';
  /** Block backend name (QEMU's `device` in query-block). */
  readonly backend: string;
  /** Format node name of a writable qcow2 disk (snapshot jobs address it). */
  readonly nodeName?: string;
  readonly format?: string;
}

/** Options read from MachineConfig.options that shape the command line. */
export interface LaunchOptions {
  readonly accelerator: Accelerator;
  /**
   * -icount settings, or undefined for none. `shift: 'auto'` without align lifts a limit set at
   * runtime: QEMU 7.2 cannot load an icount machine state into a QEMU without icount, and
   * `auto` is the fastest icount mode (about 2× slower than no icount on compute-bound code).
   */
  readonly icount?: { readonly shift: number | 'auto'; readonly align: boolean };
  readonly clipboard: boolean;
  /**
   * False to start with the virtio-serial controller but without the vdagent port, matching a
   * machine state saved while the port was detached (incoming migration).
   */
  readonly clipboardPort?: boolean;
  readonly display: DisplayAdapter;
  readonly tablet: boolean;
  /** The network card (common/network-plan.ts); absent or mode none: no card. */
  readonly network?: NetworkPlan;
  /** Shared folders to serve (those that can be: common/share-control.ts), with their index in the machine's list. */
  readonly shares?: readonly { readonly share: PlannedShare; readonly index: number }[];
}

/** Reads the display adapter option; unknown values are an error that lists the choices. */
export function displayAdapter(value: unknown): DisplayAdapter {
  if (value === undefined) return 'std';
  if (typeof value === 'string' && value in displayDevices) return value as DisplayAdapter;
  throw new Error(`Unknown display adapter ${JSON.stringify(value)}; choose one of ${Object.keys(displayDevices).join(', ')}.`);
}

/**
 * The format a disk image is opened with: `declared` (from the library) once its header checks
 * out, else what the header shows. Throws for a damaged qcow2 header instead of falling back to
 * raw, which would let the guest overwrite the image.
 */
export function imageFormat(path: string, declared?: 'qcow2' | 'raw'): 'qcow2' | 'raw' {
  return diskImageFormat(path, declared);
}

/** The drives a machine has: a CD and a floppy drive always (possibly empty), a disk when configured. */
export function machineDrives(config: MachineConfig): DriveInfo[] {
  const drives: DriveInfo[] = [
    { id: 'cd0', type: 'cdrom', backend: 'drive-cd0' },
    { id: 'fd0', type: 'floppy', backend: 'drive-fd0' },
  ];
  if (config.disk !== undefined) {
    const format = imageFormat(config.disk, config.diskFormat);
    drives.push({ id: 'hd0', type: 'disk', backend: 'drive-hd0', format, ...(format === 'qcow2' ? { nodeName: qcow2NodeName } : {}) });
  }
  return drives;
}

/** Node name of the writable qcow2 disk (snapshot jobs address block nodes). */
const qcow2NodeName = 'node-hd0';

/** QEMU's drive option values escape commas by doubling them. */
function escape(value: string): string {
  return value.replaceAll(',', ',,');
}

/** Builds the full argument list (without the binary) from the machine's device plan (common/device-plan.ts). */
export function buildArguments(config: MachineConfig, sockets: QemuSockets, options: LaunchOptions): string[] {
  const plan = planDevices(config);
  const args = ['-S', '-no-user-config', '-nodefaults', '-no-shutdown', '-name', 'hangar,debug-threads=on'];
  args.push('-machine', 'pc', '-accel', options.accelerator);
  if (options.icount !== undefined) {
    if (options.accelerator !== 'tcg') throw new Error('A speed limit needs the TCG accelerator (QEMU -icount does not work with KVM).');
    args.push('-icount', `shift=${options.icount.shift},sleep=on${options.icount.align ? ',align=on' : ''}`);
  }
  // A fixed CPU model: -cpu host/max under a flaky KVM aborts QEMU (ENGINE-NOTES).
  args.push('-cpu', 'qemu64');
  args.push('-m', String(plan.memoryMib), '-smp', String(plan.cpus));
  args.push('-qmp', `unix:${sockets.qmp},server=on,wait=off`);
  args.push('-display', 'none', '-vnc', `unix:${sockets.vnc}`);
  args.push('-device', displayDevices[options.display]);
  if (options.tablet) args.push('-usb', '-device', 'usb-tablet,id=tablet0');

  args.push('-drive', `if=none,id=drive-cd0,media=cdrom,readonly=on${plan.cdrom === undefined ? '' : `,format=raw,file=${escape(plan.cdrom)}`}`);
  args.push('-device', 'ide-cd,drive=drive-cd0,id=cd0,bus=ide.1,unit=0');
  args.push('-drive', `if=none,id=drive-fd0${plan.floppy === undefined ? '' : `,format=raw,file=${escape(plan.floppy)}`}`);
  args.push('-device', 'floppy,drive=drive-fd0,id=fd0,unit=0');
  // An fd0 empty at launch would become a 2.88 MB drive (QEMU's fallback), whose geometry the
  // BIOS keeps: a 1.44 MB floppy inserted later is then unreadable past its first track.
  args.push('-global', 'isa-fdc.fallback=144');
  if (plan.disk !== undefined) {
    const node = plan.disk.format === 'qcow2' ? `,node-name=${qcow2NodeName}` : '';
    args.push('-drive', `if=none,id=drive-hd0,file=${escape(plan.disk.path)},format=${plan.disk.format}${node},werror=stop,rerror=stop`);
    args.push('-device', 'ide-hd,drive=drive-hd0,id=hd0,bus=ide.0,unit=0');
  }
  args.push('-boot', `order=${plan.bootOrder.map((kind) => ({ cdrom: 'd', floppy: 'a', disk: 'c' })[kind]).join('')}`);

  args.push('-chardev', `socket,id=serial0,path=${sockets.serial},server=on,wait=off`);
  args.push('-device', 'isa-serial,chardev=serial0,id=com1');
  if (options.network !== undefined) args.push(...networkArguments(options.network));
  for (const { share, index } of options.shares ?? []) args.push(...shareArguments(share, index));
  if (options.clipboard) args.push(...clipboardDeviceArguments().slice(0, options.clipboardPort === false ? 2 : undefined));
  return args;
}

/** Netdev id of the user network (what hostfwd_add names) and qdev id of the card (what set_link names). */
export const NETDEV_ID = 'n0';
export const NIC_ID = 'nic0';

/**
 * The user-mode network and its card. Forwards are never given here: a busy host port in a
 * launch-time hostfwd makes QEMU exit (ENGINE-NOTES); they are added over HMP once it runs.
 */
export function networkArguments(plan: NetworkPlan): string[] {
  if (plan.mode === 'none') return [];
  return [
    '-netdev', `user,id=${NETDEV_ID}${plan.mode === 'isolated' ? ',restrict=on' : ''}`,
    '-device', `${plan.model},netdev=${NETDEV_ID},mac=${plan.mac},id=${NIC_ID}`,
  ];
}

/**
 * One shared folder: a local fsdev (security_model=none: files the guest creates belong to the
 * user QEMU runs as, the host user) and its virtio 9P device with the share's mount tag.
 */
export function shareArguments(share: PlannedShare, index: number): string[] {
  return [
    '-fsdev', `local,id=fs${index},path=${escape(share.hostPath)},security_model=none${share.readOnly ? ',readonly=on' : ''}`,
    '-device', `virtio-9p-pci,fsdev=fs${index},mount_tag=${share.tag},id=share${index}`,
  ];
}

/** The virtio-serial controller plus the vdagent port (the part that is hot-removed around snapshots). */
export function clipboardDeviceArguments(): string[] {
  return [
    '-device', 'virtio-serial-pci,id=vser0',
    '-chardev', 'qemu-vdagent,id=vdagent0,name=vdagent,clipboard=on,mouse=off',
    '-device', 'virtserialport,bus=vser0.0,chardev=vdagent0,name=com.redhat.spice.0,id=vdagent-port0',
  ];
}

/** Speed-limit presets: -icount shift N caps the guest near 1000 / 2^N MIPS. */
export function icountPreset(mips: number): { shift: number; mips: number } {
  let best = { shift: 0, mips: 1000 };
  for (let shift = 0; shift <= 10; shift++) {
    const presetMips = Math.round(1000 / 2 ** shift);
    if (Math.abs(Math.log(presetMips / mips)) < Math.abs(Math.log(best.mips / mips))) best = { shift, mips: presetMips };
  }
  return best;
}
