import assert from 'node:assert/strict';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { decodeDisplayMessage, encodeDisplayMessage } from '../../shared/protocol/display-codec.js';
import type { DisplayMessage } from '../../shared/protocol/display.js';
import { displayFramePrefix } from '../../shared/protocol/display-stream.js';
import { HttpDisplayStream } from './display-http-stream.js';

/** A loopback server handing each request's response to `handle`; closed after the test. */
async function serve(t: { after(fn: () => void): void }, handle: (response: ServerResponse) => void): Promise<string> {
  const server = createServer((_request, response) => handle(response));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => {
    server.closeAllConnections();
    server.close();
  });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
}

function framed(message: DisplayMessage): Buffer {
  const bytes = encodeDisplayMessage(message);
  return Buffer.concat([displayFramePrefix(bytes.byteLength), bytes]);
}

function rect(fill: number): DisplayMessage {
  return { type: 'rect', x: 0, y: 0, width: 256, height: 256, pixels: new Uint8Array(256 * 256 * 4).fill(fill) };
}

interface Received {
  messages: DisplayMessage[];
  bodies: Uint8Array[];
  opened: number;
  ended: string | undefined;
}

/** Opens a stream; `keep(n)` says whether the n-th message's buffer is held (not released). */
function open(url: string, keep: (index: number) => boolean = () => false): { stream: HttpDisplayStream; received: Received } {
  const received: Received = { messages: [], bodies: [], opened: 0, ended: undefined };
  const stream = new HttpDisplayStream(url, {
    opened: () => received.opened++,
    message: (body, release) => {
      received.messages.push(decodeDisplayMessage(body.slice()));
      received.bodies.push(body);
      if (!keep(received.messages.length - 1)) release();
    },
    ended: (reason) => (received.ended = reason),
  });
  return { stream, received };
}

async function until(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

test('messages arrive in order from a fetch body split anyhow; large ones reuse released buffers and held ones are never overwritten', async (t) => {
  const sent: DisplayMessage[] = [{ type: 'mode', mode: 'graphics', width: 256, height: 256 }];
  for (let fill = 1; fill <= 12; fill++) sent.push(rect(fill));
  sent.push({ type: 'text-cursor', row: 1, col: 2, start: 14, end: 15, visible: true });
  const url = await serve(t, (response) => {
    response.writeHead(200, { 'content-type': 'application/octet-stream' }).flushHeaders();
    const bytes = Buffer.concat(sent.map(framed));
    // Odd-sized writes with pauses: messages and even length prefixes straddle reads.
    let at = 0;
    const next = (): void => {
      if (at >= bytes.byteLength) return void response.end();
      response.write(bytes.subarray(at, at + 70_001));
      at += 70_001;
      setTimeout(next, 2);
    };
    next();
  });
  const { stream, received } = open(url, (index) => index === 1);
  t.after(() => stream.close());
  await until(() => received.ended !== undefined, 'the end of the stream');
  assert.equal(received.opened, 1);
  assert.equal(received.ended, 'the display stream ended');
  assert.deepEqual(received.messages, sent);
  assert.ok(stream.buffers.reused >= 5, `released frame buffers are reused (${stream.buffers.reused} reuses)`);
  const held = decodeDisplayMessage(received.bodies[1] as Uint8Array);
  assert.ok(held.type === 'rect' && held.pixels.every((byte) => byte === 1), 'the held frame still holds its own pixels');
});

test('a browser without BYOB readers for fetch bodies gets the same messages through the default reader', async (t) => {
  const sent: DisplayMessage[] = [{ type: 'mode', mode: 'graphics', width: 256, height: 256 }, rect(7), rect(8)];
  const url = await serve(t, (response) => response.writeHead(200).end(Buffer.concat(sent.map(framed))));
  // A browser whose fetch bodies are not byte streams refuses the BYOB reader like this.
  const getReader = ReadableStream.prototype.getReader;
  let refusedByob = 0;
  ReadableStream.prototype.getReader = function (this: ReadableStream, options?: { mode?: 'byob' }) {
    if (options?.mode === 'byob') {
      refusedByob++;
      throw new TypeError('Cannot use a BYOB reader with a non-byte stream');
    }
    return getReader.call(this);
  } as typeof getReader;
  t.after(() => (ReadableStream.prototype.getReader = getReader));
  const { stream, received } = open(url);
  t.after(() => stream.close());
  await until(() => received.ended !== undefined, 'the end of the stream');
  assert.equal(refusedByob, 1, 'the BYOB reader was asked for and refused');
  assert.equal(received.ended, 'the display stream ended');
  assert.deepEqual(received.messages, sent);
});

test('a refused request, a corrupt length and close each end the stream with their reason', async (t) => {
  const refused = open(await serve(t, (response) => response.writeHead(404, { 'content-type': 'text/plain' }).end('No such display stream.\n')));
  await until(() => refused.received.ended !== undefined, 'the refusal');
  assert.equal(refused.received.ended, 'the display stream was refused (HTTP 404: No such display stream.)');
  assert.equal(refused.received.opened, 0);

  const corrupt = open(await serve(t, (response) => response.writeHead(200).end(Buffer.from([0xff, 0xff, 0xff, 0xff, 1, 2, 3]))));
  await until(() => corrupt.received.ended !== undefined, 'the corrupt stream ending');
  assert.match(corrupt.received.ended ?? '', /^the display stream is corrupt \(a display message of 4294967295 bytes is over the limit/);

  let serverSaw: () => void = () => undefined;
  const aborted = new Promise<void>((resolve) => (serverSaw = resolve));
  const live = open(
    await serve(t, (response) => {
      response.writeHead(200).flushHeaders();
      response.write(framed({ type: 'mode', mode: 'off' }));
      response.once('close', () => serverSaw());
    }),
  );
  await until(() => live.received.messages.length === 1, 'the first message');
  live.stream.close();
  await aborted;
  await new Promise((resolve) => setTimeout(resolve, 50));
  assert.equal(live.received.ended, undefined, 'closing is not reported as the stream ending');
});
