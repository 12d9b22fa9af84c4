/**
 * Finds the qemu-system-x86_64 binary: MachineConfig.options.qemuPath, else PATH.
 */
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';

/** Returns the absolute path of qemu-system-x86_64, or throws an error that says what to install. */
export function findQemuBinary(configured?: unknown, pathVariable = process.env.PATH ?? ''): string {
  if (typeof configured === 'string' && configured.length > 0) {
    if (!isExecutable(configured)) {
      throw new Error(`The configured QEMU binary ${configured} does not exist or is not executable. Fix the path in the machine's engine settings, or clear it to use qemu-system-x86_64 from PATH.`);
    }
    return configured;
  }
  for (const folder of pathVariable.split(delimiter)) {
    if (folder.length === 0) continue;
    const candidate = join(folder, 'qemu-system-x86_64');
    if (isExecutable(candidate)) return candidate;
  }
  throw new Error(
    'qemu-system-x86_64 was not found on PATH. Install QEMU (Debian/Ubuntu: `apt install qemu-system-x86`), set the QEMU path in the machine settings, or switch the machine to the v86 engine.',
  );
}

function isExecutable(path: string): boolean {
  try {
    if (!statSync(path).isFile()) return false;
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
