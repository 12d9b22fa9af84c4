/**
 * The `media.*`, `folders.*` and `os.*` calls: the media library, its watched folders, and the
 * OS catalog and detection that look at media.
 */
import { resolve } from 'node:path';
import { proposeMachine } from '../../../library/index.js';
import type { ApiArgs } from '../../../shared/protocol/api/index.js';
import { CoreError } from '../core-error.js';
import { attempt, checkFile } from '../lookups.js';
import { findOnPath } from './app.js';
import type { HandlerContext, NamespaceHandlers } from './context.js';

/** The handlers of the `media.*`, `folders.*` and `os.*` calls. */
export function mediaHandlers({ library }: HandlerContext): NamespaceHandlers<'media' | 'folders' | 'os'> {
  return {
    'media.list': () => library.media.list(),
    'media.add': (args: ApiArgs<'media.add'>) => library.media.add(checkFile(args.path)),
    'media.remove': (args: ApiArgs<'media.remove'>) => {
      const media = library.media.findByPath(resolve(args.id)) ?? attempt(() => library.media.get(args.id));
      if (!media) throw new CoreError('NotFound', `No media has the id or path "${args.id}"; \`hangar media list\` shows them.`);
      library.media.remove(media.id);
      return {};
    },
    'folders.list': () => library.media.folders(),
    'folders.add': (args: ApiArgs<'folders.add'>) => library.addWatchedFolder(resolve(args.path)),
    'folders.remove': async (args: ApiArgs<'folders.remove'>) => {
      const folder = library.media.folders().find((entry) => entry.path === resolve(args.path));
      if (!folder) throw new CoreError('NotFound', `${resolve(args.path)} is not a watched folder.`);
      await library.removeWatchedFolder(folder.id);
      return {};
    },
    'os.list': () => library.osCatalog().all(),
    'os.detect': async (args: ApiArgs<'os.detect'>) => {
      const detection = await library.detectOs(checkFile(args.path));
      // The engine recommendation depends on what this host has installed (os.detect says why).
      return { detection, proposal: proposeMachine(detection, undefined, { qemu: findOnPath('qemu-system-x86_64') !== undefined }) };
    },
  };
}
