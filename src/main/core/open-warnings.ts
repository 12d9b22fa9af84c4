/**
 * What opening the library fixed, undid or would not touch, gathered in one list: the core logs
 * it once at open (stderr `hangar: …` lines, which the CLI and the web shell show in their
 * terminal) and answers it on `library.status`.
 */
import type { Library } from '../../library/index.js';

/** Reconcile findings a person should hear about: interrupted creates/deletes, unregistered folders, database findings. */
const reportedKinds = /^(interrupted-|unregistered-|database-)/;

/** The warnings of a library open: reconcile's findings, then open's own (permissions, backups, machine files). */
export function libraryOpenWarnings(library: Library): string[] {
  const fromReconcile = library.reconcileReport.issues.filter((issue) => reportedKinds.test(issue.kind)).map((issue) => issue.detail);
  return [...fromReconcile, ...library.openWarnings];
}

/** Writes each warning as one `hangar: …` line to stderr. */
export function logOpenWarnings(warnings: readonly string[], write: (line: string) => void = (line) => console.warn(line)): void {
  for (const warning of warnings) write(`hangar: ${warning}`);
}
