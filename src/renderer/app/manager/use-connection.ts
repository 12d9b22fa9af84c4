/** The state of the connection to the app core, for the manager's banner. */
import { useEffect, useState } from 'react';
import type { HangarClient } from '../../platform/client.js';
import type { ConnectionState } from '../../platform/transport.js';

/** The connection's state and, when closed, why. */
export interface Connection {
  readonly state: ConnectionState;
  readonly reason?: string;
}

/** The connection to the app core, kept current. */
export function useConnection(client: HangarClient): Connection {
  const [connection, setConnection] = useState<Connection>({ state: 'connecting' });
  useEffect(() => client.onConnection((state, reason) => setConnection({ state, ...(reason ? { reason } : {}) })), [client]);
  return connection;
}
