import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeDisplayMessage } from '../../shared/protocol/display-codec.js';
import type { DisplayMessage } from '../../shared/protocol/display.js';
import { DisplayFeed } from './display-feed.js';
import type { DisplaySource, ViewerLink } from './display-feed.js';
import { ScreenCache } from './screen-cache.js';

/** A display source as an engine session is one: a screen copy and live subscribers. */
class Source implements DisplaySource {
  readonly cache = new ScreenCache();
  private readonly listeners = new Set<(message: DisplayMessage) => void>();
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
}

/** A viewer's end: what it received, decoded, and what its transport says it still holds. */
class Link implements ViewerLink {
  readonly received: DisplayMessage[] = [];
  held = 0;
  closed = false;
  send(encoded: Uint8Array): void {
    this.received.push(decodeDisplayMessage(encoded));
  }
  queued(): number {
    return this.held;
  }
  close(): void {
    this.closed = true;
  }
}

const row = (n: number): DisplayMessage => ({ type: 'text', row: 0, rowCount: 1, cols: 2, cells: Uint32Array.from([n, 7, 0, n, 7, 0]) });
const screenOf = (messages: DisplayMessage[]): DisplayMessage[] => {
  const cache = new ScreenCache();
  for (const message of messages) cache.apply(message);
  return cache.replay();
};

test('a viewer that acknowledges is skipped while behind, then caught up with the whole current screen; others get every message', () => {
  const source = new Source();
  source.emit({ type: 'mode', mode: 'text', cols: 2, rows: 1, width: 16, height: 16 });
  source.emit(row(65));
  // Any unacknowledged byte counts as behind.
  const feed = new DisplayFeed(source, () => 0);
  const slow = new Link();
  const plain = new Link();
  const slowViewer = feed.attach(slow);
  feed.attach(plain);
  assert.deepEqual(slow.received.map((m) => m.type), ['mode', 'text'], 'a viewer starts with the whole screen');
  slowViewer.acknowledge(slow.received.length);

  source.emit(row(66));
  assert.equal(slow.received.length, 3, 'nothing unacknowledged: the next message goes out');
  for (let n = 67; n < 75; n++) source.emit(row(n));
  assert.equal(slow.received.length, 3, 'behind: skipped');
  assert.equal(plain.received.length, 2 + 9, 'a viewer that never acknowledges gets every message');

  slowViewer.acknowledge(2);
  assert.equal(slow.received.length, 3, 'still behind: nothing yet');
  slowViewer.acknowledge(3);
  assert.deepEqual(slow.received.slice(3).map((m) => m.type), ['mode', 'text'], 'caught up: the whole current screen');
  assert.deepEqual(screenOf(slow.received), screenOf(plain.received), 'the catch-up shows the latest screen');
  assert.deepEqual(screenOf(slow.received), source.screen());
});

test('a viewer that does not acknowledge is behind by what its transport holds; it is caught up once that drained', async () => {
  const source = new Source();
  source.emit({ type: 'mode', mode: 'graphics', width: 2, height: 1 });
  const feed = new DisplayFeed(source, () => 100);
  const link = new Link();
  feed.attach(link);
  const rect = (value: number): DisplayMessage => ({ type: 'rect', x: 0, y: 0, width: 2, height: 1, pixels: new Uint8Array(8).fill(value) });
  source.emit(rect(1));
  link.held = 101;
  source.emit(rect(2));
  source.emit(rect(3));
  assert.equal(link.received.length, 3, 'skipped while its transport holds more than the limit');
  link.held = 0;
  const deadline = Date.now() + 5_000;
  while (link.received.length === 3 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
  assert.deepEqual(link.received.slice(3).map((m) => m.type), ['mode', 'rect'], 'drained: the whole current screen, without waiting for the guest to draw');
  const last = link.received.at(-1);
  assert.ok(last?.type === 'rect');
  assert.deepEqual([...last.pixels], new Array(8).fill(3));
  feed.dispose();
  assert.equal(link.closed, true, 'disposing the feed closes its viewers');
});

test('a detached viewer gets nothing more; bad acknowledgements never count for more than was sent', () => {
  const source = new Source();
  source.emit({ type: 'mode', mode: 'text', cols: 2, rows: 1, width: 16, height: 16 });
  const feed = new DisplayFeed(source, () => 0);
  const link = new Link();
  const viewer = feed.attach(link);
  assert.equal(link.received.length, 2, 'the screen: mode and text');
  viewer.acknowledge(1_000_000);
  source.emit(row(65));
  source.emit(row(66));
  assert.equal(link.received.length, 3, 'an acknowledgement beyond what was sent counts only what was sent: the second update is skipped');
  viewer.detach();
  assert.equal(feed.size, 0);
  viewer.acknowledge(3);
  source.emit(row(67));
  assert.equal(link.received.length, 3, 'nothing after detaching, not even a catch-up');
});

test('a viewer attached after the feed ended (its engine exited during the set-up) is closed at once and sent nothing', () => {
  const source = new Source();
  source.emit({ type: 'mode', mode: 'text', cols: 2, rows: 1, width: 16, height: 16 });
  const feed = new DisplayFeed(source);
  feed.dispose();
  const link = new Link();
  feed.attach(link);
  assert.equal(link.closed, true);
  assert.deepEqual(link.received, []);
  assert.equal(feed.size, 0);
});

test('a link that sends in parts gets each rectangle\'s own pixels as the payload, not a copy', () => {
  const source = new Source();
  source.emit({ type: 'mode', mode: 'graphics', width: 4, height: 2 });
  const feed = new DisplayFeed(source);
  const parts: { header: Uint8Array; payload: Uint8Array }[] = [];
  const joined: Uint8Array[] = [];
  feed.attach({ send: (encoded) => joined.push(encoded), sendParts: (header, payload) => parts.push({ header, payload }), queued: () => 0, close: () => undefined });
  parts.length = 0;
  joined.length = 0;
  const pixels = Uint8Array.from({ length: 4 * 2 * 4 }, (_, index) => index);
  source.emit({ type: 'rect', x: 0, y: 0, width: 4, height: 2, pixels });
  assert.equal(parts.length, 1);
  assert.equal(joined.length, 0, 'messages with a payload never go through the joining path');
  assert.equal(parts[0]!.payload, pixels, 'the payload is the message\'s own array');
  const whole = new Uint8Array(parts[0]!.header.byteLength + pixels.byteLength);
  whole.set(parts[0]!.header);
  whole.set(pixels, parts[0]!.header.byteLength);
  assert.deepEqual(decodeDisplayMessage(whole), { type: 'rect', x: 0, y: 0, width: 4, height: 2, pixels });
  // A message without a payload goes out whole.
  source.emit({ type: 'pointer-mode', absolute: true });
  assert.deepEqual(decodeDisplayMessage(joined[0]!), { type: 'pointer-mode', absolute: true });
});

test('the feed tells its source when no viewer keeps up, so main can stop reading; a catch-up or a new viewer wants frames again', () => {
  const says: string[] = [];
  const source = new (class extends Source {
    displayDemand() {
      says.push('demand');
      return { set: (wanted: boolean) => void says.push(wanted ? 'wanted' : 'not wanted'), release: () => void says.push('released') };
    }
  })();
  source.emit({ type: 'mode', mode: 'text', cols: 2, rows: 1, width: 16, height: 16 });
  const feed = new DisplayFeed(source, () => 0);
  source.emit(row(64));
  assert.deepEqual(says, [], 'no viewers: no say (main keeps its copy current)');
  const slow = new Link();
  const viewer = feed.attach(slow);
  assert.deepEqual(says, ['demand', 'wanted']);
  viewer.acknowledge(0);
  source.emit(row(65));
  assert.deepEqual(says.slice(2), [], 'sent: it was not behind');
  source.emit(row(66));
  assert.deepEqual(says.slice(2), ['not wanted'], 'its only viewer is behind: nobody keeps up');
  viewer.acknowledge(slow.received.length);
  assert.deepEqual(says.slice(3), ['wanted'], 'caught up: frames wanted again');
  source.emit(row(67));
  source.emit(row(68));
  assert.equal(says.at(-1), 'not wanted');
  const second = feed.attach(new Link());
  assert.equal(says.at(-1), 'wanted', 'a new viewer keeps up');
  second.detach();
  assert.equal(says.at(-1), 'not wanted', 'back to the one that is behind');
  viewer.detach();
  assert.equal(says.at(-1), 'released', 'no viewers left: the feed gives up its say');
  feed.dispose();
});

test('a payload is held while a viewer\'s transport still writes it; the source reuses it only after the release', async () => {
  const { DisplayBuffers } = await import('../../shared/display/display-buffers.js');
  const buffers = new DisplayBuffers();
  const listeners = new Set<(message: DisplayMessage) => void>();
  const source: DisplaySource = {
    onDisplay: (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    screen: () => [],
    retainDisplay: (message) => buffers.retain(message),
  };
  const releases: (() => void)[] = [];
  const written: Uint8Array[] = [];
  const feed = new DisplayFeed(source);
  feed.attach({
    send: () => undefined,
    sendParts: (_header, payload, release) => {
      written.push(payload);
      releases.push(release);
    },
    queued: () => 0,
    close: () => undefined,
  });
  const emit = (fill: number): Uint8Array => {
    const body = buffers.take(128 * 128 * 4);
    body.fill(fill);
    for (const listener of listeners) listener({ type: 'rect', x: 0, y: 0, width: 128, height: 128, pixels: body });
    buffers.release(body);
    return body;
  };
  const first = emit(1);
  const second = emit(2);
  assert.notEqual(second.buffer, first.buffer, 'the transport still holds the first payload');
  assert.ok(written[0]!.every((value) => value === 1), 'and it is intact');
  releases.shift()!();
  assert.equal(emit(3).buffer, first.buffer, 'written: reused');
  feed.dispose();
});
