/**
 * One `/display/<machine>` WebSocket. Out: binary frames, each one encodeDisplayMessage()
 * message, the whole current screen first. In: text frames holding `input-send-event` arguments
 * (`{events: [...]}`) or acknowledgements (`{ack: N}`, N = display messages received so far),
 * at most `displayMessageLimitBytes` and `maxJsonNesting` deep; a refused input (bad JSON, a
 * binary frame, an event the engine rejects) is answered by a text frame `{error: {class, desc}}`
 * and the connection stays open. Protocol errors are closed by `ws` (1007/1009/1002) and logged.
 * Closing the socket only detaches this viewer: the guest runs on. Flow control is the one rule
 * every viewer follows (src/main/display/display-feed.ts).
 *
 * Transport (display-http-stream.ts): with `?transport=stream` the messages go out on an HTTP
 * stream the page fetches, named by a first text frame `{stream: "<id>"}`, while the socket
 * carries the rest; without it on the socket itself, and when too many streams are open too
 * (the first text frame is then `{stream: null}`).
 *
 * Encoding (display-deflate.ts): `raw` sends each message as it is; `deflate` sends messages of
 * 1 KiB and more as compressed envelopes (unless DEFLATE cannot shrink them), in order, for
 * viewers on a network.
 */
import type { ServerResponse } from 'node:http';
import type { WebSocket } from 'ws';
import type { DisplayFeed, FeedViewer, ViewerLink } from '../display/display-feed.js';
import { viewerRequest } from '../display/display-feed.js';
import type { EngineSession } from '../supervisor/index.js';
import { DeflateSender, type DisplayEncoding, type EnvelopeOutput } from './display-deflate.js';
import { claimTimeoutMs, type DisplayHttpStreams, httpStreamLink } from './display-http-stream.js';
import { describeSocketError, frameText, parseObjectMessage } from './socket-input.js';

/** Largest input message accepted on a display socket, in bytes (larger frames are closed with 1009). */
export const displayMessageLimitBytes = 1 << 20;

/** The viewer until its stream is fetched: its acknowledgements count nothing (nothing was sent yet); its input goes to the guest. */
const notYetAttached: FeedViewer = { acknowledge: () => undefined, detach: () => undefined };

/** How a viewer asked to get its display messages: on the socket, or on an HTTP stream (display-http-stream.ts). */
export type DisplayTransport = 'socket' | 'stream';

/**
 * Serves one display viewer of `session` through its `feed`: its messages go out on the socket,
 * or (`transport` `stream`, when `streams` has room) on an HTTP stream the page fetches.
 */
export function serveDisplay(
  ws: WebSocket,
  feed: DisplayFeed,
  session: EngineSession,
  log: (line: string) => void,
  peer: string,
  encoding: DisplayEncoding = 'raw',
  transport: DisplayTransport = 'socket',
  streams?: DisplayHttpStreams,
): void {
  const send = (encoded: Uint8Array): void => {
    if (ws.readyState === ws.OPEN) ws.send(encoded);
  };
  // Two fragments of one WebSocket message: the pixels go out as they are, never copied into a
  // joined buffer, and are released once written (or failed): until then the socket reads them.
  const sendParts = (header: Uint8Array, payload: Uint8Array, release: () => void): void => {
    if (ws.readyState !== ws.OPEN) {
      release();
      return;
    }
    ws.send(header, { binary: true, fin: false });
    ws.send(payload, { binary: true, fin: true }, () => release());
  };
  const socketLink: ViewerLink & EnvelopeOutput = { send, sendParts, queued: () => ws.bufferedAmount, close: () => ws.close(1001, 'The machine stopped.') };
  let viewer: FeedViewer | undefined;
  let deflate: DeflateSender | undefined;
  let stream: ServerResponse | undefined;
  const attach = (link: ViewerLink & EnvelopeOutput): void => {
    const sender = encoding === 'deflate' ? new DeflateSender(link) : undefined;
    deflate = sender;
    viewer = feed.attach(
      sender
        ? {
            send: (encoded) => sender.send(encoded),
            sendParts: (header, payload, release) => sender.send(header, payload, release),
            // What waits for compression is behind as much as what waits in the transport.
            queued: () => link.queued() + sender.queuedBytes,
            close: () => link.close(),
          }
        : link,
    );
  };
  const offer =
    transport === 'stream'
      ? streams?.offer(
          (response) => {
            stream = response;
            // The page gave up on the stream (or its connection broke): the viewer is gone.
            response.once('close', () => {
              if (ws.readyState === ws.OPEN) ws.close(1001, 'The display stream ended.');
            });
            attach(httpStreamLink(response, () => ws.close(1001, 'The machine stopped.')));
          },
          () => {
            log(`display socket from ${peer}: its display stream was not opened within ${claimTimeoutMs / 1000} s; closed.`);
            ws.close(1008, 'The display stream was not opened in time.');
          },
        )
      : undefined;
  // A page that asked for a stream learns either way, so it knows when to announce it acknowledges.
  if (transport === 'stream') ws.send(JSON.stringify({ stream: offer?.id ?? null }));
  if (!offer) attach(socketLink);
  const refuse = (errorClass: string, desc: string): void => {
    if (ws.readyState === ws.OPEN) ws.send(JSON.stringify({ error: { class: errorClass, desc } }));
  };
  ws.on('error', (error) => log(`display socket from ${peer}: ${describeSocketError(error)}.`));
  ws.on('message', (data, isBinary) => {
    try {
      if (isBinary) {
        log(`display socket from ${peer}: refused a binary frame (input is JSON text).`);
        refuse('InvalidArgument', 'Display input must be a JSON text frame {events: [...]} or {ack: N}.');
        return;
      }
      const input = parseObjectMessage(frameText(data), displayMessageLimitBytes, '{events: [...]} or {ack: N}');
      if (!input.ok) {
        log(`display socket from ${peer}: refused an input message: ${input.error}`);
        refuse('InvalidArgument', input.error);
        return;
      }
      viewerRequest(input.value, viewer ?? notYetAttached, session, refuse);
    } catch (error) {
      // A bug here must cost this viewer, never the process (and every running guest with it).
      log(`display socket from ${peer}: internal error handling input (${(error as Error).message}); closed with 1011.`);
      ws.close(1011, 'Internal error.');
    }
  });
  ws.on('close', () => {
    offer?.cancel();
    viewer?.detach();
    deflate?.dispose();
    if (stream && !stream.writableEnded) stream.end();
  });
}
