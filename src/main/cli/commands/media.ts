/**
 * `hangar media list | add | remove | watch | unwatch | folders`: the media library and the
 * folders it watches (API `media.*`, `folders.*`).
 */
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { UsageError, parseArguments } from '../arguments.js';
import type { CliCommand, CliIo } from '../command.js';
import { CallFailed, call, exitCodes, table, withConnection } from '../command.js';

async function media(argv: string[], io: CliIo): Promise<number> {
  const parsed = parseArguments(argv, [], ['json']);
  const [action, ...operands] = parsed.positionals;
  const onePath = (): string => {
    if (operands.length !== 1) throw new UsageError(`media ${action} takes one path.`);
    return resolve(operands[0] as string);
  };
  switch (action) {
    case 'list': {
      if (operands.length > 0) throw new UsageError('media list takes no operands.');
      return withConnection(async (connection) => {
        // Rows carry more than the schema names (present, osName): read those as what they are, unknown.
        const entries: Record<string, unknown>[] = await call(connection, 'media.list', {});
        if (parsed.flags.has('json')) io.out(JSON.stringify(entries, null, 2));
        else if (entries.length === 0) io.out('No media yet. Add a file with: hangar media add PATH, or watch a folder: hangar media watch FOLDER');
        else table(io, ['KIND', 'PRESENT', 'OS', 'PATH'], entries.map((entry) => [String(entry.kind), entry.present === false ? 'missing' : 'yes', typeof entry.osName === 'string' ? entry.osName : '', String(entry.path)]));
        return exitCodes.ok;
      });
    }
    case 'add': {
      const path = onePath();
      return withConnection(async (connection) => {
        const added = await call(connection, 'media.add', { path });
        io.out(`Added ${path} (${added.kind}, ${added.id}).`);
        return exitCodes.ok;
      });
    }
    case 'remove': {
      if (operands.length !== 1) throw new UsageError('media remove takes one path or media id.');
      const target = operands[0] as string;
      return withConnection(async (connection) => {
        await call(connection, 'media.remove', { id: existsSync(target) ? resolve(target) : target });
        io.out(`Removed ${target} from the media library (the file stays).`);
        return exitCodes.ok;
      });
    }
    case 'watch':
    case 'unwatch': {
      const path = onePath();
      if (action === 'watch' && !(existsSync(path) && statSync(path).isDirectory())) throw new CallFailed('NotFound', `${path} is not a folder.`);
      return withConnection(async (connection) => {
        await call(connection, action === 'watch' ? 'folders.add' : 'folders.remove', { path });
        io.out(action === 'watch' ? `Watching ${path}: media files in it join the library.` : `Stopped watching ${path}.`);
        return exitCodes.ok;
      });
    }
    case 'folders': {
      return withConnection(async (connection) => {
        const folders = await call(connection, 'folders.list', {});
        if (parsed.flags.has('json')) io.out(JSON.stringify(folders, null, 2));
        else for (const folder of folders) io.out(`${folder.path}${folder.isDefault ? '  (library media folder)' : ''}`);
        return exitCodes.ok;
      });
    }
    default:
      throw new UsageError('media takes list, add PATH, remove PATH|ID, watch FOLDER, unwatch FOLDER or folders.');
  }
}

/** `hangar media`. */
export const mediaCommand: CliCommand = {
  name: 'media',
  usage: `  media list [--json] | add PATH | remove PATH|ID | watch FOLDER | unwatch FOLDER | folders [--json]`,
  run: media,
};
