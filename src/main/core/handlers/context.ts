/**
 * What the API handlers work with: the core's library, supervisor and services, passed
 * explicitly, plus the machine lookups every namespace shares. Also the type of one
 * namespace's share of the handler table.
 */
import type { Library, Machine } from '../../../library/index.js';
import type { MachineViewValue } from '../../../shared/protocol/api/index.js';
import type { ApiCallName, ApiEventMessage, ApiHandlers } from '../../../shared/protocol/api/client.js';
import type { Supervisor } from '../../supervisor/index.js';
import { CoreError } from '../core-error.js';
import { attempt } from '../lookups.js';
import type { SerialBacklog } from '../serial-backlog.js';
import type { SnapshotService } from '../snapshot-service.js';
import { startMachine } from '../start-machine.js';

/**
 * The handlers of every call in the namespaces `P` (`'vm'`: every `vm.*` call). A group that
 * misses a call of its namespaces, or has one of another, fails to compile.
 */
export type NamespaceHandlers<P extends string> = Pick<ApiHandlers, Extract<ApiCallName, `${P}.${string}`>>;

/** The core's parts the handlers use. */
export interface CoreServices {
  readonly library: Library;
  readonly supervisor: Supervisor;
  readonly snapshots: SnapshotService;
  readonly serialBacklog: SerialBacklog;
  /** What opening the library fixed, undid or would not touch (`library.status`). */
  readonly openWarnings: readonly string[];
  /** Publishes an API event to every shell. */
  publish(message: ApiEventMessage): void;
}

/** The core's parts plus the machine lookups the handlers share. */
export interface HandlerContext extends CoreServices {
  /** The machine with this name or id, if any. */
  findMachine(idOrName: string): Machine | undefined;
  /** The machine with this name or id; NotFound otherwise. */
  machine(idOrName: string): Machine;
  /** The id of this machine when its engine runs; Unavailable otherwise. */
  running(idOrName: string): string;
  /** The machine as the API shows it: its row plus its engine's state. */
  view(machine: Machine): MachineViewValue;
  /** Starts a machine's engine as configured (start-machine.ts). */
  startMachine(machine: Machine, options?: { paused?: boolean }): Promise<void>;
}

/** The handler context over the core's parts. */
export function handlerContext(services: CoreServices): HandlerContext {
  const { library, supervisor } = services;
  const findMachine = (idOrName: string): Machine | undefined => library.machines.findByName(idOrName) ?? attempt(() => library.machines.get(idOrName));
  const machine = (idOrName: string): Machine => {
    const found = findMachine(idOrName);
    if (!found) throw new CoreError('NotFound', `No machine is called or has the id "${idOrName}"; \`hangar list\` shows them.`);
    return found;
  };
  return {
    library,
    supervisor,
    snapshots: services.snapshots,
    serialBacklog: services.serialBacklog,
    openWarnings: services.openWarnings,
    publish: (message) => services.publish(message),
    findMachine,
    machine,
    running: (idOrName) => {
      const found = machine(idOrName);
      if (!supervisor.isActive(found.id)) throw new CoreError('Unavailable', `"${found.name}" is not running; start it first.`);
      return found.id;
    },
    view: (found) => {
      const status = supervisor.status(found.id);
      const qmpSocket = supervisor.qmpSocket(found.id);
      const { osName, ...stored } = found;
      return {
        ...stored,
        ...(osName ? { osName } : {}),
        state: status.state,
        ...(status.reason ? { reason: status.reason } : {}),
        ...(qmpSocket ? { qmpSocket } : {}),
      } as MachineViewValue;
    },
    startMachine: (found, options) => startMachine({ library, supervisor }, found, options),
  };
}
