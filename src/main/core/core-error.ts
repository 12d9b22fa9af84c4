/** The error the core raises on purpose, with the API error class a shell can act on. */
import type { ApiErrorClass } from '../../shared/protocol/api/index.js';

/** An error the core raises on purpose, with its API class. */
export class CoreError extends Error {
  constructor(
    readonly errorClass: ApiErrorClass,
    message: string,
  ) {
    super(message);
    this.name = 'CoreError';
  }
}
