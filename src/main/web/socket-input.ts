/**
 * Reading client frames on the web shell's WebSockets without trusting them: text of a message,
 * JSON under the channel's size and nesting limits, and a log description of the protocol
 * errors `ws` raises (it has already closed the connection with the matching code by then).
 */
import type { RawData } from 'ws';
import { parseJsonWithLimits } from '../../shared/protocol/json-limits.js';

/** The text of one message (`ws` hands over a Buffer; the other shapes are joined, never stringified as a list). */
export function frameText(data: RawData): string {
  if (Buffer.isBuffer(data)) return data.toString('utf8');
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.from(data).toString('utf8');
}

/** A client message parsed as a JSON object, or why it is refused (a sentence for the client and the log). */
export function parseObjectMessage(text: string, maxBytes: number, shape: string): { ok: true; value: Record<string, unknown> } | { ok: false; error: string } {
  const parsed = parseJsonWithLimits(text, { maxBytes });
  if (!parsed.ok) return { ok: false, error: `${parsed.error}; messages must be JSON objects ${shape}.` };
  const value = parsed.value;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { ok: false, error: `Messages must be JSON objects ${shape}, not ${value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value}.` };
  return { ok: true, value: value as Record<string, unknown> };
}

const closeCodes: Record<string, number> = {
  WS_ERR_INVALID_UTF8: 1007,
  WS_ERR_UNSUPPORTED_MESSAGE_LENGTH: 1009,
};

/** One log phrase for an error `ws` emitted on a socket: what was wrong and the close code sent. */
export function describeSocketError(error: Error & { code?: unknown }): string {
  const code = typeof error.code === 'string' ? error.code : undefined;
  if (code?.startsWith('WS_ERR_')) return `${error.message} (closed with ${closeCodes[code] ?? 1002})`;
  return `${error.message}${code ? ` (${code})` : ''}`;
}
