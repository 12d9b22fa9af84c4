/**
 * v86's shared folder: its one virtio 9P device (mount tag host9p) with `filesystem.handle9p`
 * carrying the guest's raw 9P messages to a confined diod serving the first share
 * (share/share-server.ts). v86 has a single 9P device, so the second and later shares are not
 * served (reported failed with that reason; QEMU serves them all). Without diod or bubblewrap, or
 * when the server cannot start or dies, the share is failed with the reason in query-shares and
 * the engine log, and the guest's 9P requests are answered EIO — the guest runs on.
 */
import { ShareControl } from '../common/share-control.js';
import { findSandboxTools } from '../share/diod-sandbox.js';
import { Errno, readHeader, rlerror } from '../share/nine-p.js';
import { ShareServer } from '../share/share-server.js';
import type { V86Machine } from './machine.js';

/** Why v86 does not serve a machine's second and later shares. */
export const v86OneShareReason = 'v86 has one 9P device: it serves only the first shared folder (host9p); the others are served when the machine runs on QEMU.';

/** Plans the shares, registers query-shares, and serves the first share once v86 exists. */
export function installShares(machine: V86Machine): void {
  const control = new ShareControl(machine.config.options?.shares, (line) => machine.host.log(`v86 ${line}`));
  machine.addHandlers(control.handlers());
  control.shares.forEach((_share, index) => {
    if (index > 0) control.fail(index, v86OneShareReason);
  });
  const first = control.servable.find(({ index }) => index === 0)?.share;
  // No 9P device without a share to serve: machines and saved states from before shares load unchanged.
  if (first === undefined) return;
  const options = machine.config.options ?? {};
  const tools = findSandboxTools({ diod: options.diodPath, bwrap: options.bwrapPath });
  if ('problem' in tools) {
    control.fail(0, tools.problem);
    return;
  }
  let server: ShareServer | undefined;
  machine.addOptions({
    filesystem: {
      handle9p: (request: Uint8Array, reply: (message: Uint8Array) => void) => {
        if (server !== undefined) {
          server.handle9p(request, reply);
          return;
        }
        const header = readHeader(request);
        if (header !== undefined) reply(rlerror(header.tag, Errno.EIO));
      },
    },
  });
  machine.onCreated(async () => {
    try {
      server = await ShareServer.start({
        tools,
        hostPath: first.hostPath,
        readOnly: first.readOnly,
        runtimeDir: machine.config.runtimeDir,
        log: (line) => machine.host.log(`v86 ${line}`),
        onEnd: (reason) => {
          control.fail(0, `The shared folder stopped: ${reason}. Restart the machine to get it back.`);
          machine.emit('ENGINE_ERROR', { reason: `The shared folder ${first.hostPath} stopped (${reason}); the guest's access to it fails until the machine is restarted.`, fatal: false });
        },
      });
      machine.host.log(`v86 share ${first.name}: serving ${first.hostPath}${first.readOnly ? ' read-only' : ''} as host9p (diod pid ${String(server.pid)}, confined by bubblewrap)`);
    } catch (error) {
      control.fail(0, (error as Error).message);
    }
  });
  machine.onDispose(() => server?.close());
}
