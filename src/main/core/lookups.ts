/** Small checks the core's handlers share: a lookup that may throw, a path argument that must be a file. */
import { statSync } from 'node:fs';
import { CoreError } from './core-error.js';

/** The value, or undefined when the lookup throws (the library throws NotFound). */
export function attempt<T>(lookup: () => T): T | undefined {
  try {
    return lookup();
  } catch {
    return undefined;
  }
}

/** `path` when it names a readable regular file; otherwise an InvalidArgument CoreError. */
export function checkFile(path: string): string {
  let isFile = false;
  try {
    isFile = statSync(path).isFile();
  } catch {
    throw new CoreError('InvalidArgument', `${path} does not exist or cannot be read.`);
  }
  if (!isFile) throw new CoreError('InvalidArgument', `${path} is not a regular file.`);
  return path;
}
