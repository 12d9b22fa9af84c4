/**
 * The `vm.*` calls on a machine's engine: power (start, resuming a state saved on close, pause,
 * reset, power off), drives, keyboard input, display (screenshot, thumbnail), serial console,
 * clipboard mode, speed limit, and raw engine commands.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { slotKindProblem } from '../../../library/index.js';
import type { ApiArgs } from '../../../shared/protocol/api/index.js';
import type { EngineCommandName, EngineReturn } from '../../../shared/protocol/engine/index.js';
import { checkEngineReturn } from '../../../shared/protocol/engine/replies.js';
import { defaultCommandTimeoutMs } from '../../supervisor/index.js';
import { assertClipboardMode } from '../clipboard-check.js';
import { CoreError } from '../core-error.js';
import { recordDrive } from '../drive-record.js';
import { attempt, checkFile } from '../lookups.js';
import { savedStateKey } from '../saved-state.js';
import type { HandlerContext, NamespaceHandlers } from './context.js';
import { networkHandlers } from './network.js';
import { sendFilesHandlers } from './send-files.js';
import { shareHandlers } from './shares.js';

/** The handlers of the `vm.*` calls. */
export function vmHandlers(ctx: HandlerContext): NamespaceHandlers<'vm'> {
  const { library, supervisor, snapshots } = ctx;
  const exec = (id: string, command: string, args: Record<string, unknown> = {}, timeoutMs?: number): Promise<unknown> =>
    supervisor.execute(ctx.running(id), command, args, timeoutMs);
  // An engine reply the API hands on in its own shape is read through the engine protocol's schema.
  const query = async <C extends EngineCommandName>(id: string, command: C, args: Record<string, unknown> = {}): Promise<EngineReturn<C>> => {
    const reply = checkEngineReturn(command, await exec(id, command, args));
    if (!reply.ok) throw new CoreError('EngineFailed', `The engine's answer to ${command} is not what the engine protocol says (${reply.issue.path} ${reply.issue.message}); see the engine log (hangar logs NAME).`);
    return reply.value;
  };
  return {
    ...networkHandlers(ctx),
    ...sendFilesHandlers(ctx),
    ...shareHandlers(ctx),
    'vm.start': async (args: ApiArgs<'vm.start'>) => {
      const machine = ctx.machine(args.id);
      if (supervisor.isActive(machine.id)) throw new CoreError('Conflict', `"${machine.name}" is already running.`);
      // A machine saved when the app closed resumes where it was (once); otherwise it boots.
      const saved = library.settings.get(savedStateKey(machine.id), null);
      if (typeof saved === 'string') {
        library.settings.delete(savedStateKey(machine.id));
        if (attempt(() => library.snapshots.get(saved))?.machineId === machine.id) {
          try {
            await snapshots.restore(machine, saved);
            return ctx.view(ctx.machine(machine.id));
          } catch (error) {
            console.warn(`hangar: could not resume "${machine.name}" from its saved state, booting it instead: ${error instanceof Error ? error.message : String(error)}`);
          }
        }
      }
      await ctx.startMachine(machine);
      return ctx.view(machine);
    },
    // Answered once the state shown is the engine's after the command (Supervisor.syncRunState).
    'vm.pause': async (args: ApiArgs<'vm.pause'>) => (await exec(args.id, 'stop'), await supervisor.syncRunState(ctx.running(args.id)), {}),
    'vm.resume': async (args: ApiArgs<'vm.resume'>) => (await exec(args.id, 'cont'), await supervisor.syncRunState(ctx.running(args.id)), {}),
    'vm.reset': async (args: ApiArgs<'vm.reset'>) => {
      const id = ctx.running(args.id);
      // Both engines keep a guest that powered itself off stopped after a reset (QEMU's
      // -no-shutdown): Reset on a powered-off machine means "boot it again", so it continues.
      const wasOff = supervisor.status(id).state === 'shutdown';
      await exec(args.id, 'system_reset');
      if (wasOff && !(await query(args.id, 'query-status')).running) await exec(args.id, 'cont');
      await supervisor.syncRunState(id);
      return {};
    },
    'vm.powerdown': async (args: ApiArgs<'vm.powerdown'>) => (await exec(args.id, 'system_powerdown'), {}),
    'vm.poweroff': async (args: ApiArgs<'vm.poweroff'>) => (await supervisor.stop(ctx.running(args.id)), {}),
    // Only the API's fields: QEMU adds others (singlestep) that the API's answer does not have.
    'vm.status': async (args: ApiArgs<'vm.status'>) => {
      const { status, running } = await query(args.id, 'query-status');
      return { status, running };
    },
    // Stored too (drive-record.ts): open windows and the manager follow a CLI insert/eject at once.
    'vm.eject': async (args: ApiArgs<'vm.eject'>) => (await exec(args.id, 'eject', { id: args.slot, ...(args.force ? { force: true } : {}) }), recordDrive(library, ctx.machine(args.id).id, args.slot, null), {}),
    'vm.insert': async (args: ApiArgs<'vm.insert'>) => {
      // By kind: an ISO is never inserted as a writable floppy, nor a floppy image as a CD.
      const problem = slotKindProblem(checkFile(args.path), args.slot);
      if (problem) throw new CoreError('InvalidArgument', problem);
      return (await exec(args.id, 'blockdev-change-medium', { id: args.slot, filename: args.path }), recordDrive(library, ctx.machine(args.id).id, args.slot, args.path), {});
    },
    'vm.send-keys': async (args: ApiArgs<'vm.send-keys'>) => (await exec(args.id, 'send-key', { keys: args.keys.map((key) => ({ type: 'qcode', data: key })) }), {}),
    // The engine replies once every key is typed (about 10 ms each), so the timeout grows with the text.
    'vm.type-text': (args: ApiArgs<'vm.type-text'>) => exec(args.id, 'input-type-text', { text: args.text }, defaultCommandTimeoutMs + args.text.length * 50),
    'vm.thumbnail': async (args: ApiArgs<'vm.thumbnail'>) => ({ png: (await snapshots.screenThumbnail(ctx.running(args.id), args.maxWidth ?? 160)).toString('base64') }),
    'vm.screenshot': async (args: ApiArgs<'vm.screenshot'>) => {
      const folder = mkdtempSync(join(tmpdir(), 'hangar-shot-'));
      try {
        const filename = join(folder, 'screen.png');
        await exec(args.id, 'screendump', { filename });
        return { png: readFileSync(filename).toString('base64') };
      } finally {
        rmSync(folder, { recursive: true, force: true });
      }
    },
    'vm.speed-limit': async (args: ApiArgs<'vm.speed-limit'>) => {
      const machine = ctx.machine(args.id);
      if (supervisor.isActive(machine.id)) await supervisor.execute(machine.id, 'set-speed-limit', { mips: args.mips });
      library.machines.update(machine.id, { speedLimitMips: args.mips === 0 ? null : args.mips });
      return {};
    },
    'vm.clipboard-mode': (args: ApiArgs<'vm.clipboard-mode'>) => {
      const machine = ctx.machine(args.id);
      assertClipboardMode(machine.engine, args.mode, machine.name);
      library.machines.update(machine.id, { clipboardMode: args.mode });
      return {};
    },
    'vm.execute': (args: ApiArgs<'vm.execute'>) => exec(args.id, args.command, args.arguments ?? {}),
    'vm.serial-write': (args: ApiArgs<'vm.serial-write'>) => {
      if (args.format === 'base64' && !isBase64(args.data)) throw new CoreError('InvalidArgument', 'data is not valid base64; send the bytes base64-encoded, or use format "utf8" for text.');
      return query(args.id, 'serial-write', { data: args.data, ...(args.format ? { format: args.format } : {}) });
    },
    'vm.serial-backlog': (args: ApiArgs<'vm.serial-backlog'>) => ({ data: ctx.serialBacklog.get(ctx.machine(args.id).id).toString('base64') }),
  };
}

/** Whether `text` is canonical base64 (what Buffer would decode without dropping anything). */
function isBase64(text: string): boolean {
  return /^[A-Za-z0-9+/]*={0,2}$/.test(text) && text.length % 4 === 0;
}
