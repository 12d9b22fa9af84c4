/** Maps whatever a handler threw (core, library or engine error) to an API failure with the right class. */
import { LibraryError } from '../../library/index.js';
import { apiFailure } from '../../shared/protocol/api/index.js';
import type { ApiErrorClass } from '../../shared/protocol/api/index.js';
import { EngineCommandError } from '../supervisor/index.js';
import { CoreError } from './core-error.js';

const libraryClasses: Record<string, ApiErrorClass> = {
  InvalidInput: 'InvalidArgument',
  NotFound: 'NotFound',
  Duplicate: 'Conflict',
  Locked: 'Conflict',
  Corrupt: 'Unavailable',
  NewerSchema: 'NotSupported',
  ToolMissing: 'Unavailable',
  IoError: 'Unavailable',
};
const engineClasses: Record<string, ApiErrorClass> = {
  Timeout: 'Timeout',
  Unavailable: 'Unavailable',
  Conflict: 'Conflict',
  EngineFailed: 'EngineFailed',
  CommandNotFound: 'NotSupported',
  NotSupported: 'NotSupported',
  DeviceNotFound: 'NotFound',
};

/** Maps any error to an API failure with the right class. */
export function toFailure(error: unknown): { ok: false; error: { class: ApiErrorClass; desc: string } } {
  if (error instanceof CoreError) return apiFailure(error.errorClass, error.message);
  if (error instanceof LibraryError) return apiFailure(libraryClasses[error.class] ?? 'Unavailable', error.message);
  if (error instanceof EngineCommandError) return apiFailure(engineClasses[error.errorClass] ?? 'EngineFailed', error.message);
  return apiFailure('EngineFailed', error instanceof Error ? error.message : String(error));
}
