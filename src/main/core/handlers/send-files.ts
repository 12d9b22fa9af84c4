/**
 * The send-files calls (`vm.send-files`, `vm.restore-medium`, `vm.sent-medium`, `vm.upload-file`,
 * `vm.upload-cancel`) over the core's SendFiles service (../send-files.ts).
 */
import type { ApiArgs } from '../../../shared/protocol/api/index.js';
import type { ApiHandlers } from '../../../shared/protocol/api/client.js';
import { SendFiles } from '../send-files.js';
import type { HandlerContext } from './context.js';

type SendFilesCalls = 'vm.send-files' | 'vm.restore-medium' | 'vm.sent-medium' | 'vm.upload-file' | 'vm.upload-cancel';

/** The handlers of the send-files calls (one SendFiles service per core). */
export function sendFilesHandlers(ctx: HandlerContext): Pick<ApiHandlers, SendFilesCalls> {
  const service = new SendFiles(ctx.library, ctx.supervisor, (message) => ctx.publish(message));
  return {
    'vm.send-files': (args: ApiArgs<'vm.send-files'>) =>
      service.send(ctx.machine(args.id), {
        ...(args.paths !== undefined ? { paths: args.paths } : {}),
        ...(args.uploadId !== undefined ? { uploadId: args.uploadId } : {}),
        ...(args.target !== undefined ? { target: args.target } : {}),
        ...(args.label !== undefined ? { label: args.label } : {}),
      }),
    'vm.restore-medium': (args: ApiArgs<'vm.restore-medium'>) => service.restore(ctx.machine(args.id)),
    'vm.sent-medium': (args: ApiArgs<'vm.sent-medium'>) => service.status(ctx.machine(args.id)),
    'vm.upload-file': (args: ApiArgs<'vm.upload-file'>) => service.upload(ctx.machine(args.id), args),
    'vm.upload-cancel': (args: ApiArgs<'vm.upload-cancel'>) => (service.cancelUpload(ctx.machine(args.id), args.uploadId), {}),
  };
}
