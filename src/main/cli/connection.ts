/**
 * How a `hangar` command reaches the core: over the control socket when another instance holds
 * the library (GUI, web shell, `start --headless`), else by opening the library itself. Either
 * way the command sees one `CoreConnection` with `call()`.
 */
import { defaultLibraryFolder } from '../../library/index.js';
import type { ApiResult } from '../../shared/protocol/api/index.js';
import { HangarCore } from '../core/hangar-core.js';
import { ControlClient } from '../control/control-client.js';
import { controlSocketPath } from '../control/control-server.js';

/** The core, in this process or behind the control socket. */
export interface CoreConnection {
  /** 'remote': another instance answers; 'local': this process holds the library. */
  readonly kind: 'local' | 'remote';
  call(name: string, args?: unknown, timeoutMs?: number): Promise<ApiResult<unknown>>;
  /** API events (MACHINE_STATE, PROGRESS, …); returns the unsubscribe function. */
  onEvent(listener: (event: { event: string; data: unknown }) => void): () => void;
  close(): Promise<void>;
}

/** The library folder commands use ($HANGAR_HOME or the XDG data folder). */
export function libraryFolder(): string {
  return process.env.HANGAR_HOME || defaultLibraryFolder();
}

/** A client of the instance holding the library, or undefined when none listens. */
export async function connectRemote(): Promise<CoreConnection | undefined> {
  const client = await ControlClient.connect(controlSocketPath(libraryFolder()));
  if (!client) return undefined;
  return {
    kind: 'remote',
    call: (name, args = {}, timeoutMs) => client.call(name, args, timeoutMs),
    onEvent: (listener) => client.onEvent(listener),
    close: async () => client.close(),
  };
}

/** Wraps a core this process opened. */
export function localConnection(core: HangarCore, closeCore = true): CoreConnection {
  return {
    kind: 'local',
    call: (name, args = {}) => core.call(name, args),
    onEvent: (listener) => core.subscribe(listener),
    close: async () => {
      if (closeCore) await core.close();
    },
  };
}

/** The remote instance if one holds the library, else the library opened here (without a control socket). */
export async function openConnection(): Promise<CoreConnection> {
  const remote = await connectRemote();
  if (remote) return remote;
  return localConnection(await HangarCore.open({ folder: libraryFolder(), controlSocket: false }));
}
