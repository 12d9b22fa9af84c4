/**
 * Clipboard through a guest agent (QEMU's qemu-vdagent + VNC extended clipboard).
 * Owned by the QEMU backend work; empty until it lands.
 */
export const clipboardCommands = {} as const;
export const clipboardEvents = {} as const;
