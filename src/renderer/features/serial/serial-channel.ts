/**
 * A machine's serial console as a SerialChannel: the backlog first, then SERIAL_OUTPUT events;
 * what the user types goes out with vm.serial-write. Calls and events share one ordered
 * connection, so an event that arrives before the backlog's answer is already in the backlog
 * and is dropped rather than shown twice.
 */
import type { ApiResult } from '../../platform/transport.js';

/** Where serial bytes come from and go to. */
export interface SerialChannel {
  /** Calls `listener` with each chunk the guest writes (bytes are UTF-8); returns the unsubscribe function. */
  subscribe(listener: (data: string | Uint8Array) => void): () => void;
  /** Sends what the user typed to the guest; may resolve with a problem to show (machine not running). */
  send(data: string): void | Promise<string | undefined>;
}

/** The part of the API client the serial channel uses. */
export interface SerialApi {
  serialBacklog(id: string): Promise<ApiResult<Uint8Array>>;
  serialWrite(id: string, text: string): Promise<ApiResult<{ written: number }>>;
  onSerialOutput(listener: (id: string, bytes: Uint8Array) => void): () => void;
}

/** A notice line in the terminal (yellow), so problems show where the user looks. */
export function noticeLine(text: string): string {
  return `\r\n\x1b[33m[${text}]\x1b[0m\r\n`;
}

/** The serial channel of machine `id`. */
export function machineSerialChannel(api: SerialApi, id: string): SerialChannel {
  return {
    subscribe(listener) {
      let live = true;
      let ready = false;
      const stop = api.onSerialOutput((from, bytes) => {
        if (from === id && ready && live) listener(bytes);
      });
      void api.serialBacklog(id).then((result) => {
        if (!live) return;
        if (result.ok) {
          if (result.value.length > 0) listener(result.value);
        } else listener(noticeLine(`Could not read the earlier serial output: ${result.error.desc}`));
        ready = true;
      });
      return () => {
        live = false;
        stop();
      };
    },
    async send(data) {
      const result = await api.serialWrite(id, data);
      return result.ok ? undefined : result.error.desc;
    },
  };
}
