/**
 * What every `hangar` command module shares: the command-table entry shape, output streams, exit
 * codes, the API failure main maps to an exit code, and the helpers that call the API and print
 * tables.
 */
import type { ApiArgs, ApiCallName, ApiResult, ApiValue } from '../../shared/protocol/api/client.js';
import { UsageError } from './arguments.js';
import type { CoreConnection } from './connection.js';
import { openConnection } from './connection.js';

/** Exit codes scripts can rely on. */
export const exitCodes = { ok: 0, failed: 1, usage: 2, notFound: 3 } as const;

/** Output streams (replaceable for embedding). */
export interface CliIo {
  out(text: string): void;
  err(text: string): void;
}

/** One entry of the command table main.ts dispatches on and builds the usage text from. */
export interface CliCommand {
  /** The word after `hangar`. */
  readonly name: string;
  /** Its lines of the usage text (indented, without a trailing newline). */
  readonly usage: string;
  /** Runs it with the arguments after its name; resolves with the exit code. Usage mistakes throw UsageError. */
  run(argv: string[], io: CliIo): Promise<number>;
}

/** An API failure the CLI reports and maps to an exit code. */
export class CallFailed extends Error {
  constructor(
    readonly errorClass: string,
    message: string,
  ) {
    super(message);
  }
}

/** Opens a connection for one command and always closes it. */
export async function withConnection<T>(run: (connection: CoreConnection) => Promise<T>): Promise<T> {
  const connection = await openConnection();
  try {
    return await run(connection);
  } finally {
    await connection.close();
  }
}

/** The value of a result; a failure throws CallFailed (exit 1, or 3 for NotFound). */
function unwrap<T>(result: ApiResult<T>): T {
  if (result.ok) return result.value;
  throw new CallFailed(result.error.class, result.error.desc);
}

/** One call's value, typed by the call. */
export async function call<N extends ApiCallName>(connection: CoreConnection, name: N, args: ApiArgs<N>, timeoutMs?: number): Promise<ApiValue<N>> {
  return unwrap(await connection.call(name, args, timeoutMs));
}

/** Prints rows under a header, each column as wide as its widest cell. */
export function table(io: CliIo, header: string[], rows: string[][]): void {
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)));
  for (const row of [header, ...rows]) io.out(row.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join('  ').trimEnd());
}

/** The single machine name a command takes; anything else is a usage error. */
export function oneName(positionals: string[], command: string): string {
  const [name, ...extra] = positionals;
  if (!name || extra.length > 0) throw new UsageError(`${command} takes one machine name.`);
  return name;
}
