/**
 * QMP message shapes (docs/architecture.md §4) and the parsing of one incoming message into a validated
 * command call or a precise error reply. Pure: no I/O, no platform imports.
 */
import type { ErrorClass } from './engine/types.js';
import { engineCommands } from './engine/index.js';
import { validate } from './schema.js';

/** The greeting an engine sends when a client connects. */
export interface QmpGreeting {
  QMP: { version: { qemu: { major: number; minor: number; micro: number }; package: string }; capabilities: string[] };
}
/** A command request. */
export interface QmpExecute {
  execute: string;
  arguments?: Record<string, unknown>;
  id?: unknown;
}
/** A successful reply; `id` echoes the request's. */
export interface QmpReturn {
  return: unknown;
  id?: unknown;
}
/** An error reply; `id` echoes the request's when it had one. */
export interface QmpErrorReply {
  error: { class: ErrorClass; desc: string };
  id?: unknown;
}
/** An asynchronous event. */
export interface QmpEvent {
  event: string;
  data: unknown;
  timestamp: { seconds: number; microseconds: number };
}
export type QmpReply = QmpReturn | QmpErrorReply;

/** A parsed, validated command call. */
export interface CommandCall {
  readonly name: string;
  readonly args: Record<string, unknown>;
  readonly id?: unknown;
  readonly hasId: boolean;
}

export type ParsedMessage = { ok: true; call: CommandCall } | { ok: false; reply: QmpErrorReply };

/** Builds an error reply, echoing `id` when the request had one. */
export function errorReply(errorClass: ErrorClass, desc: string, id?: { id?: unknown; hasId: boolean }): QmpErrorReply {
  const reply: QmpErrorReply = { error: { class: errorClass, desc } };
  if (id?.hasId) reply.id = id.id;
  return reply;
}

/** Builds a success reply, echoing `id` when the request had one. */
export function returnReply(value: unknown, call: { id?: unknown; hasId: boolean }): QmpReturn {
  const reply: QmpReturn = { return: value };
  if (call.hasId) reply.id = call.id;
  return reply;
}

/** A QMP timestamp for `milliseconds` since the epoch. */
export function qmpTimestamp(milliseconds: number): QmpEvent['timestamp'] {
  const micros = Math.round(milliseconds * 1000);
  return { seconds: Math.floor(micros / 1_000_000), microseconds: micros % 1_000_000 };
}

const allowedMembers = new Set(['execute', 'arguments', 'id']);

/**
 * Checks one decoded JSON value as a QMP `execute` request: envelope members, a known command
 * name (in `known`, default every engine command), and arguments valid for that command.
 */
export function parseExecute(message: unknown, known: ReadonlySet<string> | undefined = undefined): ParsedMessage {
  if (typeof message !== 'object' || message === null || Array.isArray(message)) {
    return { ok: false, reply: errorReply('GenericError', 'QMP input must be a JSON object') };
  }
  const input = message as Record<string, unknown>;
  const idInfo = { id: input.id, hasId: Object.hasOwn(input, 'id') };
  for (const key of Object.keys(input)) {
    if (!allowedMembers.has(key)) {
      return { ok: false, reply: errorReply('GenericError', `QMP input member '${key}' is unexpected`, idInfo) };
    }
  }
  if (!Object.hasOwn(input, 'execute')) {
    return { ok: false, reply: errorReply('GenericError', "QMP input lacks member 'execute'", idInfo) };
  }
  const name = input.execute;
  if (typeof name !== 'string') {
    return { ok: false, reply: errorReply('GenericError', "QMP input member 'execute' must be a string", idInfo) };
  }
  const rawArgs = Object.hasOwn(input, 'arguments') ? input.arguments : {};
  if (typeof rawArgs !== 'object' || rawArgs === null || Array.isArray(rawArgs)) {
    return { ok: false, reply: errorReply('GenericError', "QMP input member 'arguments' must be an object", idInfo) };
  }
  const definition = Object.hasOwn(engineCommands, name) ? engineCommands[name as keyof typeof engineCommands] : undefined;
  if (!definition || (known && !known.has(name))) {
    return { ok: false, reply: errorReply('CommandNotFound', `The command ${name} has not been found`, idInfo) };
  }
  const checked = validate(definition.args, rawArgs);
  if (!checked.ok) {
    const where = checked.issue.path === '(value)' ? 'arguments' : `'${checked.issue.path}'`;
    return { ok: false, reply: errorReply('GenericError', `Invalid parameter ${where} of ${name}: ${checked.issue.message}`, idInfo) };
  }
  return { ok: true, call: { name, args: checked.value as Record<string, unknown>, ...idInfo } };
}
