/**
 * What main writes into a VM's engine log besides the engine's own output: one line per state
 * change, per engine event that tells what happened to the machine (media, resets, power, jobs,
 * I/O errors), per command that changes the machine, and per command the engine refused or did
 * not answer (protocol errors). The log then reads like a trace of the run, so a user finds why a
 * guest failed without a debugger. Pure functions: the supervisor decides where lines go.
 */
import type { QmpEvent } from '../../shared/protocol/envelope.js';

/** A run state change as a log line (`state: crashed: why`). */
export function stateLogLine(state: string, reason?: string): string {
  return `state: ${state}${reason ? `: ${reason}` : ''}`;
}

/**
 * The log line for an engine event, or undefined for events that are data rather than
 * happenings (serial bytes, clipboard text: the serial log has the former, the latter is private).
 * STOP and RESUME are left out: the state line they cause says the same.
 */
export function eventLogLine(event: QmpEvent): string | undefined {
  const data = (event.data ?? {}) as Record<string, unknown>;
  const text = (key: string): string => (typeof data[key] === 'string' ? (data[key] as string) : '?');
  switch (event.event) {
    case 'STOP':
    case 'RESUME':
    case 'SERIAL_OUTPUT':
    case 'CLIPBOARD_CHANGED':
      return undefined;
    case 'RESET':
      return `event RESET: the guest was reset (${data.guest === true ? 'by the guest' : 'by a command'}, ${text('reason')})`;
    case 'SHUTDOWN':
      return `event SHUTDOWN: the guest powered off (${data.guest === true ? 'by the guest' : 'by a command'}, ${text('reason')})`;
    case 'POWERDOWN':
      return 'event POWERDOWN: the ACPI power button was pressed';
    case 'ENGINE_ERROR':
      return `event ENGINE_ERROR (${data.fatal === true ? 'fatal' : 'not fatal'}): ${text('reason')}`;
    case 'DEVICE_TRAY_MOVED':
      return `event DEVICE_TRAY_MOVED: media: the tray of ${text('id')} ${data['tray-open'] === true ? 'opened' : 'closed'}`;
    case 'BLOCK_IO_ERROR':
      return `event BLOCK_IO_ERROR: ${text('device')}: ${text('operation')} failed (${text('reason')}${data.nospace === true ? ', no space left' : ''}); action ${text('action')}`;
    case 'JOB_STATUS_CHANGE':
      return `event JOB_STATUS_CHANGE: job ${text('id')} is ${text('status')}`;
    case 'NETWORK_FORWARD_FAILED':
      return `event NETWORK_FORWARD_FAILED: ${text('protocol')} ${text('host-address')}:${String(data['host-port'])} → guest ${String(data['guest-port'])}: ${text('error')}`;
    case 'CLIPBOARD_AGENT':
      return `event CLIPBOARD_AGENT: the agent channel was ${data.attached === true ? 're-attached' : 'detached'} (${text('reason')})`;
    default:
      return `event ${event.event}`;
  }
}

/**
 * Commands that ask or feed rather than change (queries, input, screen reads, serial bytes):
 * frequent, and a trace full of them hides what matters. Their failures are still logged.
 */
const quietCommands = new Set(['qmp_capabilities', 'input-send-event', 'send-key', 'input-type-text', 'screendump', 'serial-write', 'clipboard-set', 'job-dismiss']);

/** The log line for a command main sends to the engine, or undefined for quiet ones (queries, input). */
export function commandLogLine(name: string, args: Record<string, unknown>): string | undefined {
  if (name.startsWith('query-') || quietCommands.has(name)) return undefined;
  if (name === 'blockdev-change-medium') return `command blockdev-change-medium: media: insert ${String(args.filename)} into ${String(args.id ?? args.device)}`;
  if (name === 'eject') return `command eject: media: eject ${String(args.id ?? args.device)}${args.force === true ? ' (forced)' : ''}`;
  const shown = Object.entries(args)
    .map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`)
    .join(' ');
  return `command ${name}${shown ? ` ${shown.slice(0, 300)}` : ''}`;
}

/** The log line for a command the engine refused, did not answer in time, or could not take. */
export function commandFailureLogLine(name: string, error: unknown): string {
  const errorClass = (error as { errorClass?: unknown }).errorClass;
  const message = error instanceof Error ? error.message : String(error);
  return `protocol error: ${name} failed (${typeof errorClass === 'string' ? errorClass : 'Error'}): ${message}`;
}
