import assert from 'node:assert/strict';
import { createServer, get, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { encodeDisplayMessage, encodeDisplayParts } from '../../shared/protocol/display-codec.js';
import type { DisplayMessage } from '../../shared/protocol/display.js';
import { DisplayStreamReader } from '../../shared/protocol/display-stream.js';
import { DisplayHttpStreams, displayStreamPath, httpStreamLink } from './display-http-stream.js';

/** A loopback server answering stream requests from `streams`. */
async function serve(streams: DisplayHttpStreams): Promise<{ server: Server; port: number }> {
  const server = createServer((request, response) => streams.claim((request.url ?? '').slice(displayStreamPath.length), response));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port };
}

function request(port: number, id: string): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => get(`http://127.0.0.1:${port}${displayStreamPath}${id}`, resolve).on('error', reject));
}

test('an offered stream is served once, to the id it was offered under', async (t) => {
  const streams = new DisplayHttpStreams();
  const { server, port } = await serve(streams);
  t.after(() => {
    server.closeAllConnections();
    server.close();
  });
  let claimed: ServerResponse | undefined;
  const offer = streams.offer((response) => (claimed = response), () => assert.fail('not expired'));
  assert.ok(offer);
  assert.match(offer.id, /^[0-9a-f]{32}$/);
  const unknown = await request(port, '0'.repeat(32));
  assert.equal(unknown.statusCode, 404);
  unknown.resume();
  const response = await request(port, offer.id);
  assert.equal(response.statusCode, 200);
  assert.equal(response.headers['content-type'], 'application/octet-stream');
  assert.equal(response.headers['cache-control'], 'no-store');
  assert.ok(claimed, 'the offer got its response');
  assert.equal(streams.active, 1);
  const again = await request(port, offer.id);
  assert.equal(again.statusCode, 404, 'a second fetch of the same id is refused');
  again.resume();
  response.destroy();
  await new Promise((resolve) => claimed?.once('close', resolve));
  assert.equal(streams.active, 0, 'a stream whose client went away no longer counts');
});

test('an offer not fetched in time expires; offers and open streams count against the limit', async (t) => {
  const streams = new DisplayHttpStreams(2, 50);
  const { server, port } = await serve(streams);
  t.after(() => {
    server.closeAllConnections();
    server.close();
  });
  let expired = 0;
  const first = streams.offer(() => undefined, () => expired++);
  const second = streams.offer(() => undefined, () => assert.fail('the cancelled offer must not expire'));
  assert.ok(first && second);
  assert.equal(streams.offer(() => undefined, () => undefined), undefined, 'no third stream while two are offered');
  second.cancel();
  await new Promise((resolve) => setTimeout(resolve, 120));
  assert.equal(expired, 1, 'the unfetched offer expired once');
  const late = await request(port, first.id);
  assert.equal(late.statusCode, 404, 'an expired offer is gone');
  late.resume();
  const third = streams.offer(() => undefined, () => undefined);
  assert.ok(third, 'room again once offers are gone');
  streams.dispose();
  assert.equal(streams.offer(() => undefined, () => undefined), undefined, 'nothing is offered after dispose');
});

test('the stream link frames each message as the display socket does, releases pixels once written, and ends the response on close', async (t) => {
  let link: ReturnType<typeof httpStreamLink> | undefined;
  let closed = 0;
  const server = createServer((_request, response) => {
    response.writeHead(200).flushHeaders();
    link = httpStreamLink(response, () => closed++);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => {
    server.closeAllConnections();
    server.close();
  });
  const response = await new Promise<IncomingMessage>((resolve) => get(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`, resolve));
  const reader = new DisplayStreamReader();
  const received: DisplayMessage[] = [];
  const ended = new Promise<void>((resolve) => response.on('end', resolve));
  response.on('data', (chunk: Buffer) => received.push(...reader.push(new Uint8Array(chunk))));
  assert.ok(link);
  const mode: DisplayMessage = { type: 'mode', mode: 'graphics', width: 512, height: 256 };
  const pixels = new Uint8Array(512 * 256 * 4).map((_, index) => index & 0xff);
  const rect: DisplayMessage = { type: 'rect', x: 0, y: 0, width: 512, height: 256, pixels };
  link.send(encodeDisplayMessage(mode));
  const { header, payload } = encodeDisplayParts(rect);
  let released = 0;
  link.sendParts(header, payload as Uint8Array, () => released++);
  await new Promise((resolve) => setTimeout(resolve, 200));
  assert.equal(released, 1, 'the pixels are released once written');
  link.close();
  await ended;
  assert.equal(closed, 1);
  assert.deepEqual(received, [mode, rect]);
  assert.throws(() => link?.send(encodeDisplayMessage(mode)), /closed/);
  let releasedAfterClose = 0;
  assert.throws(() => link?.sendParts(header, payload as Uint8Array, () => releasedAfterClose++), /closed/);
  assert.equal(releasedAfterClose, 1, 'pixels offered to a closed stream are released at once');
});
