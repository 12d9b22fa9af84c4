/**
 * `vm.shares`: a machine's shared folders with their mount tags and guest commands, and when it
 * runs, what its engine serves (`query-shares`). A stopped machine's shares are checked on disk
 * so a folder that went away shows up before the start fails on it.
 */
import { shareFolderProblem } from '../../../library/share-folders.js';
import type { Machine } from '../../../library/index.js';
import type { ApiArgs } from '../../../shared/protocol/api/index.js';
import type { ApiHandlers, ApiValue } from '../../../shared/protocol/api/client.js';
import { shareMountCommand, shareTag, v86SharesNote, type ShareSetting } from '../../../shared/share-settings.js';
import { checkEngineReturn } from '../../../shared/protocol/engine/replies.js';
import { EngineCommandError } from '../../supervisor/index.js';
import { CoreError } from '../core-error.js';
import type { HandlerContext } from './context.js';

type ShareStatus = ApiValue<'vm.shares'>['shares'][number];

function stored(machine: Machine, share: ShareSetting, index: number): ShareStatus {
  const tag = shareTag(share, index);
  const problem = shareFolderProblem(share);
  return {
    name: share.name,
    tag,
    hostPath: share.hostPath,
    readOnly: share.readOnly,
    status: 'stored',
    ...(problem !== undefined ? { error: `${problem} Until then "${machine.name}" does not start.` } : {}),
    mountCommand: shareMountCommand(tag, index),
  };
}

/** The handler of `vm.shares`. */
export function shareHandlers(ctx: HandlerContext): Pick<ApiHandlers, 'vm.shares'> {
  const { supervisor } = ctx;
  return {
    'vm.shares': async (args: ApiArgs<'vm.shares'>): Promise<ApiValue<'vm.shares'>> => {
      const machine = ctx.machine(args.id);
      const state = supervisor.status(machine.id).state;
      const note = machine.engine === 'v86' && machine.shares.length > 1 ? { note: v86SharesNote } : {};
      if (state !== 'running' && state !== 'paused') {
        return { running: false, engine: machine.engine, shares: machine.shares.map((share, index) => stored(machine, share, index)), ...note };
      }
      let reply: unknown;
      try {
        reply = await supervisor.execute(machine.id, 'query-shares');
      } catch (error) {
        if (!(error instanceof EngineCommandError && error.errorClass === 'CommandNotFound')) throw error;
        // An engine from before shared folders: it runs without them.
        const why = 'The running engine does not serve shared folders (it predates them); power the machine off and start it again.';
        return {
          running: true,
          engine: machine.engine,
          shares: machine.shares.map((share, index) => ({ ...stored(machine, share, index), status: 'failed' as const, error: why })),
          ...note,
        };
      }
      const checked = checkEngineReturn('query-shares', reply);
      if (!checked.ok) throw new CoreError('EngineFailed', `The engine's answer to query-shares is not what the engine protocol says (${checked.issue.path} ${checked.issue.message}); see the engine log (hangar logs NAME).`);
      const live = checked.value.map((share) => ({
        name: share.name,
        tag: share.tag,
        hostPath: share['host-path'],
        readOnly: share['read-only'],
        status: share.status,
        ...(share.error !== undefined ? { error: share.error } : {}),
      }));
      const served = live.map((share, index): ShareStatus => ({ ...share, mountCommand: shareMountCommand(share.tag, index) }));
      // Shares added to the settings while the machine runs reach the engine at its next start.
      const pending = machine.shares
        .filter((share) => !live.some((engine) => engine.name === share.name && engine.hostPath === share.hostPath))
        .map((share): ShareStatus => ({
          ...stored(machine, share, machine.shares.indexOf(share)),
          status: 'pending',
          error: 'Added while the machine runs: it is served from the next start (power off, then start).',
        }));
      return { running: true, engine: machine.engine, shares: [...served, ...pending], ...note };
    },
  };
}
