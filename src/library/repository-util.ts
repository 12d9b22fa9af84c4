/** Small helpers shared by the repositories. */
import { randomUUID } from 'node:crypto';
import type { LibraryChange } from './types.js';

/** Emits a change notification; the Library forwards these to listeners. */
export type ChangeSink = (change: LibraryChange) => void;

export function newId(): string {
  return randomUUID();
}

export function now(): string {
  return new Date().toISOString();
}

/** True when `error` is SQLite's unique-constraint failure. */
export function isUniqueViolation(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE';
}
