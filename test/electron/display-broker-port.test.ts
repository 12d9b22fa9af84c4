/**
 * Electron display views over a real MessagePort (Node's, shaped as MessagePortMain): main's
 * DisplayBroker posts header and pixels unjoined and the page's DisplayReceiver decodes the pair.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import type { DisplayMessage } from '../../src/shared/protocol/display.js';
import { DisplayReceiver } from '../../src/renderer/platform/display-receiver.js';
import { ScreenCache } from '../../src/main/display/screen-cache.js';
import type { EngineSession } from '../../src/main/supervisor/index.js';
import { DisplayBroker, type DisplayPortLike } from '../../src/main/ipc/display-broker.js';

/** The display side of an engine session: a screen copy and live subscribers. */
class Session {
  readonly cache = new ScreenCache();
  private readonly listeners = new Set<(message: DisplayMessage) => void>();
  readonly channel = { onExit: (): void => undefined };
  onDisplay(listener: (message: DisplayMessage) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
  screen(): DisplayMessage[] {
    return this.cache.replay();
  }
  emit(message: DisplayMessage): void {
    this.cache.apply(message);
    for (const listener of this.listeners) listener(message);
  }
  execute(): Promise<unknown> {
    return Promise.resolve({});
  }
}

/** Node's MessagePort as the broker sees Electron's MessagePortMain (messages as `{data}` events). */
function portLike(port: MessagePort): DisplayPortLike {
  return {
    postMessage: (message) => port.postMessage(message),
    on: (event: 'message' | 'close', listener: (event: { data: unknown }) => void) =>
      event === 'message' ? port.on('message', (data: unknown) => listener({ data })) : port.on('close', () => (listener as () => void)()),
    start: () => port.start(),
    close: () => port.close(),
  } as DisplayPortLike;
}

test('a view port is sent header and pixels unjoined, and the page decodes the pair', async () => {
  const session = new Session();
  session.emit({ type: 'mode', mode: 'graphics', width: 2, height: 1 });
  const broker = new DisplayBroker();
  const { port1, port2 } = new MessageChannel();
  const raw: unknown[] = [];
  const decoded: DisplayMessage[] = [];
  const receiver = new DisplayReceiver(
    () => undefined,
    () => undefined,
  );
  receiver.subscribe((message) => decoded.push(message));
  port2.on('message', (data: unknown) => {
    raw.push(data);
    receiver.receive(data);
  });
  const detach = broker.attach(session as unknown as EngineSession, portLike(port1));
  try {
    const pixels = Uint8Array.from([1, 2, 3, 255, 4, 5, 6, 255]);
    session.emit({ type: 'rect', x: 0, y: 0, width: 2, height: 1, pixels });
    const deadline = Date.now() + 10_000;
    while (!decoded.some((message) => message.type === 'rect' && message.pixels[0] === 1)) {
      if (Date.now() > deadline) throw new Error(`the rectangle did not arrive within 10 s (got ${decoded.map((message) => message.type).join(', ')})`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    const rect = decoded.findLast((message) => message.type === 'rect');
    assert.ok(rect?.type === 'rect');
    assert.deepEqual([rect.x, rect.y, rect.width, rect.height, ...rect.pixels], [0, 0, 2, 1, 1, 2, 3, 255, 4, 5, 6, 255]);
    const sent = raw.at(-1);
    assert.ok(Array.isArray(sent) && sent.length === 2, 'header and payload as a pair, not joined into one array');
    assert.equal((sent[1] as Uint8Array).byteLength, 8, 'the payload is the pixels alone');
    assert.equal(receiver.malformed, 0);
    assert.ok(decoded.some((message) => message.type === 'mode'), 'messages without a payload still arrive as bytes');
  } finally {
    detach();
    broker.dispose();
    port2.close();
  }
});

test('the page refuses a malformed pair (a header with its payload attached, or a payload of the wrong size)', () => {
  const decoded: DisplayMessage[] = [];
  const receiver = new DisplayReceiver(
    () => undefined,
    () => undefined,
  );
  receiver.subscribe((message) => decoded.push(message));
  const header = new Uint8Array(20);
  new DataView(header.buffer).setUint8(0, 5);
  new DataView(header.buffer).setUint16(2, 4, true);
  new DataView(header.buffer).setUint32(12, 2, true);
  new DataView(header.buffer).setUint32(16, 1, true);
  receiver.receive([header, new Uint8Array(8)]);
  assert.equal(decoded.length, 1, 'a well-formed 2×1 rectangle');
  receiver.receive([header, new Uint8Array(7)]);
  receiver.receive([Uint8Array.from([...header, 0, 0, 0, 0]), new Uint8Array(8)]);
  assert.equal(receiver.malformed, 2);
  assert.equal(decoded.length, 1);
});
