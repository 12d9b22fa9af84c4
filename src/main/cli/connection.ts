/**
 * How a `hangar` command reaches the core: over the control socket when another instance holds
 * the library (GUI, web shell, `start --headless`), else by opening the library itself. Either
 * way the command sees one `CoreConnection`: the typed API client (`call<'vm.start'>` infers
 * arguments and value), whose remote replies and events are checked against the schema.
 */
import { defaultLibraryFolder } from '../../library/index.js';
import type { ApiArgs, ApiCallName, ApiEventMessage, ApiResult, ApiValue } from '../../shared/protocol/api/client.js';
import { validateApiEvent, validateApiReply } from '../../shared/protocol/api/client.js';
import { HangarCore } from '../core/hangar-core.js';
import { ControlClient } from '../control/control-client.js';
import { controlSocketPath } from '../control/control-server.js';

/** The core, in this process or behind the control socket. */
export interface CoreConnection {
  /** 'remote': another instance answers; 'local': this process holds the library. */
  readonly kind: 'local' | 'remote';
  call<N extends ApiCallName>(name: N, args: ApiArgs<N>, timeoutMs?: number): Promise<ApiResult<ApiValue<N>>>;
  /** API events (MACHINE_STATE, PROGRESS, …); returns the unsubscribe function. */
  onEvent(listener: (event: ApiEventMessage) => void): () => void;
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
    call: async (name, args, timeoutMs) => validateApiReply(name, await client.call(name, args, timeoutMs)),
    // An event that breaks the schema is dropped (and said), never handed on half-understood.
    onEvent: (listener) =>
      client.onEvent((message) => {
        const checked = validateApiEvent(message);
        if (checked.ok) listener(checked.value);
        else console.error(`hangar: ignored an event from the Hangar instance that does not match the API: ${checked.issue.path} ${checked.issue.message}`);
      }),
    close: async () => client.close(),
  };
}

/** Wraps a core this process opened. */
export function localConnection(core: HangarCore, closeCore = true): CoreConnection {
  return {
    kind: 'local',
    call: (name, args) => core.api.call(name, args),
    onEvent: (listener) => core.api.subscribe(listener),
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
