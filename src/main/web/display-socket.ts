/**
 * One `/display/<machine>` WebSocket. Out: binary frames, each one encodeDisplayMessage()
 * message, the whole current screen first. In: text frames holding `input-send-event` arguments
 * (`{events: [...]}`), at most `displayMessageLimitBytes` and `maxJsonNesting` deep; a refused
 * input (bad JSON, a binary frame, an event the engine rejects) is answered by a text frame
 * `{error: {class, desc}}` and the connection stays open. Protocol errors are closed by `ws`
 * (1007/1009/1002) and logged. Closing the socket only detaches this viewer: the guest runs on.
 */
import type { WebSocket } from 'ws';
import { encodeDisplayMessage } from '../../shared/protocol/display-codec.js';
import type { DisplayMessage } from '../../shared/protocol/display.js';
import type { EngineSession } from '../supervisor/index.js';
import { describeSocketError, frameText, parseObjectMessage } from './socket-input.js';

/** Largest input message accepted on a display socket, in bytes (larger frames are closed with 1009). */
export const displayMessageLimitBytes = 1 << 20;
/** A viewer further behind than this loses intermediate frames instead of stalling anything. */
const displayBacklogBytes = 16 << 20;

/**
 * Serves one display viewer. The session gives every new subscriber the whole current screen
 * first (so a second tab or a reconnect is drawn at once), then live messages. A viewer that
 * falls behind by more than `displayBacklogBytes` misses messages rather than holding anything
 * up; once its socket has drained it gets the whole current screen again (latest kept).
 */
export function serveDisplay(ws: WebSocket, session: EngineSession, log: (line: string) => void, peer: string): void {
  let behind = false;
  let drainTimer: NodeJS.Timeout | undefined;
  const send = (message: DisplayMessage): void => {
    if (ws.readyState === ws.OPEN) ws.send(encodeDisplayMessage(message));
  };
  const refuse = (errorClass: string, desc: string): void => {
    if (ws.readyState === ws.OPEN) ws.send(JSON.stringify({ error: { class: errorClass, desc } }));
  };
  const catchUp = (): void => {
    if (ws.readyState !== ws.OPEN) return;
    if (ws.bufferedAmount > 0) return;
    clearInterval(drainTimer);
    drainTimer = undefined;
    behind = false;
    for (const message of session.screen()) send(message);
  };
  const stop = session.onDisplay((message) => {
    if (behind || ws.readyState !== ws.OPEN) return;
    if (ws.bufferedAmount > displayBacklogBytes) {
      behind = true;
      drainTimer = setInterval(catchUp, 50);
      return;
    }
    send(message);
  });
  ws.on('error', (error) => log(`display socket from ${peer}: ${describeSocketError(error)}.`));
  ws.on('message', (data, isBinary) => {
    try {
      if (isBinary) {
        log(`display socket from ${peer}: refused a binary frame (input is JSON text).`);
        refuse('InvalidArgument', 'Display input must be a JSON text frame {events: [...]}.');
        return;
      }
      const input = parseObjectMessage(frameText(data), displayMessageLimitBytes, '{events: [...]}');
      if (!input.ok) {
        log(`display socket from ${peer}: refused an input message: ${input.error}`);
        refuse('InvalidArgument', input.error);
        return;
      }
      // Input is fire-and-forget for speed; a refusal comes back as a text frame so the view can say why.
      session.execute('input-send-event', input.value).catch((error: Error & { errorClass?: string }) => refuse(error.errorClass ?? 'EngineFailed', error.message));
    } catch (error) {
      // A bug here must cost this viewer, never the process (and every running guest with it).
      log(`display socket from ${peer}: internal error handling input (${(error as Error).message}); closed with 1011.`);
      ws.close(1011, 'Internal error.');
    }
  });
  ws.on('close', () => {
    stop();
    clearInterval(drainTimer);
  });
}
