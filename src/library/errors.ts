/**
 * Typed errors of the library. `class` is a stable code a caller can switch on; the message
 * says what happened and what to do.
 */

export type LibraryErrorClass =
  | 'InvalidInput'
  | 'NotFound'
  | 'Duplicate'
  | 'Locked'
  | 'Corrupt'
  | 'NewerSchema'
  | 'ToolMissing'
  | 'IoError';

/** An error from the library, with a stable class code. */
export class LibraryError extends Error {
  readonly class: LibraryErrorClass;

  constructor(errorClass: LibraryErrorClass, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'LibraryError';
    this.class = errorClass;
  }

  /** The `{class, desc}` shape used across process boundaries. */
  toJSON(): { class: LibraryErrorClass; desc: string } {
    return { class: this.class, desc: this.message };
  }
}

/** Invalid input: names the field and the rule it breaks. */
export function invalid(field: string, message: string): LibraryError {
  return new LibraryError('InvalidInput', `${field}: ${message}`);
}
