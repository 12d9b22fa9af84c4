/**
 * One `/api` WebSocket: JSON text frames `{id, call, args}` answered by `{id, result}`, and every
 * API event pushed as `{event, data}`. A message that is not JSON, not an object, larger than
 * `apiMessageLimitBytes` or nested deeper than `maxJsonNesting` is answered with an
 * InvalidArgument result (`id` null) and logged; the connection stays open. Protocol errors
 * (invalid UTF-8, an oversized frame, reserved bits) are closed by `ws` with 1007/1009/1002 and
 * logged; a binary frame is closed with 1003. Nothing a client sends can throw out of here.
 */
import type { WebSocket } from 'ws';
import { apiFailure } from '../../shared/protocol/api/index.js';
import { toFailure } from '../core/hangar-core.js';
import type { HangarCore } from '../core/hangar-core.js';
import { describeSocketError, frameText, parseObjectMessage } from './socket-input.js';

/** Largest message accepted on `/api`, in bytes (larger frames are closed with 1009). */
export const apiMessageLimitBytes = 4 << 20;

/** Serves one API connection; `log` takes one line per refused input (rate-limited by the caller). */
export function serveApi(ws: WebSocket, core: HangarCore, log: (line: string) => void, peer: string): void {
  const send = (message: unknown): void => {
    if (ws.readyState !== ws.OPEN) return;
    let text: string;
    try {
      text = JSON.stringify(message);
    } catch (error) {
      text = JSON.stringify({ id: (message as { id?: unknown }).id ?? null, result: apiFailure('EngineFailed', `The answer could not be encoded: ${(error as Error).message}`) });
    }
    ws.send(text);
  };
  const unsubscribe = core.subscribe((event) => send(event));
  ws.on('close', unsubscribe);
  ws.on('error', (error) => log(`API socket from ${peer}: ${describeSocketError(error)}.`));
  ws.on('message', (data, isBinary) => {
    try {
      if (isBinary) {
        log(`API socket from ${peer}: a binary frame (the API takes JSON text frames); closed with 1003.`);
        ws.close(1003, 'The API socket takes JSON text frames.');
        return;
      }
      const request = parseObjectMessage(frameText(data), apiMessageLimitBytes, '{id, call, args}');
      if (!request.ok) {
        log(`API socket from ${peer}: refused a message: ${request.error}`);
        send({ id: null, result: apiFailure('InvalidArgument', request.error) });
        return;
      }
      const { id: rawId, call, args } = request.value;
      const id = typeof rawId === 'number' || typeof rawId === 'string' ? rawId : null;
      core.call(call, args).then(
        (result) => send({ id, result }),
        (error: unknown) => send({ id, result: toFailure(error) }),
      );
    } catch (error) {
      // A bug here must cost this connection, never the process (and every running guest with it).
      log(`API socket from ${peer}: internal error handling a message (${(error as Error).message}); closed with 1011.`);
      ws.close(1011, 'Internal error.');
    }
  });
}
