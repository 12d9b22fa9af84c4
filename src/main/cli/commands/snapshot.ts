/**
 * `hangar snapshot NAME take | restore | delete | list | inspect`: a machine's snapshot tree
 * (API `snapshots.*`).
 */
import type { SnapshotViewValue } from '../../../shared/protocol/api/index.js';
import type { ApiValue } from '../../../shared/protocol/api/client.js';
import { UsageError, nameArgument, parseArguments } from '../arguments.js';
import type { CliCommand, CliIo } from '../command.js';
import { call, exitCodes, withConnection } from '../command.js';

/** A snapshot of the API with its parent typed precisely (the schema says any: a string or null). */
function snapshotNode(snapshot: ApiValue<'snapshots.take'>): SnapshotViewValue {
  return { ...snapshot, parentId: typeof snapshot.parentId === 'string' ? snapshot.parentId : null };
}

/** Prints a snapshot tree, children indented under their parent; `*` marks the current one. */
function printSnapshotTree(io: CliIo, snapshots: SnapshotViewValue[], currentId: string | null): void {
  if (snapshots.length === 0) return void io.out('No snapshots.');
  const ids = new Set(snapshots.map((snapshot) => snapshot.id));
  const children = new Map<string | null, SnapshotViewValue[]>();
  for (const snapshot of snapshots) {
    const parent = snapshot.parentId !== null && ids.has(snapshot.parentId) ? snapshot.parentId : null;
    children.set(parent, [...(children.get(parent) ?? []), snapshot]);
  }
  const walk = (parent: string | null, depth: number): void => {
    for (const snapshot of children.get(parent) ?? []) {
      const size = snapshot.sizeBytes !== undefined ? `  ${(snapshot.sizeBytes / 1048576).toFixed(1)} MiB` : '';
      io.out(`${snapshot.id === currentId ? '*' : ' '} ${'  '.repeat(depth)}${snapshot.name}  (${snapshot.id})  ${snapshot.createdAt}${size}`);
      walk(snapshot.id, depth + 1);
    }
  };
  walk(null, 0);
}

async function snapshot(argv: string[], io: CliIo): Promise<number> {
  const parsed = parseArguments(argv, ['description'], ['json']);
  const [name, action, ...operands] = parsed.positionals;
  if (!name || !action) throw new UsageError('snapshot takes a machine name and take, restore, delete, list or inspect.');
  const oneSnapshot = (): string => {
    if (operands.length !== 1) throw new UsageError(`snapshot ${action} takes one snapshot name or id.`);
    return operands[0] as string;
  };
  if (action === 'take') {
    if (operands.length > 1) throw new UsageError('snapshot take takes at most one snapshot name (quote names with spaces).');
    const snapshotName = operands[0] !== undefined ? nameArgument(operands[0], 'snapshot') : `Snapshot ${new Date().toISOString().replace('T', ' ').slice(0, 19)}`;
    const description = parsed.options.get('description');
    return withConnection(async (connection) => {
      const taken = await call(connection, 'snapshots.take', { id: name, name: snapshotName, ...(description !== undefined ? { description } : {}) }, 600_000);
      io.out(parsed.flags.has('json') ? JSON.stringify(taken, null, 2) : `Took snapshot "${taken.name}" (${taken.id}).`);
      return exitCodes.ok;
    });
  }
  if (action === 'restore' || action === 'delete') {
    const target = oneSnapshot();
    return withConnection(async (connection) => {
      await call(connection, action === 'restore' ? 'snapshots.restore' : 'snapshots.delete', { id: name, snapshotId: target }, 600_000);
      io.out(action === 'restore' ? `Restored "${target}".` : `Deleted snapshot "${target}".`);
      return exitCodes.ok;
    });
  }
  if (action === 'list') {
    if (operands.length > 0) throw new UsageError('snapshot list takes no operands.');
    return withConnection(async (connection) => {
      const tree = await call(connection, 'snapshots.list', { id: name });
      if (parsed.flags.has('json')) io.out(JSON.stringify(tree, null, 2));
      else printSnapshotTree(io, tree.snapshots.map(snapshotNode), typeof tree.currentId === 'string' ? tree.currentId : null);
      return exitCodes.ok;
    });
  }
  if (action === 'inspect') {
    const target = oneSnapshot();
    return withConnection(async (connection) => {
      const found: Record<string, unknown> = await call(connection, 'snapshots.inspect', { id: name, snapshotId: target });
      if (parsed.flags.has('json')) io.out(JSON.stringify(found, null, 2));
      else {
        for (const key of ['name', 'id', 'engine', 'engineVersion', 'formatVersion', 'sizeBytes', 'loadable', 'reason', 'sections']) {
          const value = found[key];
          if (value !== undefined) io.out(`${`${key}:`.padEnd(15)}${typeof value === 'object' ? JSON.stringify(value) : String(value)}`);
        }
      }
      return exitCodes.ok;
    });
  }
  throw new UsageError(`Unknown snapshot action "${action}": use take, restore, delete, list or inspect.`);
}

/** `hangar snapshot`. */
export const snapshotCommand: CliCommand = {
  name: 'snapshot',
  usage: `  snapshot NAME take [SNAPNAME] [--description TEXT] | restore SNAP | delete SNAP |
                list [--json] | inspect SNAP [--json]`,
  run: snapshot,
};
