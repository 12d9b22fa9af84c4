/**
 * The engine protocol: every command and event, merged from the per-domain tables.
 * This is the single source of truth for types, validation, docs and the golden file.
 */
import type { ArgsOf, DataOf, ReturnOf } from '../definitions.js';
import { coreCommands, coreEvents } from './core.js';

export * from './types.js';

/** The protocol's version (bumped when entries are added). */
export const engineProtocolVersion = '0.1';

export const engineCommands = {
  ...coreCommands,
} as const;

export const engineEvents = {
  ...coreEvents,
} as const;

export type EngineCommands = typeof engineCommands;
export type EngineEvents = typeof engineEvents;
export type EngineCommandName = keyof EngineCommands;
export type EngineEventName = keyof EngineEvents;
export type EngineArgs<N extends EngineCommandName> = ArgsOf<EngineCommands, N>;
export type EngineReturn<N extends EngineCommandName> = ReturnOf<EngineCommands, N>;
export type EngineEventData<N extends EngineEventName> = DataOf<EngineEvents, N>;
