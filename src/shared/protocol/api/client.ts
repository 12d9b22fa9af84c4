/**
 * The app API as every side codes against it: per-call argument and value types derived from
 * the schema (`call<'vm.start'>` infers both), the typed client interface the renderer, the
 * CLI and the tests use, the handler table type the core implements, and the checks of
 * replies and events at the boundary.
 *
 * Types go through mapped types over the table keys (ApiArgs, ApiReturn in index.ts), so
 * TypeScript evaluates one entry at a time and stays under its instantiation depth limit.
 */
import type { Validated } from '../schema.js';
import { validate } from '../schema.js';
import type { ApiArgs, ApiCommandName, ApiError, ApiEventData, ApiEventName, ApiResult, ApiReturn } from './index.js';
import { apiCommands, apiErrorClasses, apiEvents } from './index.js';

export type { ApiArgs, ApiEventData, ApiEventName, ApiResult };

/** The name of an API call (`machines.list`, `vm.start`, …). */
export type ApiCallName = ApiCommandName;
/** What call `N` answers with when it succeeds. */
export type ApiValue<N extends ApiCallName> = ApiReturn<N>;
/** One pushed event, `{event, data}`, its data typed by its name. */
export type ApiEventMessage = { [E in ApiEventName]: { event: E; data: ApiEventData<E> } }[ApiEventName];

/** A client of the app API, whatever carries it (Electron bridge, WebSocket, control socket, in-process core). */
export interface ApiClient {
  /** Runs one call; never throws: failures (and replies that break the schema) are `{ok: false}`. */
  call<N extends ApiCallName>(name: N, args: ApiArgs<N>, timeoutMs?: number): Promise<ApiResult<ApiValue<N>>>;
  /** Calls `listener` with every event; returns the unsubscribe function. */
  subscribe(listener: (event: ApiEventMessage) => void): () => void;
}

/**
 * The core's handler table: one function per call, typed by the schema. A missing,
 * misspelled or wrongly typed handler fails to compile.
 */
export type ApiHandlers = { [N in ApiCallName]: (args: ApiArgs<N>) => Promise<ApiValue<N>> | ApiValue<N> };

/** Checks arguments of call `name` from a caller; the cleaned copy (unknown fields are an error). */
export function checkApiArgs<N extends ApiCallName>(name: N, args: unknown): Validated<ApiArgs<N>> {
  const checked = validate(apiCommands[name].args, args);
  if (!checked.ok) return checked;
  // As below: the copy has just passed the schema ApiArgs is inferred from.
  return { ok: true, value: checked.value as ApiArgs<N> };
}

/**
 * Checks `value` against call `name`'s `returns` schema. On success the value is given back
 * as it came (fields an `allowUnknown` object carries beyond the schema are kept, not dropped).
 */
export function checkApiValue<N extends ApiCallName>(name: N, value: unknown): Validated<ApiValue<N>> {
  const checked = validate(apiCommands[name].returns, value);
  if (!checked.ok) return checked;
  // The one place a wire value becomes typed: it has just passed the schema the type is inferred from.
  return { ok: true, value: value as ApiValue<N> };
}

/** The error of a reply that breaks the schema: a Hangar bug, said so, with where and what. */
function contractFailure(name: string, what: string): { ok: false; error: ApiError } {
  return {
    ok: false,
    error: {
      class: 'EngineFailed',
      desc: `The app's answer to ${name} does not match the API (${what}). This is a bug in Hangar; please report it with this message.`,
    },
  };
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const isErrorClass = (value: unknown): value is ApiError['class'] => apiErrorClasses.some((name) => name === value);

/**
 * Checks a whole reply `{ok, value | error}` to call `name` as it arrived from another process:
 * a value that matches the call's schema, or an error with a known class and a description.
 * Anything else becomes an `EngineFailed` failure that says what was wrong.
 */
export function validateApiReply<N extends ApiCallName>(name: N, result: unknown): ApiResult<ApiValue<N>> {
  if (!isRecord(result) || typeof result.ok !== 'boolean') return contractFailure(name, 'the result is not {ok, value} or {ok, error}');
  if (!result.ok) {
    const error = result.error;
    if (!isRecord(error) || typeof error.desc !== 'string') return contractFailure(name, 'the error has no description');
    if (!isErrorClass(error.class)) return contractFailure(name, `unknown error class ${JSON.stringify(String(error.class)).slice(0, 60)}: ${error.desc}`);
    return { ok: false, error: { class: error.class, desc: error.desc } };
  }
  const checked = checkApiValue(name, result.value);
  if (!checked.ok) return contractFailure(name, `${checked.issue.path} ${checked.issue.message}`);
  return { ok: true, value: checked.value };
}

/**
 * Checks one pushed event `{event, data}`: a known event name and data matching its schema.
 * The data is given back as it came.
 */
export function validateApiEvent(message: unknown): Validated<ApiEventMessage> {
  if (!isRecord(message)) return { ok: false, issue: { path: '(event)', message: 'an event must be an object {event, data}' } };
  const name = message.event;
  if (!isEventName(name)) return { ok: false, issue: { path: 'event', message: `unknown event ${JSON.stringify(String(name)).slice(0, 60)}` } };
  const checked = validate(apiEvents[name].data, message.data, `${name}.data`);
  if (!checked.ok) return checked;
  // As in checkApiValue: the data has just passed the schema its type comes from.
  return { ok: true, value: { event: name, data: message.data } as ApiEventMessage };
}

/** Whether `name` is an API event. */
export function isEventName(name: unknown): name is ApiEventName {
  return typeof name === 'string' && Object.hasOwn(apiEvents, name);
}
