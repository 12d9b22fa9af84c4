/**
 * Answers the PCI hotplug registers SeaBIOS's ACPI tables describe, which v86 does not emulate.
 *
 * SeaBIOS builds ACPI tables for v86 that declare ACPI PCI hotplug (ports 0xae00–0xae0f: slots
 * "up", slots "down", eject, removable — the PIIX4 hotplug interface QEMU implements). v86 leaves
 * those ports unassigned, so reads return all ones: every slot looks "down", and a Linux guest's
 * ACPI hotplug driver ejects every PCI device in slot 3 and above shortly after boot (NIC, 9P,
 * even VGA and IDE functions vanish). Answering "nothing pending, nothing removable" keeps every
 * device present for every guest without a guest-side workaround, and keeps ACPI (and with it
 * the guest power-off the engine detects) on. Eject requests are ignored: v86 cannot unplug.
 */
import type { V86Emulator, V86Port } from './internals.js';
import type { V86Machine } from './machine.js';

/** First port of the PIIX4 PCI hotplug block and its length (QEMU's `ACPI_PCIHP_ADDR`, 16 bytes). */
export const PCI_HOTPLUG_PORT = 0xae00;
export const PCI_HOTPLUG_PORT_COUNT = 16;

/** Gives every hotplug register a zero value and ignores writes to it. */
export function answerPciHotplugPorts(emulator: V86Emulator): void {
  const ports = emulator.v86.cpu.io.ports as (V86Port & { read8?: () => number; read16?: () => number; read32?: () => number })[];
  for (let port = PCI_HOTPLUG_PORT; port < PCI_HOTPLUG_PORT + PCI_HOTPLUG_PORT_COUNT; port++) {
    const entry = ports[port];
    if (!entry) continue;
    entry.read8 = () => 0;
    entry.read16 = () => 0;
    entry.read32 = () => 0;
    entry.write8 = () => undefined;
    entry.write16 = () => undefined;
    entry.write32 = () => undefined;
  }
}

/** Installs the hotplug register answers on every emulator the machine creates. */
export function installPciHotplug(machine: V86Machine): void {
  machine.onCreated((emulator) => answerPciHotplugPorts(emulator));
}
