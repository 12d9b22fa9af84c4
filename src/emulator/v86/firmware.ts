/**
 * Finds SeaBIOS and a VGA BIOS on the host for the v86 backend (v86's npm package ships none).
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

/** Paths of the system BIOS and VGA BIOS to load. */
export interface FirmwarePaths {
  readonly bios: string;
  readonly vgaBios: string;
}

/** Folders searched in order when no path is configured (Debian `seabios`, then QEMU's). */
export const firmwareFolders: readonly string[] = ['/usr/share/seabios', '/usr/share/qemu', '/usr/lib/qemu', '/usr/local/share/qemu'];

const biosNames = ['bios.bin', 'bios-256k.bin'];
const vgaBiosNames = ['vgabios-stdvga.bin', 'vgabios.bin'];

function findIn(folders: readonly string[], names: readonly string[]): string | undefined {
  for (const folder of folders) {
    for (const name of names) {
      const path = join(folder, name);
      if (existsSync(path)) return path;
    }
  }
  return undefined;
}

/**
 * Chooses firmware: configured paths (`biosPath`, `vgaBiosPath` in MachineConfig.options) win;
 * otherwise the first match in `folders`. Throws an Error naming the package to install.
 */
export function findFirmware(options: Readonly<Record<string, unknown>> | undefined, folders = firmwareFolders): FirmwarePaths {
  const configuredBios = typeof options?.['biosPath'] === 'string' ? options['biosPath'] : undefined;
  const configuredVga = typeof options?.['vgaBiosPath'] === 'string' ? options['vgaBiosPath'] : undefined;
  for (const [label, path] of [['biosPath', configuredBios], ['vgaBiosPath', configuredVga]] as const) {
    if (path !== undefined && !existsSync(path)) throw new Error(`The configured ${label} ${path} does not exist; fix the path or remove the setting.`);
  }
  const bios = configuredBios ?? findIn(folders, biosNames);
  const vgaBios = configuredVga ?? findIn(folders, vgaBiosNames);
  if (!bios || !vgaBios) {
    const missing = !bios ? 'a system BIOS (bios.bin)' : 'a VGA BIOS (vgabios-stdvga.bin)';
    throw new Error(
      `The v86 engine needs SeaBIOS firmware but found no ${missing} in ${folders.join(', ')}. ` +
        'Install the Debian package "seabios" (apt-get install seabios), or set the BIOS paths in the machine settings.',
    );
  }
  return { bios, vgaBios };
}

/** Reads both firmware files into ArrayBuffers as v86 wants them. */
export async function loadFirmware(paths: FirmwarePaths): Promise<{ bios: ArrayBuffer; vgaBios: ArrayBuffer }> {
  const [bios, vgaBios] = await Promise.all([readFile(paths.bios), readFile(paths.vgaBios)]);
  return { bios: toArrayBuffer(bios), vgaBios: toArrayBuffer(vgaBios) };
}

/** Copies a Node Buffer into its own ArrayBuffer (Buffers may share a pooled one). */
export function toArrayBuffer(data: Uint8Array): ArrayBuffer {
  const copy = new ArrayBuffer(data.byteLength);
  new Uint8Array(copy).set(data);
  return copy;
}
