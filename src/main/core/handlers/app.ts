/** The app-wide calls: `library.status`, `engines.query` (which engines this host can run) and `settings.*`. */
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import type { ApiArgs } from '../../../shared/protocol/api/index.js';
import type { HandlerContext, NamespaceHandlers } from './context.js';

/** The handlers of the `library.*`, `engines.*` and `settings.*` calls. */
export function appHandlers({ library, openWarnings }: HandlerContext): NamespaceHandlers<'library' | 'engines' | 'settings'> {
  return {
    'library.status': () => ({ folder: library.layout.root, warnings: [...openWarnings] }),
    'engines.query': () => {
      const qemuPath = findOnPath('qemu-system-x86_64');
      return { v86Available: true, qemuAvailable: qemuPath !== undefined, ...(qemuPath ? { qemuPath } : {}) };
    },
    'settings.get': (args: ApiArgs<'settings.get'>) => ({ key: args.key, value: library.settings.get(args.key, null) }),
    'settings.set': (args: ApiArgs<'settings.set'>) => (library.settings.set(args.key, args.value as never), {}),
  };
}

/** The full path of an executable found on PATH, or undefined. */
export function findOnPath(name: string): string | undefined {
  for (const folder of (process.env.PATH ?? '').split(delimiter)) {
    if (!folder) continue;
    const candidate = join(folder, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // Not here.
    }
  }
  return undefined;
}
