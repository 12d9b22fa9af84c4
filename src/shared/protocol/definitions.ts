/**
 * How protocol entries are declared: commands (arguments, return value, errors) and events
 * (data), each documented and stamped with the protocol version that added it (`since`),
 * in the manner of QEMU's QAPI schema.
 */
import type { Infer, ObjectSchema, Schema } from './schema.js';

/** An error a command may answer with, and when. */
export interface DocumentedError {
  readonly class: string;
  readonly when: string;
}

/** A command of a protocol. */
export interface CommandDefinition<Args extends ObjectSchema = ObjectSchema, Returns extends Schema = Schema> {
  readonly doc: string;
  readonly since: string;
  readonly args: Args;
  readonly returns: Returns;
  readonly errors?: readonly DocumentedError[];
  /** An example exchange for the reference document. */
  readonly example?: { readonly args?: unknown; readonly returns?: unknown };
}

/** An event of a protocol. */
export interface EventDefinition<Data extends ObjectSchema = ObjectSchema> {
  readonly doc: string;
  readonly since: string;
  readonly data: Data;
}

/** Declares a command (identity function that keeps the literal types). */
export function command<const Args extends ObjectSchema, const Returns extends Schema>(
  definition: CommandDefinition<Args, Returns>,
): CommandDefinition<Args, Returns> {
  return definition;
}

/** Declares an event (identity function that keeps the literal types). */
export function event<const Data extends ObjectSchema>(definition: EventDefinition<Data>): EventDefinition<Data> {
  return definition;
}

export type CommandTable = Readonly<Record<string, CommandDefinition>>;
export type EventTable = Readonly<Record<string, EventDefinition>>;

/** Argument type of command `Name` in table `T`. */
export type ArgsOf<T extends CommandTable, Name extends keyof T> = Infer<T[Name]['args']>;
/** Return type of command `Name` in table `T`. */
export type ReturnOf<T extends CommandTable, Name extends keyof T> = Infer<T[Name]['returns']>;
/** Data type of event `Name` in table `T`. */
export type DataOf<T extends EventTable, Name extends keyof T> = Infer<T[Name]['data']>;
