/** The `snapshots.*` calls: the machine looked up, then handed to the snapshot service (snapshot-service.ts). */
import type { ApiArgs } from '../../../shared/protocol/api/index.js';
import type { HandlerContext, NamespaceHandlers } from './context.js';

/** The handlers of the `snapshots.*` calls. */
export function snapshotHandlers(ctx: HandlerContext): NamespaceHandlers<'snapshots'> {
  const { library, snapshots } = ctx;
  return {
    'snapshots.list': (args: ApiArgs<'snapshots.list'>) => snapshots.list(ctx.machine(args.id)),
    'snapshots.take': (args: ApiArgs<'snapshots.take'>) => snapshots.take(ctx.machine(args.id), args),
    'snapshots.restore': async (args: ApiArgs<'snapshots.restore'>) => (await snapshots.restore(ctx.machine(args.id), args.snapshotId), {}),
    'snapshots.delete': async (args: ApiArgs<'snapshots.delete'>) => (await snapshots.delete(ctx.machine(args.id), args.snapshotId), {}),
    'snapshots.inspect': (args: ApiArgs<'snapshots.inspect'>) => snapshots.inspect(ctx.machine(args.id), args.snapshotId),
    'snapshots.update': (args: ApiArgs<'snapshots.update'>) => {
      const machine = ctx.machine(args.id);
      const snapshot = snapshots.find(machine, args.snapshotId);
      return snapshots.view(library.snapshots.update(snapshot.id, { ...(args.name !== undefined ? { name: args.name } : {}), ...(args.description !== undefined ? { description: args.description } : {}) }));
    },
    'snapshots.thumbnail': (args: ApiArgs<'snapshots.thumbnail'>) => snapshots.thumbnail(ctx.machine(args.id), args.snapshotId),
  };
}
