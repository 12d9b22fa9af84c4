/**
 * Boot order from the device plan for v86. The drives (cdrom/floppy/disk) are file-backed
 * objects contributed by storage.ts.
 */
import type { DevicePlan } from '../common/device-plan.js';
import type { V86Machine } from './machine.js';

/** SeaBIOS boot device numbers as v86's `boot_order` packs them, one per nibble, first lowest. */
const bootDevice = { floppy: 1, disk: 2, cdrom: 3 } as const;

/** v86's numeric boot order for a planned order (common/device-plan.ts). */
export function v86BootOrder(order: DevicePlan['bootOrder']): number {
  let value = 0;
  order.slice(0, 3).forEach((device, index) => {
    value |= bootDevice[device] << (4 * index);
  });
  return value;
}

/**
 * Sets the boot order on `machine`. The drives themselves are file-backed objects from
 * storage.ts (never read into memory).
 */
export async function addConfiguredMedia(machine: V86Machine, plan: DevicePlan): Promise<void> {
  machine.addOptions({ boot_order: v86BootOrder(plan.bootOrder) });
}
